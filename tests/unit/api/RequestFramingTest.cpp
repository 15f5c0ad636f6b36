#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Net/HTTPRequest.h>

#include "api/RequestFraming.h"

using keywarden::api::RequestFraming;

class RequestFramingTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RequestFramingTest);
  CPPUNIT_TEST(contentLengthIsDecimalDigitsOnlyAndFits63Bits);
  CPPUNIT_TEST(soundRequestsPass);
  CPPUNIT_TEST(ambiguousLengthsAreRefusedNamingTheHeader);
  CPPUNIT_TEST_SUITE_END();

 public:
  void contentLengthIsDecimalDigitsOnlyAndFits63Bits() {
    int64_t n = -1;
    CPPUNIT_ASSERT(RequestFraming::parseContentLength("0", n) && n == 0);
    CPPUNIT_ASSERT(RequestFraming::parseContentLength("0000000000000000000000000042", n) &&
                   n == 42);
    CPPUNIT_ASSERT(RequestFraming::parseContentLength("9223372036854775807", n));
    for (const char* bad : {"", "-5", "+5", " 5", "5 ", "1 0", "5,5", "0x10", "abc",
                            "9223372036854775808", "18446744073709551616"})
      CPPUNIT_ASSERT_MESSAGE(bad, !RequestFraming::parseContentLength(bad, n));
  }

  static Poco::Net::HTTPRequest request(const std::string& version = "HTTP/1.1") {
    Poco::Net::HTTPRequest r("POST", "/v1/keys/verify", version);
    if (version == "HTTP/1.1") r.add("Host", "x");
    return r;
  }

  void soundRequestsPass() {
    auto r = request();
    r.add("Content-Length", "12");
    CPPUNIT_ASSERT(!RequestFraming::check(r));
    CPPUNIT_ASSERT(!RequestFraming::check(request("HTTP/1.0")));
  }

  void ambiguousLengthsAreRefusedNamingTheHeader() {
    auto two = request();
    two.add("Content-Length", "2");
    two.add("Content-Length", "2");
    auto refusal = RequestFraming::check(two);
    CPPUNIT_ASSERT(refusal);
    CPPUNIT_ASSERT_EQUAL(400, refusal->status);
    CPPUNIT_ASSERT_EQUAL(std::string("Content-Length"), refusal->field);
    auto both = request();
    both.add("Content-Length", "2");
    both.add("Transfer-Encoding", "chunked");
    CPPUNIT_ASSERT_EQUAL(std::string("Transfer-Encoding"), RequestFraming::check(both)->field);
    auto chunked = request();
    chunked.add("Transfer-Encoding", "chunked");
    CPPUNIT_ASSERT_EQUAL(411, RequestFraming::check(chunked)->status);
    auto spaced = request();
    spaced.add("Content-Length ", "2");
    CPPUNIT_ASSERT_EQUAL(std::string("BAD_REQUEST"), RequestFraming::check(spaced)->code);
    CPPUNIT_ASSERT_EQUAL(505, RequestFraming::check(request("HTTP/1.2"))->status);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestFramingTest);
