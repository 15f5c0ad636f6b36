// The requester's apply form (contract §7 `POST /apply`), against the real server: a form the
// server cannot read as sent — a field given twice, a field the page does not send, a broken
// escape — comes back as the form, saying what is wrong, with everything else that was typed,
// and nothing is submitted. People are signed in as ConsoleFixture.h says.
#include "tests/integration/ConsoleFixture.h"

using namespace keywarden::test;

class PortalFormTest : public ConsoleFixture {
  CPPUNIT_TEST_SUITE(PortalFormTest);
  CPPUNIT_TEST(anUnreadableApplyFormComesBackWithWhatWasTyped);
  CPPUNIT_TEST_SUITE_END();

 public:
  void anUnreadableApplyFormComesBackWithWhatWasTyped() {
    CPPUNIT_ASSERT_EQUAL(
        201, admin("POST", "/v1/clients", R"({"id":"c1","name":"Client One","clientType":"web"})")
                 .status);
    Browser dev = browser("dev@dev.example");
    const std::string typed = "clientId=c1&quota=12&description=typed+%3Cb%3E";
    struct Case {
      std::string fault;
      std::string says;  // next to the field, or above the form
    };
    for (const Case& c : {Case{"keyName=a&keyName=b", "id=\"keyName-error\""},
                          Case{"keyName=a&colour=red", "that this page does not send"},
                          Case{"keyName=a&scopes=100%", "id=\"scopes-error\""},
                          Case{"keyName=a&x%ZZ=1", "could not be read"}}) {
      dev.get("/apply");
      HttpResponse r = dev.post("/apply", c.fault + "&" + typed);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.fault + " -> " + r.body.substr(0, 300), 400, r.status);
      CPPUNIT_ASSERT_MESSAGE(c.fault, has(r.body, c.says));
      CPPUNIT_ASSERT_MESSAGE(c.fault, has(r.body, "id=\"apply-submit\""));  // the form again
      CPPUNIT_ASSERT_MESSAGE(c.fault, has(r.body, ">typed &lt;b&gt;</textarea>"));
      CPPUNIT_ASSERT_MESSAGE(c.fault, has(r.body, "name=\"quota\" value=\"12\""));
    }
    auto listed = admin("GET", "/v1/applications").json()->getArray("applications");
    CPPUNIT_ASSERT_EQUAL(size_t(0), listed->size());
    // The CSRF check still comes first: a form without this browser's token changes nothing
    // and shows no form.
    std::string forged(64, '0');
    HttpResponse r = dev.post("/apply", "keyName=a&keyName=b&" + typed, &forged);
    CPPUNIT_ASSERT_EQUAL(403, r.status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PortalFormTest);
