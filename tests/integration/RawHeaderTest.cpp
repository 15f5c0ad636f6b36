// Issue 10 §1's kind, on the raw bytes: Poco 1.11 decodes RFC 2047 encoded words in every header
// value, drops header lines without a colon, unfolds obsolete line folding and accepts a bare LF
// as a line end. The gate must never judge a request the upstream reads differently: each of
// these is refused (400, X-Keywarden-Code) before any handler runs, while keep-alive and
// pipelined requests are still each judged on their own bytes.
#include <Poco/String.h>

#include <string>

#include "tests/integration/Fixture.h"
#include "tests/support/RawHttp.h"

using namespace keywarden::test;

class RawHeaderTest : public Fixture {
  CPPUNIT_TEST_SUITE(RawHeaderTest);
  CPPUNIT_TEST(encodedWordInTheOriginalUriIsRefusedNotDecoded);
  CPPUNIT_TEST(encodedWordInTheMethodKeyOrForwardedHeadersIsRefused);
  CPPUNIT_TEST(anyEqualsQuestionMarkIsRefusedBecausePocoRewritesIt);
  CPPUNIT_TEST(headerLineWithoutColonIsRefused);
  CPPUNIT_TEST(obsoleteLineFoldingIsRefused);
  CPPUNIT_TEST(lineEndsOtherThanCrlfAreRefused);
  CPPUNIT_TEST(requestLineMustBeSingleSpaced);
  CPPUNIT_TEST(headerLinePocoSplitsAtItsBufferIsRefused);
  CPPUNIT_TEST(headerBlockOver64KiBAnswers431);
  CPPUNIT_TEST(headerCutByTheClientsCloseIsNotJudged);
  CPPUNIT_TEST(keepAliveRequestsAreEachJudgedOnTheirOwnBytes);
  CPPUNIT_TEST(pipelinedRequestsWithBodiesAreEachJudged);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::string key;

  void setUp() override {
    Fixture::setUp();
    key = keyForOneApi();
  }

  // A forward-auth request with the key and `headers` (each ending in CRLF).
  std::string authWith(const std::string& headers, const std::string& keyHeader = "") {
    return "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n" +
           (keyHeader.empty() ? "X-API-Key: " + key + "\r\n" : keyHeader) + headers + "\r\n";
  }
  std::string original(const std::string& uri, const std::string& method = "GET") {
    return authWith("X-Original-Method: " + method + "\r\nX-Original-URI: " + uri + "\r\n");
  }

  // Sends `bytes`; the answer must be a 400 JSON error `code` (also in X-Keywarden-Code) naming
  // `field`, and the connection must close.
  void refused(const std::string& what, const std::string& bytes, const std::string& code,
               const std::string& field, int status = 400) {
    RawHttp c(server->port(), 5000);
    c.send(bytes);
    HttpResponse r = c.read();
    std::string ctx =
        what + ": " + std::to_string(r.status) + " " + r.header("X-Keywarden-Code") + " " + r.body;
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, status, r.status);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, code, r.errorCode());
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, code, r.header("X-Keywarden-Code"));
    std::string got;
    auto err = r.json()->getObject("error");
    if (err->has("field")) got = err->getValue<std::string>("field");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, field, got);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ctx, std::string("close"), Poco::toLower(r.header("Connection")));
    CPPUNIT_ASSERT_MESSAGE(ctx + ": connection left open", c.closedWithin(3000));
  }

  // The gate's answer to `bytes` on a fresh connection: status and X-Keywarden-Code.
  std::string judged(const std::string& bytes) {
    HttpResponse r = RawHttp::exchange(server->port(), bytes, 5000);
    return std::to_string(r.status) + " " + r.header("X-Keywarden-Code");
  }

  void encodedWordInTheOriginalUriIsRefusedNotDecoded() {
    CPPUNIT_ASSERT_EQUAL(std::string("200 VALID"), judged(original("/orders/1")));
    // Poco would hand the gate "/orders/1"; the upstream serves the bytes as sent.
    for (const char* uri :
         {"/orders/=?UTF-8?Q?1?=", "=?UTF-8?Q?/orders/1?=", "=?UTF-8?B?L29yZGVycy8x?=",
          "=?utf-8?q?=2Forders=2F1?=", "=?ISO-8859-1?Q?/orders/1?=", "/orders/=?UTF-8?Q?1?= ",
          "=?UTF-8?Q?/orders/?= =?UTF-8?Q?1?="})
      refused(uri, original(uri), "BAD_HEADER", "X-Original-URI");
    refused("X-Forwarded-Uri",
            authWith("X-Forwarded-Method: GET\r\nX-Forwarded-Uri: /orders/=?UTF-8?Q?1?=\r\n"),
            "BAD_HEADER", "X-Forwarded-Uri");
  }

  void encodedWordInTheMethodKeyOrForwardedHeadersIsRefused() {
    refused("method", original("/orders/1", "=?UTF-8?Q?GET?="), "BAD_HEADER", "X-Original-Method");
    // The key itself, encoded: it must not verify as the key.
    refused("key",
            authWith("X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n",
                     "X-API-Key: =?UTF-8?Q?" + key + "?=\r\n"),
            "BAD_HEADER", "X-API-Key");
    refused("bearer",
            authWith("X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n",
                     "Authorization: =?UTF-8?Q?Bearer_" + key + "?=\r\n"),
            "BAD_HEADER", "Authorization");
    for (const char* h : {"X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-For", "Cookie"})
      refused(h, authWith(std::string(h) + ": =?UTF-8?Q?x?=\r\n"), "BAD_HEADER", h);
    refused(
        "Host",
        "GET /v1/gateway/auth HTTP/1.1\r\nHost: =?UTF-8?Q?gw?=\r\nX-API-Key: " + key + "\r\n\r\n",
        "BAD_HEADER", "Host");
  }

  void anyEqualsQuestionMarkIsRefusedBecausePocoRewritesIt() {
    // Poco 1.11 drops a "=?" that starts no encoded word: "a=?b" would reach the gate as "ab".
    for (const char* v : {"a=?b", "q=?", "=?", "x=?UTF-8?Q?"})
      refused(v, authWith(std::string("User-Agent: ") + v + "\r\n"), "BAD_HEADER", "User-Agent");
    // "=" and "?" apart, or "?=", are plain bytes.
    CPPUNIT_ASSERT_EQUAL(std::string("200 VALID"),
                         judged(authWith("X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n"
                                         "User-Agent: probe a= ?b ?= c\r\nCookie: q=1?\r\n")));
  }

  void headerLineWithoutColonIsRefused() {
    refused("between two valid lines",
            authWith("X-Original-Method: GET\r\nX-Original-URI /admin/users\r\n"
                     "X-Original-URI: /orders/1\r\n"),
            "BAD_HEADER", "");
    refused("a bare word",
            authWith("X-Original-Method: GET\r\nsmuggled\r\nX-Original-URI: /orders/1\r\n"),
            "BAD_HEADER", "");
  }

  void obsoleteLineFoldingIsRefused() {
    // Poco unfolds to "/orders/1 x"; nginx refuses it; another parser may read a new line.
    refused("space", authWith("X-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n x\r\n"),
            "BAD_HEADER", "X-Original-URI");
    refused("tab", authWith("X-Original-Method: GET\r\nX-Original-URI: /orders/\r\n\t1\r\n"),
            "BAD_HEADER", "X-Original-URI");
  }

  void lineEndsOtherThanCrlfAreRefused() {
    refused("bare LF header block",
            "GET /v1/gateway/auth HTTP/1.1\nHost: gw\nX-API-Key: " + key +
                "\nX-Original-Method: GET\nX-Original-URI: /orders/1\n\n",
            "BAD_REQUEST", "");
    refused("one bare LF line", authWith("X-Original-Method: GET\nX-Original-URI: /orders/1\r\n"),
            "BAD_HEADER", "X-Original-Method");
    refused("bare LF empty line",
            "GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + key +
                "\r\nX-Original-Method: GET\r\nX-Original-URI: /orders/1\r\n\n",
            "BAD_HEADER", "");
  }

  void requestLineMustBeSingleSpaced() {
    refused("two spaces", "GET  /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n\r\n", "BAD_REQUEST", "");
    refused("tab", "GET\t/v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n\r\n", "BAD_REQUEST", "");
    refused("after the version", "GET /v1/gateway/auth HTTP/1.1 x\r\nHost: gw\r\n\r\n",
            "BAD_REQUEST", "");
    refused("leading space", " GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\n\r\n", "BAD_REQUEST",
            "");
  }

  void headerLinePocoSplitsAtItsBufferIsRefused() {
    // Poco 1.11's header stream reads a line in chunks of 4091 bytes and ends the header after
    // any 2-byte chunk: a 4092-byte line ends it, the next lines would become the body or the
    // next request.
    const std::string pad = "X-Pad: " + std::string(4092 - 7, 'a') + "\r\n";
    refused("4092-byte line",
            authWith(pad + "X-Original-Method: GET\r\nX-Original-URI: /admin\r\n"), "BAD_REQUEST",
            "");
    // Lines around that length are fine.
    for (size_t n : {4090u, 4091u, 4093u}) {
      const std::string line = "X-Pad: " + std::string(n - 7, 'a') + "\r\n";
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(n), std::string("200 VALID"),
                                   judged(authWith(line + "X-Original-Method: GET\r\n"
                                                          "X-Original-URI: /orders/1\r\n")));
    }
  }

  void headerBlockOver64KiBAnswers431() {
    std::string many;
    for (int i = 0; i < 9; ++i)
      many += "X-P" + std::to_string(i) + ": " + std::string(8000, 'a') + "\r\n";
    refused("72 KB", original("/orders/1").insert(31, many), "HEADERS_TOO_LARGE", "", 431);
    std::string fewer;
    for (int i = 0; i < 7; ++i)
      fewer += "X-P" + std::to_string(i) + ": " + std::string(8000, 'a') + "\r\n";
    CPPUNIT_ASSERT_EQUAL(std::string("200 VALID"), judged(original("/orders/1").insert(31, fewer)));
  }

  void headerCutByTheClientsCloseIsNotJudged() {
    // Poco reads the end of the stream as the end of the header; the request is incomplete.
    std::string cut = original("/orders/1");
    cut.resize(cut.size() - 2);  // no empty line
    RawHttp c(server->port(), 5000);
    c.send(cut);
    c.socket().shutdownSend();
    HttpResponse r = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 400, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("BAD_REQUEST"), r.header("X-Keywarden-Code"));
  }

  void keepAliveRequestsAreEachJudgedOnTheirOwnBytes() {
    RawHttp c(server->port(), 5000);
    c.send(original("/orders/1"));
    HttpResponse a = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 200, a.status);
    c.send(original("/orders/2"));
    HttpResponse b = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(b.body, 403, b.status);
    c.send(original("/orders/1"));
    HttpResponse d = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, 200, d.status);
    c.send(original("/orders/=?UTF-8?Q?1?="));
    HttpResponse e = c.read();
    CPPUNIT_ASSERT_EQUAL_MESSAGE(e.body, 400, e.status);
    CPPUNIT_ASSERT_EQUAL(std::string("BAD_HEADER"), e.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT(c.closedWithin(3000));
  }

  void pipelinedRequestsWithBodiesAreEachJudged() {
    // Bodies that look like header lines (an encoded word, a line without a colon) are bodies:
    // they are never checked as a header, and the requests after them are.
    const std::string body = "{\r\n \"key\"\r\n:\"=?UTF-8?Q?/orders/1?=\"\r\n}\n\r\n";
    const std::string verify =
        "POST /v1/keys/verify HTTP/1.1\r\nHost: t\r\nContent-Type: "
        "application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    {
      RawHttp c(server->port(), 5000);
      c.send(verify + original("/orders/1") + verify + original("/orders/2") +
             original("/orders/1"));
      int expected[] = {200, 200, 200, 403, 200};
      for (int i = 0; i < 5; ++i) {
        HttpResponse r = c.read();
        CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(i) + ": " + r.body, expected[i], r.status);
      }
    }
    {
      // Two requests, the second encoded: the first is answered, the second refused.
      RawHttp c(server->port(), 5000);
      c.send(verify + original("=?UTF-8?Q?/orders/1?="));
      HttpResponse a = c.read();
      CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 200, a.status);
      HttpResponse b = c.read();
      CPPUNIT_ASSERT_EQUAL_MESSAGE(b.body, 400, b.status);
      CPPUNIT_ASSERT_EQUAL(std::string("BAD_HEADER"), b.header("X-Keywarden-Code"));
    }
    {
      // A forward-auth request with a body it does not read (drained), then a refused one.
      RawHttp c(server->port(), 5000);
      c.send("GET /v1/gateway/auth HTTP/1.1\r\nHost: gw\r\nX-API-Key: " + key +
             "\r\nX-Original-Method: GET\r\nX-Original-URI: /orders/1\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body + original("/orders/1") +
             original("/orders/=?UTF-8?Q?1?="));
      HttpResponse a = c.read();
      CPPUNIT_ASSERT_EQUAL_MESSAGE(a.body, 200, a.status);
      HttpResponse b = c.read();
      CPPUNIT_ASSERT_EQUAL_MESSAGE(b.body, 200, b.status);
      HttpResponse d = c.read();
      CPPUNIT_ASSERT_EQUAL_MESSAGE(d.body, 400, d.status);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RawHeaderTest);
