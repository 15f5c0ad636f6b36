// What an error log line says about a request holds no link token, key or access token.
#include <cppunit/extensions/HelperMacros.h>

#include "api/LogRedactor.h"

using keywarden::api::LogRedactor;

class LogRedactorTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LogRedactorTest);
  CPPUNIT_TEST(secretRouteParametersStayNamesOthersAreFilledIn);
  CPPUNIT_TEST(textLosesSecretsAndKeyShapedRunsButKeepsIds);
  CPPUNIT_TEST(controlBytesCannotBreakALogLine);
  CPPUNIT_TEST_SUITE_END();

 public:
  void secretRouteParametersStayNamesOthersAreFilledIn() {
    const std::string token = "eyJhIjoiYXBwXzEyMyJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMzItbG9uZw";
    CPPUNIT_ASSERT_EQUAL(std::string("/approvals/{token}"),
                         LogRedactor::where("/approvals/{token}", {{"token", token}}));
    CPPUNIT_ASSERT_EQUAL(std::string("/signin/{token}"),
                         LogRedactor::where("/signin/{token}", {{"token", "short"}}));
    CPPUNIT_ASSERT_EQUAL(
        std::string("/v1/keys/key_0ABCdefg12345678abcd/rotate"),
        LogRedactor::where("/v1/keys/{id}/rotate", {{"id", "key_0ABCdefg12345678abcd"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("(unmatched)"), LogRedactor::where("(unmatched)", {}));
    // A tail parameter is filled in, but a key in it is not.
    std::string key = "kw_" + std::string(49, 'A');
    CPPUNIT_ASSERT_EQUAL(
        std::string("/v1/gateway/auth/hooks/[redacted]"),
        LogRedactor::where("/v1/gateway/auth/{*path}", {{"path", "hooks/" + key}}));
  }

  void textLosesSecretsAndKeyShapedRunsButKeepsIds() {
    const std::string token = "abc.def-ghi";  // a secret of any shape goes when named
    CPPUNIT_ASSERT_EQUAL(std::string("link [redacted] failed"),
                         LogRedactor::text("link " + token + " failed", {token}));
    std::string key = "kw_" + std::string(43, 'x') + "AbC123";
    std::string access = "kwt_" + std::string(40, 'Z');
    std::string out = LogRedactor::text("key " + key + ", token " + access + ".");
    CPPUNIT_ASSERT_EQUAL(std::string("key [redacted], token [redacted]."), out);
    std::string ids = "application app_0ABCdefg12345678abcd, table decisions: UNIQUE failed";
    CPPUNIT_ASSERT_EQUAL(ids, LogRedactor::text(ids));
  }

  void controlBytesCannotBreakALogLine() {
    CPPUNIT_ASSERT_EQUAL(std::string("a?b?c"), LogRedactor::text("a\nb\rc"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogRedactorTest);
