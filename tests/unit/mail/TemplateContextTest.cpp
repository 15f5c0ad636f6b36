#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Object.h>

#include <sstream>
#include <string>
#include <vector>

#include "mail/TemplateSet.h"

using keywarden::mail::TemplateError;
using keywarden::mail::TemplateSet;

namespace {
const std::string kShipped = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";

// {"keyName": v, "clientName": v, "description": v} as Poco writes it (the engine's mail
// contexts, engine/notices): bytes >= 0x80 are copied as they are.
std::string contextWith(const std::string& v) {
  Poco::JSON::Object o;
  o.set("number", "KA-1");
  o.set("keyName", v);
  o.set("clientName", v);
  o.set("description", v);
  std::ostringstream s;
  o.stringify(s);
  return s.str();
}

// The byte sequences RFC 3629 refuses: what engine::Utf8::valid rejects and Poco's JSON parser
// refuses too.
const std::vector<std::string> kNotUtf8 = {
    "\xC0\x80",          // overlong U+0000
    "\xE0\x80\xAF",      // overlong '/'
    "\xED\xA0\x80",      // a surrogate (U+D800)
    "\xF4\x90\x80\x80",  // above U+10FFFF
    "\xF5\x80\x80\x80",  // a lead byte no sequence has
    "\xE2\x82",          // cut short
    "\x80",              // a lone continuation byte
};
}  // namespace

// What renderMail and renderPage do with the values they are given (the context JSON text): a
// context Poco's parser refuses is a TemplateError naming the template, never a Poco exception
// escaping into a request handler or the outbox (issue 16: TemplateFuzz's crash).
class TemplateContextTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TemplateContextTest);
  CPPUNIT_TEST(aContextWithBytesThatAreNotUtf8IsATemplateErrorNamingTheTemplate);
  CPPUNIT_TEST(aContextThatIsNotAJsonObjectIsATemplateError);
  CPPUNIT_TEST(anUnknownEventOrPageIsATemplateError);
  CPPUNIT_TEST(wellFormedUtf8OfEveryLengthRendersAsItCame);
  CPPUNIT_TEST_SUITE_END();

 public:
  void aContextWithBytesThatAreNotUtf8IsATemplateErrorNamingTheTemplate() {
    TemplateSet t(kShipped);
    for (const auto& bad : kNotUtf8) {
      std::string ctx = contextWith("a" + bad + "b");
      std::string page = errorOf([&] { t.renderPage("done", ctx, "en"); });
      CPPUNIT_ASSERT_MESSAGE(page, page.rfind("pages/done: the values to render are not", 0) == 0);
      CPPUNIT_ASSERT_MESSAGE(page, printableAscii(page));
      std::string mail = errorOf([&] { t.renderMail("rejected", ctx, "", "zh-TW"); });
      CPPUNIT_ASSERT_MESSAGE(mail, mail.rfind("mail/rejected.subject: ", 0) == 0);
      CPPUNIT_ASSERT_MESSAGE(mail, printableAscii(mail));
    }
    std::string cut = errorOf([&] { t.renderPage("forged", R"({"number":"KA-1")"); });
    CPPUNIT_ASSERT_MESSAGE(cut,
                           cut.rfind("pages/forged: the values to render are not JSON", 0) == 0);
  }

  // Poco's parser refuses some scalars at the top ("1", "true") itself; the others parse.
  void aContextThatIsNotAJsonObjectIsATemplateError() {
    TemplateSet t(kShipped);
    for (const std::string ctx : {"[]", "[{}]", "\"text\"", "1", "null", "true"}) {
      std::string e = errorOf([&] { t.renderPage("forged", ctx); });
      CPPUNIT_ASSERT_MESSAGE(ctx + ": " + e,
                             e.rfind("pages/forged: the values to render are not ", 0) == 0);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("pages/forged: the values to render are not a JSON object"),
                         errorOf([&] { t.renderPage("forged", "[]"); }));
  }

  void anUnknownEventOrPageIsATemplateError() {
    TemplateSet t(kShipped);
    CPPUNIT_ASSERT_EQUAL(std::string("pages/nosuch: no such template"),
                         errorOf([&] { t.renderPage("nosuch", "{}", "zh-TW"); }));
    CPPUNIT_ASSERT_EQUAL(std::string("mail/nosuch.subject: no such template"),
                         errorOf([&] { t.renderMail("nosuch", "{}"); }));
  }

  // The other side of the rule: every well-formed sequence (1 to 4 bytes, U+FFFD, U+10FFFF)
  // survives Poco's writer and parser and reaches the page and the mail unchanged.
  void wellFormedUtf8OfEveryLengthRendersAsItCame() {
    TemplateSet t(kShipped);
    const std::string v = "A\xC3\xA9\xE2\x82\xAC\xEF\xBF\xBD\xF0\x9D\x84\x9E\xF4\x8F\xBF\xBF\x7F";
    std::string html = t.renderPage("done", contextWith(v));
    CPPUNIT_ASSERT_MESSAGE(html, html.find("<td>" + v + "</td>") != std::string::npos);
    auto m = t.renderMail("rejected", contextWith(v));
    CPPUNIT_ASSERT_EQUAL("Rejected: KA-1 " + v + " for " + v, m.subject);
  }

 private:
  template <class F>
  static std::string errorOf(F f) {
    try {
      f();
    } catch (const TemplateError& e) {
      return e.what();
    }
    return "(rendered)";
  }
  static bool printableAscii(const std::string& s) {
    for (char c : s)
      if (c < 0x20 || c >= 0x7F) return false;
    return true;
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TemplateContextTest);
