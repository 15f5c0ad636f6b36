// What an approver sends is checked before anything is written: the link form's body
// (FormBody) and the comment's text (ApplicationService::checkComment).
#include <cppunit/extensions/HelperMacros.h>

#include "api/FormBody.h"
#include "engine/applications/ApplicationService.h"

using namespace keywarden;
using keywarden::api::FormBody;
using keywarden::engine::ApplicationService;

namespace {
std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

class ApprovalInputTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ApprovalInputTest);
  CPPUNIT_TEST(commentLengthCountsCharactersNotBytes);
  CPPUNIT_TEST(commentMustBeWellFormedUtf8);
  CPPUNIT_TEST(commentMayHoldLineBreaksAndTabsButNoOtherControl);
  CPPUNIT_TEST(formDecodesWhatBrowsersSend);
  CPPUNIT_TEST(formRefusesWhatNoBrowserSendsNamingTheField);
  CPPUNIT_TEST_SUITE_END();

 public:
  void commentLengthCountsCharactersNotBytes() {
    // The field report: 667 × 說 is 2001 bytes but 667 characters.
    CPPUNIT_ASSERT(!ApplicationService::checkComment(repeat("說", 667)));
    CPPUNIT_ASSERT(!ApplicationService::checkComment(repeat("說", 2000)));
    CPPUNIT_ASSERT(!ApplicationService::checkComment(repeat("😀", 2000)));
    CPPUNIT_ASSERT(!ApplicationService::checkComment(repeat("x", 2000)));
    auto e = ApplicationService::checkComment(repeat("說", 2001));
    CPPUNIT_ASSERT(e);
    CPPUNIT_ASSERT_EQUAL(std::string("comment"), e->field);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_FIELD"), e->code);
    CPPUNIT_ASSERT(e->message.find("longer than 2000 characters (it has 2001)") !=
                   std::string::npos);
    CPPUNIT_ASSERT(ApplicationService::checkComment(repeat("x", 2001)));
  }

  void commentMustBeWellFormedUtf8() {
    const std::vector<std::string> bad = {
        std::string("\xE8\xAA", 2),  // 說 cut in the middle (what byte truncation made)
        "ok \xFF",                   // never in UTF-8
        "\xC0\xAF",                  // overlong '/'
        "\xE0\x80\xAF",              // overlong, three bytes
        "\xED\xA0\x80",              // a UTF-16 surrogate
        "\xF4\x90\x80\x80",          // above U+10FFFF
        "\x80",                      // a lone continuation byte
        "\xF0\x9F\x98",              // 😀 without its last byte
    };
    for (const auto& s : bad) {
      auto e = ApplicationService::checkComment(s);
      CPPUNIT_ASSERT_MESSAGE("accepted a bad sequence", e);
      CPPUNIT_ASSERT(e->message.find("not valid UTF-8") != std::string::npos);
    }
    CPPUNIT_ASSERT(!ApplicationService::checkComment("\xEF\xBF\xBF \xF4\x8F\xBF\xBF é"));
  }

  void commentMayHoldLineBreaksAndTabsButNoOtherControl() {
    CPPUNIT_ASSERT(!ApplicationService::checkComment("line one\nline two\r\n\tindented"));
    auto nul = ApplicationService::checkComment(std::string("ok\0x", 4));
    CPPUNIT_ASSERT(nul);
    CPPUNIT_ASSERT(nul->message.find("U+0000") != std::string::npos);
    CPPUNIT_ASSERT(ApplicationService::checkComment("bell\x07"));
    CPPUNIT_ASSERT(ApplicationService::checkComment("esc\x1B[31m"));
    CPPUNIT_ASSERT(ApplicationService::checkComment("del\x7F"));
  }

  void formDecodesWhatBrowsersSend() {
    std::map<std::string, std::string> f;
    CPPUNIT_ASSERT(!FormBody::parse("comment=looks+good%21%0D%0Aok&decision=approve",
                                    {"decision", "comment"}, f));
    CPPUNIT_ASSERT_EQUAL(std::string("looks good!\r\nok"), f["comment"]);
    CPPUNIT_ASSERT_EQUAL(std::string("approve"), f["decision"]);
    CPPUNIT_ASSERT(
        !FormBody::parse("comment=%E8%AA%AA&decision=reject", {"decision", "comment"}, f));
    CPPUNIT_ASSERT_EQUAL(std::string("說"), f["comment"]);
    CPPUNIT_ASSERT(!FormBody::parse("", {"decision", "comment"}, f));
    CPPUNIT_ASSERT(f.empty());
    CPPUNIT_ASSERT(!FormBody::parse("decision=&comment", {"decision", "comment"}, f));
    CPPUNIT_ASSERT_EQUAL(std::string(""), f["decision"]);
  }

  void formRefusesWhatNoBrowserSendsNamingTheField() {
    std::map<std::string, std::string> f;
    const std::vector<std::string> allowed = {"decision", "comment"};
    auto escape = FormBody::parse("decision=approve&comment=100%", allowed, f);
    CPPUNIT_ASSERT(escape);
    CPPUNIT_ASSERT_EQUAL(400, escape->status);
    CPPUNIT_ASSERT_EQUAL(std::string("comment"), escape->field);
    CPPUNIT_ASSERT(escape->message.find("'%'") != std::string::npos);
    for (const char* body : {"comment=%zz", "comment=%4", "comment=%%41"})
      CPPUNIT_ASSERT_EQUAL(std::string("comment"), FormBody::parse(body, allowed, f)->field);
    auto twice = FormBody::parse("decision=approve&decision=reject", allowed, f);
    CPPUNIT_ASSERT(twice);
    CPPUNIT_ASSERT_EQUAL(std::string("decision"), twice->field);
    CPPUNIT_ASSERT(twice->message.find("twice") != std::string::npos);
    auto unknown = FormBody::parse("decision=approve&approver=boss%40example.com", allowed, f);
    CPPUNIT_ASSERT(unknown);
    CPPUNIT_ASSERT_EQUAL(std::string(""), unknown->field);
    CPPUNIT_ASSERT(unknown->message.find("'approver'") != std::string::npos);
    // Beside the problem, what could be read is there to give back.
    auto keep = FormBody::parse("decision=approve&decision=reject&x=1&comment=keep+me", allowed, f);
    CPPUNIT_ASSERT(keep);
    CPPUNIT_ASSERT_EQUAL(std::string("decision"), keep->field);  // the first problem
    CPPUNIT_ASSERT_EQUAL(std::string("keep me"), f["comment"]);
    CPPUNIT_ASSERT_EQUAL(std::string("approve"), f["decision"]);
    CPPUNIT_ASSERT(f.find("x") == f.end());
    auto badName = FormBody::parse("dec%ZZ=approve", allowed, f);
    CPPUNIT_ASSERT(badName);
    CPPUNIT_ASSERT_EQUAL(std::string(""), badName->field);
    // A NUL in a name makes it another name; its quote in the message stays printable.
    auto nulName = FormBody::parse("decision%00=approve", allowed, f);
    CPPUNIT_ASSERT(nulName);
    CPPUNIT_ASSERT(nulName->message.find('\0') == std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ApprovalInputTest);
