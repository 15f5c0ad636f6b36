// engine::RequestTarget beyond the rows of docs/GATEWAY-PATHS.md (bytes a Markdown table cannot
// hold, views, stickiness), and api::OriginalRequest: which header family a forward-auth call is
// read from, and when the headers disagree.
#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Net/HTTPRequest.h>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "api/OriginalRequest.h"
#include "engine/text/RequestTarget.h"

using keywarden::api::OriginalRequest;
using keywarden::engine::RequestTarget;
using Refusal = RequestTarget::Refusal;

namespace {

Refusal refusalOf(const std::string& target) {
  RequestTarget t;
  t.parse(target);
  return t.refusal();
}

// What OriginalRequest makes of a forward-auth request: "METHOD path" or the refusal's name.
std::string judged(const std::string& method, const std::string& uri,
                   std::vector<std::pair<std::string, std::string>> headers) {
  Poco::Net::HTTPRequest req(method, uri, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) req.add(name, value);
  RequestTarget t;
  OriginalRequest::read(req, t);
  if (!t.ok()) return std::string(RequestTarget::refusalName(t.refusal()));
  return std::string(t.method()) + " " + std::string(t.path());
}

}  // namespace

class RequestTargetTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RequestTargetTest);
  CPPUNIT_TEST(controlAndNonAsciiBytesAreRefusedRawAndEncoded);
  CPPUNIT_TEST(everyEscapeIsEitherDecodedOrRefused);
  CPPUNIT_TEST(aPathWithoutEscapesIsAViewOfTheInput);
  CPPUNIT_TEST(theFirstRefusalSticks);
  CPPUNIT_TEST(originalRequestReadsOneHeaderFamily);
  CPPUNIT_TEST(uriHeaderWithoutItsMethodHeaderIsRefused);
  CPPUNIT_TEST(disagreeingOrDuplicatedHeadersAreRefused);
  CPPUNIT_TEST(pathAfterThePrefixIsJudgedRaw);
  CPPUNIT_TEST(methodAndPathOverrideHeadersAreRefused);
  CPPUNIT_TEST_SUITE_END();

 public:
  void controlAndNonAsciiBytesAreRefusedRawAndEncoded() {
    for (int b = 0; b < 256; ++b) {
      bool allowedRaw =
          std::isalnum(b) || std::string("-._~!$&'()*+,=:@/").find(char(b)) != std::string::npos;
      if (b == '?' || b == 0) continue;  // '?' starts the query; NUL is tried below
      std::string target = "/a";
      target.push_back(static_cast<char>(b));
      target += "b";
      CPPUNIT_ASSERT_MESSAGE(
          "byte " + std::to_string(b),
          refusalOf(target) == (allowedRaw ? Refusal::None : Refusal::AmbiguousPath));
    }
    CPPUNIT_ASSERT(refusalOf(std::string("/a\0b", 4)) == Refusal::AmbiguousPath);
    CPPUNIT_ASSERT(refusalOf("/files/\xe2\x80\xae") == Refusal::AmbiguousPath);
    CPPUNIT_ASSERT(refusalOf("/files/x\t") == Refusal::AmbiguousPath);
    CPPUNIT_ASSERT(refusalOf("/files/x\r\n") == Refusal::AmbiguousPath);
  }

  void everyEscapeIsEitherDecodedOrRefused() {
    const std::string decoded = "-._~!$&'()*+,=:@";
    for (int v = 0; v < 256; ++v) {
      static const char* hex = "0123456789ABCDEF";
      std::string target = std::string("/a%") + hex[v >> 4] + hex[v & 15] + "b";
      RequestTarget t;
      bool ok = t.parse(target);
      bool expected = std::isalnum(v) || decoded.find(char(v)) != std::string::npos;
      CPPUNIT_ASSERT_EQUAL_MESSAGE(target, expected, ok);
      if (ok) {
        CPPUNIT_ASSERT_EQUAL(std::string("/a") + char(v) + "b", std::string(t.path()));
        CPPUNIT_ASSERT(t.path().find('%') == std::string_view::npos);
      }
    }
  }

  void aPathWithoutEscapesIsAViewOfTheInput() {
    std::string raw = "/orders/42/items?expand=all";
    RequestTarget t;
    CPPUNIT_ASSERT(t.parse(raw));
    CPPUNIT_ASSERT(t.path().data() == raw.data());  // nothing copied
    CPPUNIT_ASSERT_EQUAL(std::string("/orders/42/items"), std::string(t.path()));
    CPPUNIT_ASSERT(RequestTarget::isNormal("/orders/42/items"));
    CPPUNIT_ASSERT(!RequestTarget::isNormal("/orders/%34%32"));  // escapes are not normal form
    CPPUNIT_ASSERT(!RequestTarget::isNormal("/orders/42?x"));
  }

  void theFirstRefusalSticks() {
    RequestTarget t;
    CPPUNIT_ASSERT(!t.checkMethod("get"));
    CPPUNIT_ASSERT(!t.parse("/files/a.txt"));  // a refused target stays refused
    CPPUNIT_ASSERT(t.refusal() == Refusal::AmbiguousMethod);
    t.refuse(Refusal::ConflictingHeaders, "later");
    CPPUNIT_ASSERT(t.refusal() == Refusal::AmbiguousMethod);
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         std::string(RequestTarget::refusalName(t.refusal())));
    CPPUNIT_ASSERT_EQUAL(std::string("ambiguous_method"),
                         std::string(RequestTarget::refusalLabel(t.refusal())));
  }

  void originalRequestReadsOneHeaderFamily() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("DELETE /orders/7"),
        judged("GET", "/v1/gateway/auth",
               {{"X-Original-URI", "/orders/7?x=1"}, {"X-Original-Method", "DELETE"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("PUT /orders/7"),
                         judged("GET", "/v1/gateway/auth",
                                {{"x-forwarded-uri", "/orders/7"}, {"x-forwarded-method", "PUT"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("POST /orders/7"),
                         judged("POST", "/v1/gateway/auth/orders/7?a=b", {}));
    CPPUNIT_ASSERT_EQUAL(std::string("GET /"), judged("GET", "/v1/gateway/auth", {}));
    CPPUNIT_ASSERT_EQUAL(std::string("GET /"), judged("GET", "/v1/gateway/auth?key=1", {}));
    // Both families saying the same thing (Caddy passes a client's X-Original-* through).
    CPPUNIT_ASSERT_EQUAL(std::string("GET /orders/7"), judged("GET", "/v1/gateway/auth",
                                                              {{"X-Original-URI", "/orders/7"},
                                                               {"X-Original-Method", "GET"},
                                                               {"X-Forwarded-Uri", "/orders/7"},
                                                               {"X-Forwarded-Method", "GET"}}));
  }

  void uriHeaderWithoutItsMethodHeaderIsRefused() {
    // An nginx subrequest is a GET whatever the call was: its own method says nothing.
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         judged("GET", "/v1/gateway/auth", {{"X-Original-URI", "/orders/7"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         judged("GET", "/v1/gateway/auth", {{"X-Forwarded-Uri", "/orders/7"}}));
    // The other family's method does not stand in for it.
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         judged("GET", "/v1/gateway/auth",
                                {{"X-Original-URI", "/orders/7"}, {"X-Forwarded-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         judged("GET", "/v1/gateway/auth",
                                {{"X-Original-URI", "/orders/7"}, {"X-Original-Method", "get"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         judged("get", "/v1/gateway/auth/orders/7", {}));
  }

  void disagreeingOrDuplicatedHeadersAreRefused() {
    const std::string conflict = "CONFLICTING_HEADERS";
    CPPUNIT_ASSERT_EQUAL(conflict, judged("GET", "/v1/gateway/auth",
                                          {{"X-Original-URI", "/orders/7"},
                                           {"X-Original-Method", "GET"},
                                           {"X-Forwarded-Uri", "/admin/users"},
                                           {"X-Forwarded-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("GET", "/v1/gateway/auth",
                                          {{"X-Forwarded-Uri", "/orders/7"},
                                           {"X-Forwarded-Method", "DELETE"},
                                           {"X-Original-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(
        conflict, judged("DELETE", "/v1/gateway/auth/orders/7", {{"X-Forwarded-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict,
                         judged("GET", "/v1/gateway/auth/admin/users",
                                {{"X-Original-URI", "/orders/7"}, {"X-Original-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("GET", "/v1/gateway/auth",
                                          {{"X-Original-URI", "/orders/7"},
                                           {"X-Original-URI", "/admin/users"},
                                           {"X-Original-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("GET", "/v1/gateway/auth",
                                          {{"X-Original-URI", "/orders/7"},
                                           {"X-Original-Method", "GET"},
                                           {"x-original-method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("GET", "/v1/gateway/auth",
                                          {{"X-Forwarded-Uri", "/orders/7"},
                                           {"X-Forwarded-Uri", "/orders/7"},
                                           {"X-Forwarded-Method", "GET"}}));
  }

  void pathAfterThePrefixIsJudgedRaw() {
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_PATH"),
                         judged("GET", "/v1/gateway/auth/files/x%3F/../../admin/secret.txt", {}));
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_PATH"),
                         judged("GET", "/v1/gateway/auth//admin", {}));
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_PATH"),
                         judged("GET", "/v1/gateway/auth",
                                {{"X-Original-URI", "/files/x%3F/../../admin/secret.txt"},
                                 {"X-Original-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("GET /files/a.txt"),
                         judged("GET", "/v1/gateway/auth/files/%61.txt", {}));
  }

  void methodAndPathOverrideHeadersAreRefused() {
    for (const char* h : {"X-HTTP-Method-Override", "x-http-method", "X-Method-Override"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(
          h, std::string("AMBIGUOUS_METHOD"),
          judged("GET", "/v1/gateway/auth",
                 {{"X-Original-URI", "/orders/7"}, {"X-Original-Method", "POST"}, {h, "DELETE"}}));
    for (const char* h : {"X-Original-URL", "x-rewrite-url"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h, std::string("AMBIGUOUS_PATH"),
                                   judged("GET", "/v1/gateway/auth/orders/7", {{h, "/admin"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"),
                         judged("POST", "/v1/gateway/auth/orders/7?_method=DELETE", {}));
    // CGI-style servers (PHP, WSGI, Rack) read '_' in a header name as '-'.
    for (const char* h : {"X_HTTP_Method_Override", "X-HTTP_Method", "x_method_override"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(
          h, std::string("AMBIGUOUS_METHOD"),
          judged("GET", "/v1/gateway/auth",
                 {{"X-Original-URI", "/orders/7"}, {"X-Original-Method", "POST"}, {h, "DELETE"}}));
    for (const char* h : {"X_Original_URL", "x-rewrite_url"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h, std::string("AMBIGUOUS_PATH"),
                                   judged("GET", "/v1/gateway/auth/orders/7", {{h, "/admin"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("CONFLICTING_HEADERS"),
                         judged("GET", "/v1/gateway/auth",
                                {{"X-Forwarded-Uri", "/orders/7"},
                                 {"X-Forwarded-Method", "GET"},
                                 {"X_Original_URI", "/admin/users"},
                                 {"X_Original_Method", "GET"}}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestTargetTest);
