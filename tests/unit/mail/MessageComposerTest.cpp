// The bytes of a mail (mail/MessageComposer, mail/MimeEncoding): CRLF only, no user text on the
// wire unencoded, RFC 2047 words whole characters, line lengths within RFC 5322 and 2045.
#include <Poco/Base64Decoder.h>
#include <cppunit/extensions/HelperMacros.h>

#include <regex>
#include <sstream>

#include "mail/MessageComposer.h"
#include "mail/MimeEncoding.h"

using namespace keywarden;
using mail::MimeEncoding;

namespace {
const char* kChinese = "訂單入口網站 🚀 台灣";
const char* kSmuggle =
    "a\n.\r\nMAIL FROM:<x@evil.test>\r\nRCPT TO:<y@evil.test>\r\nDATA\r\nevil\r\n.\r\nQUIT\r\n"
    "b\r.\rc\n.\nd";

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at; (at = s.find("\r\n", start)) != std::string::npos; start = at + 2)
    out.push_back(s.substr(start, at - start));
  out.push_back(s.substr(start));
  return out;
}

bool hasBareCrOrLf(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

std::string headerSection(const std::string& m) {
  return m.substr(0, m.find("\r\n\r\n") + 2);
}

// The text of every encoded word in `header`, decoded one by one; fails the test when a word
// passes 75 characters or does not hold whole UTF-8 characters.
std::string decodeWords(const std::string& header) {
  static const std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  std::string out;
  for (std::sregex_iterator it(header.begin(), header.end(), word), end; it != end; ++it) {
    CPPUNIT_ASSERT_MESSAGE(it->str(), it->str().size() <= 75);
    std::istringstream in((*it)[1].str());
    Poco::Base64Decoder dec(in);
    std::string bytes((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    CPPUNIT_ASSERT_MESSAGE("a character split in " + it->str(),
                           MimeEncoding::sanitizeUtf8(bytes) == bytes);
    out += bytes;
  }
  return out;
}

std::string decodeQp(const std::string& qp) {
  std::string out;
  for (size_t i = 0; i < qp.size(); ++i) {
    if (qp[i] == '=' && qp.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else if (qp[i] == '=') {
      out += static_cast<char>(std::stoi(qp.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += qp[i];
    }
  }
  return out;
}

std::string compose(const std::string& subject, const std::string& text,
                    const std::string& fromName = "Keywarden") {
  mail::MessageComposer c("keywarden@example.com", fromName);
  return c.compose("dev@example.com", mail::RenderedMail{subject, text, "<p>" + text + "</p>"},
                   "<mail_abc@keywarden>", 1795219200123);
}
}  // namespace

class MessageComposerTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(MessageComposerTest);
  CPPUNIT_TEST(everyLineBreakIsCrlfWhateverTheTextHolds);
  CPPUNIT_TEST(smugglingPayloadInTheBodyReachesTheWireOnlyEncoded);
  CPPUNIT_TEST(encodedWordsHoldWholeCharactersWithin75AndLinesWithin78);
  CPPUNIT_TEST(plainSubjectsStayReadableFoldedAtSpacesNeverOnAWhiteSpaceOnlyLine);
  CPPUNIT_TEST(noHeaderCanBeInjectedThroughSubjectOrDisplayName);
  CPPUNIT_TEST(fromCarriesTheDisplayNameQuotedOrEncoded);
  CPPUNIT_TEST(headersSayDateInUtcWithNumericZoneMessageIdAndAutoSubmitted);
  CPPUNIT_TEST(quotedPrintableLinesStayWithin76AndDecodeToTheCrlfText);
  CPPUNIT_TEST(invalidUtf8IsReplacedNotPassedOn);
  CPPUNIT_TEST(recipientsOrMessageIdsThatCannotBeWrittenSafelyAreRefused);
  CPPUNIT_TEST(greetingNamesAreDomainsWithADotOrAddressLiterals);
  CPPUNIT_TEST_SUITE_END();

 public:
  void everyLineBreakIsCrlfWhateverTheTextHolds() {
    std::string m = compose("s\rx\ny", "one\ntwo\rthree\r\nfour\n\n");
    CPPUNIT_ASSERT(!hasBareCrOrLf(m));
    for (const auto& l : lines(m)) CPPUNIT_ASSERT_MESSAGE(l, l.size() <= 78);
    size_t body = m.find("quoted-printable\r\n\r\n") + 20;
    CPPUNIT_ASSERT_EQUAL(std::string("one\r\ntwo\r\nthree\r\nfour\r\n\r\n"),
                         decodeQp(m.substr(body, m.find("\r\n--=_", body) - body)));
  }

  void smugglingPayloadInTheBodyReachesTheWireOnlyEncoded() {
    std::string m = compose("Approval needed", std::string("Description: ") + kSmuggle);
    CPPUNIT_ASSERT(!hasBareCrOrLf(m));
    for (const auto& l : lines(m)) {
      CPPUNIT_ASSERT_MESSAGE(l, l.empty() || l[0] != '.');  // nothing for a receiver to unstuff
    }
    // The payload is in the body, every line break made CRLF.
    size_t body = m.find("quoted-printable\r\n\r\n") + 20;
    std::string text = decodeQp(m.substr(body, m.find("\r\n--=_", body) - body));
    CPPUNIT_ASSERT_MESSAGE(
        text, text.find("a\r\n.\r\nMAIL FROM:<x@evil.test>\r\nRCPT TO:") != std::string::npos);
  }

  void encodedWordsHoldWholeCharactersWithin75AndLinesWithin78() {
    for (int n = 1; n <= 12; ++n) {
      std::string subject;
      for (int i = 0; i < n; ++i) subject += std::string(kChinese) + (i % 2 ? " x" : "é");
      std::string h = MimeEncoding::unstructuredHeader("Subject", subject);
      CPPUNIT_ASSERT(!hasBareCrOrLf(h));
      for (const auto& l : lines(h)) CPPUNIT_ASSERT_MESSAGE(l, l.size() <= 78);
      CPPUNIT_ASSERT_EQUAL(subject, decodeWords(h));
    }
    // Every split point of a 4-byte character, by varying what comes before it.
    for (int pad = 0; pad < 8; ++pad) {
      std::string s = std::string(static_cast<size_t>(pad) + 40, 'a') + "🚀🚀🚀灣灣";
      std::string h = MimeEncoding::unstructuredHeader("Subject", s + "é");
      CPPUNIT_ASSERT_EQUAL(s + "é", decodeWords(h));
    }
  }

  void plainSubjectsStayReadableFoldedAtSpacesNeverOnAWhiteSpaceOnlyLine() {
    CPPUNIT_ASSERT_EQUAL(std::string("Subject: Your key is ready\r\n"),
                         MimeEncoding::unstructuredHeader("Subject", "  Your key is ready   "));
    std::string longer;
    for (int i = 0; i < 20; ++i) longer += "word" + std::to_string(i) + "  ";
    std::string h = MimeEncoding::unstructuredHeader("Subject", longer + "   \t ");
    auto ls = lines(h);
    CPPUNIT_ASSERT(ls.size() > 2);
    for (size_t i = 0; i + 1 < ls.size(); ++i) {
      CPPUNIT_ASSERT_MESSAGE(ls[i], ls[i].size() <= 78);
      CPPUNIT_ASSERT_MESSAGE(ls[i], ls[i].find_first_not_of(" \t") != std::string::npos);
    }
    // Unfolding gives the text back (trimmed, tabs as spaces).
    std::string unfolded = std::regex_replace(h.substr(9, h.size() - 11), std::regex("\r\n"), "");
    CPPUNIT_ASSERT_EQUAL(longer.substr(0, longer.size() - 2), unfolded);
    // A text that looks like an encoded word is itself encoded, so no reader decodes it.
    std::string tricky = MimeEncoding::unstructuredHeader("Subject", "=?UTF-8?B?QUJD?=");
    CPPUNIT_ASSERT_EQUAL(std::string("=?UTF-8?B?QUJD?="), decodeWords(tricky));
    CPPUNIT_ASSERT(tricky.find("Subject: =?UTF-8?B?QUJD?=\r\n") == std::string::npos);
  }

  void noHeaderCanBeInjectedThroughSubjectOrDisplayName() {
    std::string m = compose("hi\r\nBcc: victim@evil.test\nX-Evil: 1\rY: 2", "body",
                            "Keywarden\r\nBcc: other@evil.test");
    for (const auto& l : lines(headerSection(m))) {
      CPPUNIT_ASSERT_MESSAGE(l, l.rfind("Bcc", 0) != 0);
      CPPUNIT_ASSERT_MESSAGE(l, l.rfind("X-Evil", 0) != 0 && l.rfind("Y:", 0) != 0);
    }
    CPPUNIT_ASSERT(headerSection(m).find("Subject: hi  Bcc: victim@evil.test X-Evil: 1 Y: 2") !=
                   std::string::npos);
  }

  void fromCarriesTheDisplayNameQuotedOrEncoded() {
    CPPUNIT_ASSERT(compose("s", "t").find("\r\nFrom: \"Keywarden\" <keywarden@example.com>\r\n") !=
                   std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string("From: \"Key \\\"warden\\\\\" <k@example.com>\r\n"),
                         MimeEncoding::mailboxHeader("From", "Key \"warden\\", "k@example.com"));
    std::string h = MimeEncoding::mailboxHeader("From", std::string("鑰匙 ") + kChinese + kChinese,
                                                "k@example.com");
    CPPUNIT_ASSERT_EQUAL(std::string("鑰匙 ") + kChinese + kChinese, decodeWords(h));
    CPPUNIT_ASSERT(h.find(" <k@example.com>\r\n") != std::string::npos);
    for (const auto& l : lines(h)) CPPUNIT_ASSERT_MESSAGE(l, l.size() <= 78);
    CPPUNIT_ASSERT_EQUAL(std::string("To: k@example.com\r\n"),
                         MimeEncoding::mailboxHeader("To", "", "k@example.com"));
  }

  void headersSayDateInUtcWithNumericZoneMessageIdAndAutoSubmitted() {
    std::string h = headerSection(compose("s", "t"));
    CPPUNIT_ASSERT(h.rfind("Date: Sat, 21 Nov 2026 00:00:00 +0000\r\n", 0) == 0);
    CPPUNIT_ASSERT(h.find("\r\nMessage-ID: <mail_abc@keywarden>\r\n") != std::string::npos);
    CPPUNIT_ASSERT(h.find("\r\nAuto-Submitted: auto-generated\r\n") != std::string::npos);
    CPPUNIT_ASSERT(h.find("\r\nMIME-Version: 1.0\r\n") != std::string::npos);
    CPPUNIT_ASSERT(h.find("\r\nTo: dev@example.com\r\n") != std::string::npos);
    CPPUNIT_ASSERT(h.find("GMT") == std::string::npos);
  }

  void quotedPrintableLinesStayWithin76AndDecodeToTheCrlfText() {
    std::string text;
    for (int i = 0; i < 40; ++i) text += std::string(kChinese) + " = \t.From x ";
    text += "\n.leading dot\nFrom the start\ntrailing space \ntrailing tab\t\n";
    std::string qp = MimeEncoding::quotedPrintable(text);
    CPPUNIT_ASSERT(!hasBareCrOrLf(qp));
    for (const auto& l : lines(qp)) {
      CPPUNIT_ASSERT_MESSAGE(l, l.size() <= 76);
      CPPUNIT_ASSERT_MESSAGE(l, l.empty() || (l.back() != ' ' && l.back() != '\t'));
      CPPUNIT_ASSERT_MESSAGE(l, l.empty() || l[0] != '.');
      CPPUNIT_ASSERT_MESSAGE(l, l.rfind("From ", 0) != 0);
      for (unsigned char c : l) CPPUNIT_ASSERT(c == '\t' || (c >= 32 && c < 127));
    }
    CPPUNIT_ASSERT_EQUAL(std::regex_replace(text, std::regex("\n"), "\r\n"), decodeQp(qp));
  }

  void invalidUtf8IsReplacedNotPassedOn() {
    CPPUNIT_ASSERT_EQUAL(std::string("a\xEF\xBF\xBD"
                                     "b"),
                         MimeEncoding::sanitizeUtf8("a\xC3"
                                                    "b"));
    CPPUNIT_ASSERT_EQUAL(std::string("\xEF\xBF\xBD\xEF\xBF\xBD"),
                         MimeEncoding::sanitizeUtf8("\xC0\xAF"));  // overlong '/'
    CPPUNIT_ASSERT_EQUAL(std::string("\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"),
                         MimeEncoding::sanitizeUtf8("\xED\xA0\x80"));  // a surrogate
    CPPUNIT_ASSERT_EQUAL(std::string(kChinese), MimeEncoding::sanitizeUtf8(kChinese));
    std::string h = MimeEncoding::unstructuredHeader("Subject", "bad \xFF\xFE byte");
    CPPUNIT_ASSERT_EQUAL(std::string("bad \xEF\xBF\xBD\xEF\xBF\xBD byte"), decodeWords(h));
  }

  void recipientsOrMessageIdsThatCannotBeWrittenSafelyAreRefused() {
    mail::MessageComposer c("keywarden@example.com", "Keywarden");
    mail::RenderedMail m{"s", "t", "h"};
    for (const char* bad :
         {"a@b.test\r\nRCPT TO:<x@evil.test>", "a@b.test>", "<a@b.test", "a b@c.test",
          "用户@example.com", "a@", "@b.test", "a..b@c.test", "a@b.test,c@d.test", ""})
      CPPUNIT_ASSERT_THROW_MESSAGE(bad, c.compose(bad, m, "<x@keywarden>", 0),
                                   mail::CompositionError);
    CPPUNIT_ASSERT_THROW(c.compose("a@b.test", m, "<x@keywarden>\r\nBcc: e@evil.test", 0),
                         mail::CompositionError);
    CPPUNIT_ASSERT_THROW(c.compose("a@b.test", m, "x@keywarden", 0), mail::CompositionError);
    CPPUNIT_ASSERT_NO_THROW(c.compose("o'brien+keys@mail.example.co.uk", m, "<x@keywarden>", 0));
    CPPUNIT_ASSERT_NO_THROW(c.compose("admin@localhost", m, "<x@keywarden>", 0));
  }

  void greetingNamesAreDomainsWithADotOrAddressLiterals() {
    CPPUNIT_ASSERT(MimeEncoding::isGreetingName("mail.example.com"));
    CPPUNIT_ASSERT(MimeEncoding::isGreetingName("[127.0.0.1]"));
    CPPUNIT_ASSERT(MimeEncoding::isGreetingName("[IPv6:::1]"));
    CPPUNIT_ASSERT(!MimeEncoding::isGreetingName("127.0.0.1"));
    CPPUNIT_ASSERT(!MimeEncoding::isGreetingName("vm"));
    CPPUNIT_ASSERT(!MimeEncoding::isGreetingName("a b.example.com"));
    CPPUNIT_ASSERT(!MimeEncoding::isGreetingName("x.example.com\r\nMAIL FROM:<e@evil.test>"));
    CPPUNIT_ASSERT(!MimeEncoding::isGreetingName("[999.0.0.1]"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MessageComposerTest);
