// app/JsonLogFormatter and api/RequestId: RFC 8259 escaping, invalid UTF-8, the request id.
#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Parser.h>
#include <Poco/Message.h>

#include "api/RequestId.h"
#include "app/JsonLogFormatter.h"

using namespace keywarden;

class JsonLogFormatterTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(JsonLogFormatterTest);
  CPPUNIT_TEST(controlQuoteBackslashAndBadUtf8AreEscaped);
  CPPUNIT_TEST(requestIdAppearsOnlyInsideItsScope);
  CPPUNIT_TEST(acceptableRequestIds);
  CPPUNIT_TEST_SUITE_END();

 public:
  Poco::JSON::Object::Ptr parse(const std::string& line) {
    Poco::JSON::Parser p;
    return p.parse(line).extract<Poco::JSON::Object::Ptr>();
  }

  void controlQuoteBackslashAndBadUtf8AreEscaped() {
    std::string text = std::string("a\"b\\c\nd\te\x01 \xe4\xb8\xad \xff\xfe end") + '\0' + "z";
    Poco::Message m("keywarden.test", text, Poco::Message::PRIO_WARNING);
    std::string line;
    app::JsonLogFormatter().format(m, line);
    CPPUNIT_ASSERT(line.find('\n') == std::string::npos);
    auto o = parse(line);
    CPPUNIT_ASSERT_EQUAL(std::string("warning"), o->getValue<std::string>("level"));
    CPPUNIT_ASSERT_EQUAL(std::string("keywarden.test"), o->getValue<std::string>("logger"));
    std::string back = o->getValue<std::string>("message");
    CPPUNIT_ASSERT_EQUAL(
        std::string("a\"b\\c\nd\te\x01 \xe4\xb8\xad \xef\xbf\xbd\xef\xbf\xbd end") + '\0' + "z",
        back);
    CPPUNIT_ASSERT(!o->has("requestId"));
  }

  void requestIdAppearsOnlyInsideItsScope() {
    std::string line;
    {
      api::RequestId::Scope scope("req-1");
      app::JsonLogFormatter().format(Poco::Message("k", "x", Poco::Message::PRIO_ERROR), line);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("req-1"), parse(line)->getValue<std::string>("requestId"));
    CPPUNIT_ASSERT(api::RequestId::current().empty());
  }

  void acceptableRequestIds() {
    CPPUNIT_ASSERT(api::RequestId::acceptable("abc-DEF_1.2:3"));
    CPPUNIT_ASSERT(!api::RequestId::acceptable(""));
    CPPUNIT_ASSERT(!api::RequestId::acceptable(std::string(129, 'a')));
    CPPUNIT_ASSERT(!api::RequestId::acceptable("a b"));
    CPPUNIT_ASSERT(!api::RequestId::acceptable("a\r\nX-Evil: 1"));
    std::string a = api::RequestId::choose("bad id"), b = api::RequestId::choose("");
    CPPUNIT_ASSERT_EQUAL(size_t(16), a.size());
    CPPUNIT_ASSERT(a != b);
    CPPUNIT_ASSERT_EQUAL(std::string("ok-1"), api::RequestId::choose("ok-1"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonLogFormatterTest);
