// Issue 10 §4 (HTTP framing): every request whose length or header Keywarden cannot read the
// one way a strict front proxy would is answered with a JSON error (and X-Keywarden-Code, for
// gateways), never with a closed connection, an empty 400 or a guess.
#include <Poco/String.h>

#include <chrono>
#include <string>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"

using namespace keywarden::test;

class HttpFramingTest : public Fixture {
  CPPUNIT_TEST_SUITE(HttpFramingTest);
  CPPUNIT_TEST(unparseableContentLengthAnswersJson400NamingTheHeader);
  CPPUNIT_TEST(twoContentLengthHeadersAreRefused);
  CPPUNIT_TEST(leadingZerosAreReadAsDecimal);
  CPPUNIT_TEST(transferEncodingIsRefusedWithContentLengthAndOtherwise);
  CPPUNIT_TEST(badlyFormedHeadersAndHostAreRefused);
  CPPUNIT_TEST(bodyShorterThanContentLengthAnswers400AfterTheBodyTimeout);
  CPPUNIT_TEST(bodyLargerThanTheLimitAnswers413);
  CPPUNIT_TEST(forwardAuthAnswersPocoCannotParseCarryTheCode);
  CPPUNIT_TEST(unreadBodyIsNeverReadAsTheNextRequest);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    return {
        {"http.headerTimeout", "1s"}, {"http.bodyTimeout", "1s"}, {"http.maxBodyBytes", "4096"}};
  }

  // A verify POST with `headers` (after Host) and `body`.
  static std::string verifyWith(const std::string& headers, const std::string& body = "") {
    return "POST /v1/keys/verify HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
           headers + "\r\n" + body;
  }

  // Sends `bytes`; checks the answer is `status` with a JSON error `code` naming `field`,
  // carries X-Keywarden-Code and closes the connection.
  void refused(const std::string& what, const std::string& bytes, int status,
               const std::string& code, const std::string& field) {
    RawHttp c(server->port(), 5000);
    c.send(bytes);
    HttpResponse r = c.read();
    std::string ctx = what + ": " + std::to_string(r.status) + " " + r.body;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, status, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, std::string("application/json"), r.header("Content-Type"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, code, r.errorCode());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, code, r.header("X-Keywarden-Code"));
    std::string got;
    auto err = r.json()->getObject("error");
    if (err->has("field")) got = err->getValue<std::string>("field");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, field, got);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, std::string("close"), Poco::toLower(r.header("Connection")));
    CPPUNIT_ASSERT_MESSAGE(ctx + ": connection left open", c.closedWithin(3000));
  }

  void unparseableContentLengthAnswersJson400NamingTheHeader() {
    for (const char* v : {"abc", "18446744073709551616", "99999999999999999999999", "-5", "+5",
                          "1 0", "5,5", "0x10", "5.0", ""})
      refused(std::string("Content-Length: '") + v + "'",
              verifyWith(std::string("Content-Length: ") + v + "\r\n", "{}"), 400, "BAD_FRAMING",
              "Content-Length");
  }

  void twoContentLengthHeadersAreRefused() {
    refused("equal", verifyWith("Content-Length: 2\r\nContent-Length: 2\r\n", "{}"), 400,
            "BAD_FRAMING", "Content-Length");
    refused("different", verifyWith("Content-Length: 2\r\ncontent-length: 12\r\n", "{}"), 400,
            "BAD_FRAMING", "Content-Length");
  }

  void leadingZerosAreReadAsDecimal() {
    // 1*DIGIT (RFC 9110 §8.6): leading zeros change nothing, as long as the value is exact.
    std::string body = R"({"key":"kw_x"})";
    HttpResponse r = RawHttp::exchange(
        server->port(), verifyWith("Content-Length: 000000000000000000000000000000000" +
                                       std::to_string(body.size()) + "\r\n",
                                   body));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), r.json()->getValue<std::string>("code"));
  }

  void transferEncodingIsRefusedWithContentLengthAndOtherwise() {
    refused("CL + TE", verifyWith("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", "{}"), 400,
            "BAD_FRAMING", "Transfer-Encoding");
    refused("TE + CL", verifyWith("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", "{}"), 400,
            "BAD_FRAMING", "Transfer-Encoding");
    for (const char* te : {"gzip", "identity", "chunked, gzip", "gzip, chunked", "xchunked"})
      refused(std::string("TE ") + te,
              verifyWith(std::string("Transfer-Encoding: ") + te + "\r\n", "2\r\n{}\r\n0\r\n\r\n"),
              400, "BAD_FRAMING", "Transfer-Encoding");
    refused("two TE", verifyWith("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
            400, "BAD_FRAMING", "Transfer-Encoding");
    refused(
        "TE in HTTP/1.0",
        "POST /v1/keys/verify HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        400, "BAD_FRAMING", "Transfer-Encoding");
    // Chunked bodies are refused whatever they hold — a good one or a bad chunk size.
    refused("chunked", verifyWith("Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"), 411,
            "LENGTH_REQUIRED", "Transfer-Encoding");
    refused("bad chunk size", verifyWith("Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"),
            411, "LENGTH_REQUIRED", "Transfer-Encoding");
  }

  void badlyFormedHeadersAndHostAreRefused() {
    // A space before the colon: Poco would file it under "Content-Length " and ignore it.
    refused("space before colon", verifyWith("Content-Length : 2\r\n", "{}"), 400, "BAD_REQUEST",
            "");
    refused("NUL in a value", verifyWith(std::string("X-A: a\0b\r\n", 10)), 400, "BAD_REQUEST",
            "X-A");
    refused("two Host", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "BAD_REQUEST",
            "Host");
    refused("no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "BAD_REQUEST", "Host");
    refused("HTTP/2.0 in text", "GET /healthz HTTP/2.0\r\nHost: a\r\n\r\n", 505,
            "VERSION_NOT_SUPPORTED", "");
    refused("method too long", std::string(40, 'G') + " /healthz HTTP/1.1\r\nHost: a\r\n\r\n", 400,
            "BAD_REQUEST", "");
    // HTTP/1.0 needs no Host.
    HttpResponse ok = RawHttp::exchange(server->port(), "GET /healthz HTTP/1.0\r\n\r\n");
    CPPUNIT_ASSERT_EQUAL(200, ok.status);
  }

  void bodyShorterThanContentLengthAnswers400AfterTheBodyTimeout() {
    auto t0 = std::chrono::steady_clock::now();
    RawHttp c(server->port(), 5000);
    c.send(verifyWith("Content-Length: 100\r\n", R"({"key":)"));
    HttpResponse r = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 400, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, std::string("BAD_FRAMING"), r.errorCode());
    CPPUNIT_ASSERT_EQUAL(std::string("close"), Poco::toLower(r.header("Connection")));
    CPPUNIT_ASSERT(c.closedWithin(3000));
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CPPUNIT_ASSERT_MESSAGE(std::to_string(ms) + " ms", ms >= 900 && ms < 4000);
  }

  void bodyLargerThanTheLimitAnswers413() {
    std::string big(5000, ' ');
    HttpResponse r = RawHttp::exchange(server->port(), verifyWith("Content-Length: 5000\r\n", big));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 413, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("BODY_TOO_LARGE"), r.errorCode());
  }

  void forwardAuthAnswersPocoCannotParseCarryTheCode() {
    const std::string start = "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-API-Key: kw_x\r\n";
    refused("64 KB header", start + "X-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n", 400,
            "BAD_REQUEST", "");
    refused("bare CR", start + "X-A: a\rb\r\n\r\n", 400, "BAD_REQUEST", "");
    std::string many;
    for (int i = 0; i < 120; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    refused("120 headers", start + many + "\r\n", 431, "HEADERS_TOO_LARGE", "");
    refused("bad request line",
            "GET /v1/gateway/auth HTTP/1.1" + std::string(20, 'x') + "\r\nHost: gw\r\n\r\n", 400,
            "BAD_REQUEST", "");
    refused("long URI",
            "GET /v1/gateway/auth/" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: gw\r\n\r\n",
            400, "BAD_REQUEST", "");
    refused("bad Content-Length", start + "Content-Length: abc\r\n\r\n", 400, "BAD_FRAMING",
            "Content-Length");
    // An unfinished header is answered 408 once http.headerTimeout has passed.
    refused("unfinished header", start, 408, "REQUEST_TIMEOUT", "");
  }

  void unreadBodyIsNeverReadAsTheNextRequest() {
    // The forward-auth handler reads no body: the bytes after the header must be dropped, not
    // parsed as a second request (the smuggled one would ask for /metrics).
    const std::string smuggled = "GET /metrics HTTP/1.1\r\nHost: gw\r\n\r\n";
    RawHttp c(server->port(), 5000);
    c.send("GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nContent-Length: " +
           std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled +
           "GET /healthz HTTP/1.1\r\nHost: gw\r\n\r\n");
    HttpResponse first = c.read();
    CPPUNIT_ASSERT_EQUAL(401, first.status);
    HttpResponse second = c.read();
    CPPUNIT_ASSERT_EQUAL(200, second.status);
    CPPUNIT_ASSERT_MESSAGE(second.body, second.body.find("keywarden_") == std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HttpFramingTest);
