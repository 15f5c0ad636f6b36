// Every portal and console form with typed text, against the real server: a form the server
// cannot read as sent — a field the page does not send, a broken escape — comes back as the
// form, saying what is wrong, with what was typed, and nothing is done; the CSRF check still
// comes first. (The apply form: PortalFormTest.) People sign in as ConsoleFixture.h says.
#include <regex>

#include "tests/integration/ConsoleFixture.h"

using namespace keywarden::test;

class FormKeepTest : public ConsoleFixture {
  CPPUNIT_TEST_SUITE(FormKeepTest);
  CPPUNIT_TEST(everyFormKeepsWhatWasTypedWhenItCannotBeRead);
  CPPUNIT_TEST(theSigninFormKeepsTheAddress);
  CPPUNIT_TEST(theResendFormKeepsTheAddressOnItsRow);
  CPPUNIT_TEST_SUITE_END();

 public:
  struct Form {
    std::string who, page, action, typed, kept;
  };

  void everyFormKeepsWhatWasTypedWhenItCannotBeRead() {
    CPPUNIT_ASSERT_EQUAL(
        201,
        admin("POST", "/v1/clients",
              R"({"id":"web","name":"Web","clientType":"web","contactEmail":"dev@dev.example"})")
            .status);
    std::string key = issue(R"({"clientId":"web","name":"k"})").json()->getValue<std::string>("id");
    auto apply = [&] {
      HttpResponse r =
          admin("POST", "/v1/applications",
                R"({"kind":"new","clientId":"web","keyName":"orders","description":"d",)"
                R"("requesterEmail":"dev@dev.example","quota":10})");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
      return r.json()->getValue<std::string>("id");
    };
    std::string app = "/applications/" + apply(), other = "/admin/applications/" + apply();
    const Form forms[] = {
        {"lead@example.com", app, app + "/decide", "decision=return&comment=typed+words",
         ">typed words</textarea>"},
        {"dev@dev.example", "/keys/" + key, "/keys/" + key + "/revoke", "reason=typed+words",
         ">typed words</textarea>"},
        {"root@ops.example", "/admin/clients", "/admin/clients", "id=c7&name=Typed+Seven",
         "value=\"Typed Seven\""},
        {"root@ops.example", "/admin/clients/web", "/admin/clients/web",
         "name=Typed+Seven&clientType=web&contactEmail=", "value=\"Typed Seven\""},
        {"root@ops.example", "/admin/apis", "/admin/apis",
         "id=a7&name=Typed+Seven&method=GET&path=%2Fo", "value=\"Typed Seven\""},
        {"root@ops.example", "/admin/groups", "/admin/groups", "id=g7&name=Typed+Seven",
         "value=\"Typed Seven\""},
        {"root@ops.example", "/admin/keys/new", "/admin/keys", "clientId=web&name=Typed+Seven",
         "value=\"Typed Seven\""},
        {"root@ops.example", "/admin/keys/" + key, "/admin/keys/" + key + "/disable",
         "reason=typed+words", "typed words"},
        {"root@ops.example", other, other + "/decide",
         "approver=lead%40example.com&decision=return&comment=typed+words",
         ">typed words</textarea>"},
        {"root@ops.example", "/admin/tokens", "/admin/tokens", "role=gateway&name=Typed+Seven",
         "value=\"Typed Seven\""},
    };
    const std::pair<std::string, std::string> faults[] = {
        {"colour=red", "that this page does not send"}, {"x%ZZ=1", "could not be read"}};
    for (const Form& f : forms) {
      Browser b = browser(f.who);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(f.page, 200, b.get(f.page).status);
      for (const auto& [fault, says] : faults) {
        std::string what = f.action + " " + fault;
        HttpResponse r = b.post(f.action, f.typed + "&" + fault);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " -> " + r.body.substr(0, 400), 400, r.status);
        CPPUNIT_ASSERT_MESSAGE(what + " -> " + r.body, has(r.body, says));
        CPPUNIT_ASSERT_MESSAGE(what + " -> " + r.body, has(r.body, f.kept));
        CPPUNIT_ASSERT_MESSAGE(what, has(r.body, "action=\"" + f.action + "\""));  // the form
        // The CSRF check still comes first: no form, nothing kept.
        std::string forged(64, '0');
        HttpResponse x = b.post(f.action, f.typed + "&" + fault, &forged);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(what, 403, x.status);
        CPPUNIT_ASSERT_MESSAGE(what, !has(x.body, f.kept));
      }
    }
    // Nothing was done.
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/c7").status);
    CPPUNIT_ASSERT_EQUAL(std::string("Web"),
                         admin("GET", "/v1/clients/web").json()->getValue<std::string>("name"));
    CPPUNIT_ASSERT_EQUAL(size_t(1), admin("GET", "/v1/keys").json()->getArray("keys")->size());
    CPPUNIT_ASSERT_EQUAL(std::string("ACTIVE"),
                         admin("GET", "/v1/keys/" + key).json()->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(size_t(2),
                         admin("GET", "/v1/applications").json()->getArray("applications")->size());
  }

  void theSigninFormKeepsTheAddress() {
    HttpClient c = server->client();
    HttpResponse form = c.request("GET", "/signin");
    std::smatch m, k;
    std::regex_search(form.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
    std::string set = form.header("set-cookie");
    CPPUNIT_ASSERT(std::regex_search(set, k, std::regex("kw_pre=([A-Za-z0-9]+)")));
    for (const std::string fault : {"colour=red", "x%ZZ=1", "email=b%40example.com"}) {
      HttpResponse r = c.request(
          "POST", "/signin", "csrf=" + std::string(m[1]) + "&email=typed%40example.com&" + fault,
          {{"Cookie", "kw_pre=" + std::string(k[1])}}, "application/x-www-form-urlencoded");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(fault + " -> " + r.body, 400, r.status);
      CPPUNIT_ASSERT_MESSAGE(fault + " -> " + r.body, has(r.body, "value=\"typed@example.com\""));
      CPPUNIT_ASSERT_MESSAGE(fault, has(r.body, "action=\"/signin\""));
    }
    CPPUNIT_ASSERT_EQUAL(size_t(0), admin("GET", "/v1/mail").json()->getArray("mail")->size());
  }

  void theResendFormKeepsTheAddressOnItsRow() {
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web","clientType":"web"})");
    admin("POST", "/v1/applications",
          R"({"kind":"new","clientId":"web","keyName":"orders","description":"d",)"
          R"("requesterEmail":"dev@dev.example","quota":10})");
    std::string id;
    CPPUNIT_ASSERT(eventually([&] {
      auto mails = admin("GET", "/v1/mail?status=PENDING").json()->getArray("mail");
      if (mails->size() == 0) return false;
      id = mails->getObject(0)->getValue<std::string>("id");
      storeSql(*server,
               "UPDATE outbox SET status = 'FAILED', last_error = 'smtp down' WHERE id = '" + id +
                   "' AND status = 'PENDING'");
      return admin("GET", "/v1/mail?status=FAILED").json()->getArray("mail")->size() == 1;
    }));
    Browser root = browser("root@ops.example");
    CPPUNIT_ASSERT_EQUAL(200, root.get("/admin/mail?status=FAILED").status);
    for (const std::string fault : {"colour=red", "x%ZZ=1", "to=b%40example.com"}) {
      HttpResponse r =
          root.post("/admin/mail/" + id + "/resend", "to=typed%40example.com&" + fault);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(fault + " -> " + r.body, 400, r.status);
      CPPUNIT_ASSERT_MESSAGE(
          fault + " -> " + r.body,
          has(r.body, "id=\"to-" + id + "\" name=\"to\" value=\"typed@example.com\""));
      CPPUNIT_ASSERT_MESSAGE(fault + " -> " + r.body, has(r.body, "id=\"to-" + id + "-error\""));
    }
    CPPUNIT_ASSERT_EQUAL(size_t(1),
                         admin("GET", "/v1/mail?status=FAILED").json()->getArray("mail")->size());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FormKeepTest);
