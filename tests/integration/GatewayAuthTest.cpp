#include <Poco/Net/StreamSocket.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// Forward-auth over HTTP, as Traefik and Envoy call it (nginx has its own end-to-end test).
class GatewayAuthTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayAuthTest);
  CPPUNIT_TEST(validKeyAnswers200WithIdentityHeaders);
  CPPUNIT_TEST(originalRequestComesFromForwardedHeadersOrThePath);
  CPPUNIT_TEST(refusalsCarryTheirCode);
  CPPUNIT_TEST(rateLimitAnswers403ByDefault);
  CPPUNIT_TEST(pathTricksAreRefusedNotMatched);
  CPPUNIT_TEST(postWithoutContentLengthDoesNotHang);
  CPPUNIT_TEST(costZeroOnASpentQuotaIsUsageExceeded);
  CPPUNIT_TEST(fieldReportBypassAndSiblingsAreRefusedOnEveryChannel);
  CPPUNIT_TEST(paramApiCannotBeUsedToReachAnotherPath);
  CPPUNIT_TEST(lowerCaseOrMissingMethodIsRefused);
  CPPUNIT_TEST(duplicatedOrDisagreeingHeadersAreRefused);
  CPPUNIT_TEST(ambiguousPathKeepsThePrecedenceOfCodes);
  CPPUNIT_TEST(refusalsAreCountedAndLoggedWithoutTheKey);
  CPPUNIT_TEST(methodOverridesAndPathOverridesAreRefused);
  CPPUNIT_TEST_SUITE_END();

 public:
  HttpResponse auth(const std::string& path,
                    std::vector<std::pair<std::string, std::string>> headers,
                    const std::string& method = "GET") {
    return server->client().request(method, path, "", headers);
  }

  void validKeyAnswers200WithIdentityHeaders() {
    // A key with scopes is restricted: it needs a registered API it holds, here everything.
    admin("POST", "/v1/apis", R"({"id":"all","name":"All","path":"/*","scopes":["a:read"]})");
    auto idKeyPair =
        newKey(R"({"clientId":"c1","name":"k","scopes":["a:read","b:read"],"quota":5})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    HttpResponse r = auth("/v1/gateway/auth", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT_EQUAL(id, r.header("X-Keywarden-Key-Id"));
    CPPUNIT_ASSERT_EQUAL(std::string("c1"), r.header("X-Keywarden-Client-Id"));
    CPPUNIT_ASSERT_EQUAL(std::string("a:read,b:read"), r.header("X-Keywarden-Scopes"));
    CPPUNIT_ASSERT_EQUAL(std::string("4"), r.header("X-Keywarden-Remaining"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), r.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"apikey", key}}).status);
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-TLM-Key", key}}).status);
    CPPUNIT_ASSERT_EQUAL(200,
                         auth("/v1/gateway/auth", {{"Authorization", "Bearer " + key}}).status);
    // query strings are off by default: they end up in access logs
    CPPUNIT_ASSERT_EQUAL(401, auth("/v1/gateway/auth?key=" + key, {}).status);
  }

  void originalRequestComesFromForwardedHeadersOrThePath() {
    admin(
        "POST", "/v1/apis",
        R"({"id":"orders","name":"O","method":"GET","path":"/orders/{id}","scopes":["orders:read"]})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","scopes":["orders:read"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-API-Key", key},
                                                        {"X-Forwarded-Method", "GET"},
                                                        {"X-Forwarded-Uri", "/orders/9?x=1"}})
                                  .status);
    CPPUNIT_ASSERT_EQUAL(403, auth("/v1/gateway/auth", {{"X-API-Key", key},
                                                        {"X-Forwarded-Method", "DELETE"},
                                                        {"X-Forwarded-Uri", "/orders/9"}})
                                  .status);
    // Envoy ext_authz keeps the method and appends the original path after a prefix.
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth/orders/9", {{"X-API-Key", key}}).status);
    CPPUNIT_ASSERT_EQUAL(403,
                         auth("/v1/gateway/auth/orders/9", {{"X-API-Key", key}}, "POST").status);
    CPPUNIT_ASSERT_EQUAL(403, auth("/v1/gateway/auth/billing", {{"X-API-Key", key}}).status);
  }

  void refusalsCarryTheirCode() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    HttpResponse missing = auth("/v1/gateway/auth", {});
    CPPUNIT_ASSERT_EQUAL(401, missing.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), missing.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT(!missing.header("WWW-Authenticate").empty());
    std::string bad = key;
    bad[12] = bad[12] == 'Q' ? 'R' : 'Q';
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"),
                         auth("/v1/gateway/auth", {{"X-API-Key", bad}}).header("X-Keywarden-Code"));
    admin("POST", "/v1/keys/" + id + "/disable");
    HttpResponse d = auth("/v1/gateway/auth", {{"secret", key}});
    CPPUNIT_ASSERT_EQUAL(403, d.status);
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), d.header("X-Keywarden-Code"));
    auto id2QuotaKeyPair = newKey(R"({"clientId":"c1","name":"q","quota":1})");
    [[maybe_unused]] auto& id2 = id2QuotaKeyPair.first;
    [[maybe_unused]] auto& quotaKey = id2QuotaKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"client-key", quotaKey}}).status);
    HttpResponse spent = auth("/v1/gateway/auth", {{"client-key", quotaKey}});
    CPPUNIT_ASSERT_EQUAL(403, spent.status);
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), spent.header("X-Keywarden-Code"));
  }

  void rateLimitAnswers403ByDefault() {
    auto idKeyPair =
        newKey(R"({"clientId":"c1","name":"k","rateLimit":{"limit":2,"window":"1m"}})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-API-Key", key}}).status);
    CPPUNIT_ASSERT_EQUAL(200, auth("/v1/gateway/auth", {{"X-API-Key", key}}).status);
    HttpResponse limited = auth("/v1/gateway/auth", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(403, limited.status);
    CPPUNIT_ASSERT_EQUAL(std::string("RATE_LIMITED"), limited.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT(!limited.header("Retry-After").empty());
  }

  void pathTricksAreRefusedNotMatched() {
    admin("POST", "/v1/apis", R"({"id":"orders","name":"O","method":"GET","path":"/orders/*"})");
    admin("POST", "/v1/apis", R"({"id":"admin","name":"A","method":"GET","path":"/admin/*"})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","apis":["orders"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    auto code = [&](const std::string& uri,
                    std::vector<std::pair<std::string, std::string>> extra = {}) {
      extra.emplace_back("X-API-Key", key);
      if (!uri.empty()) {
        extra.emplace_back("X-Original-URI", uri);
        extra.emplace_back("X-Original-Method", "GET");
      }
      HttpResponse r = auth("/v1/gateway/auth", extra);
      CPPUNIT_ASSERT_MESSAGE(uri + " -> " + std::to_string(r.status),
                             r.status == 200 || r.status == 403);
      return r.header("X-Keywarden-Code");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), code("/orders/1"));
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), code("/admin/users"));
    for (const char* trick :
         {"/orders/../admin/users", "/orders/%2e%2e/admin/users", "/orders%2F..%2Fadmin/users",
          "/orders/./1", "/orders\\..\\admin", "/orders/%zz", "/orders/%5c..%5cadmin"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(trick, std::string("FORBIDDEN"), code(trick));
    // One header family from the gateway, another from the client: the call is refused.
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"),
                         code("/orders/1", {{"X-Forwarded-Uri", "/admin/users"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), code("/orders/1", {{"X-Forwarded-Uri", "/orders/1"},
                                                                  {"X-Forwarded-Method", "GET"}}));
    HttpResponse v = server->client().request(
        "POST", "/v1/keys/verify",
        R"({"key":")" + key + R"(","method":"GET","path":"/orders/../admin/x"})");
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN"), v.json()->getValue<std::string>("code"));
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/keys/%zz").status);
  }

  void postWithoutContentLengthDoesNotHang() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    Poco::Net::StreamSocket socket(
        Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(server->port())));
    socket.setReceiveTimeout(Poco::Timespan(5, 0));
    std::string req = "POST /v1/keys/" + id +
                      "/disable HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                      server->adminToken() + "\r\n\r\n";
    socket.sendBytes(req.data(), static_cast<int>(req.size()));
    char buf[512];
    int n = socket.receiveBytes(buf, sizeof buf);  // throws on the 5 s timeout
    CPPUNIT_ASSERT(n > 12);
    CPPUNIT_ASSERT_EQUAL(std::string("HTTP/1.1 200"), std::string(buf, 12));
  }

  // What one channel answers for a target: "CODE" or "CODE REASON".
  using Headers = std::vector<std::pair<std::string, std::string>>;
  enum class Channel { OriginalHeaders, ForwardedHeaders, PathSuffix, VerifyBody };
  static std::string jsonString(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  }
  std::string judged(Channel ch, const std::string& key, const std::string& target,
                     const std::string& method = "GET") {
    HttpResponse r;
    switch (ch) {
      case Channel::OriginalHeaders:
        r = auth("/v1/gateway/auth",
                 {{"X-API-Key", key}, {"X-Original-URI", target}, {"X-Original-Method", method}});
        break;
      case Channel::ForwardedHeaders:
        r = auth("/v1/gateway/auth",
                 {{"X-API-Key", key}, {"X-Forwarded-Uri", target}, {"X-Forwarded-Method", method}});
        break;
      case Channel::PathSuffix:
        r = auth("/v1/gateway/auth" + target, {{"X-API-Key", key}}, method);
        break;
      case Channel::VerifyBody: {
        r = server->client().request("POST", "/v1/keys/verify",
                                     R"({"key":")" + key + R"(","method":)" + jsonString(method) +
                                         R"(,"path":)" + jsonString(target) + "}");
        CPPUNIT_ASSERT_EQUAL_MESSAGE(target + ": " + r.body, 200, r.status);
        auto j = r.json();
        std::string code = j->getValue<std::string>("code");
        CPPUNIT_ASSERT_EQUAL(code == "VALID", j->getValue<bool>("valid"));
        return j->has("reason") ? code + " " + j->getValue<std::string>("reason") : code;
      }
    }
    std::string code = r.header("X-Keywarden-Code");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(target + " -> " + code, code == "VALID" ? 200 : 403, r.status);
    std::string reason = r.header("X-Keywarden-Reason");
    return reason.empty() ? code : code + " " + reason;
  }
  static std::vector<Channel> channels() {
    return {Channel::OriginalHeaders, Channel::ForwardedHeaders, Channel::PathSuffix,
            Channel::VerifyBody};
  }
  static std::string name(Channel c) {
    switch (c) {
      case Channel::OriginalHeaders:
        return "X-Original-URI";
      case Channel::ForwardedHeaders:
        return "X-Forwarded-Uri";
      case Channel::PathSuffix:
        return "/v1/gateway/auth<path>";
      case Channel::VerifyBody:
        break;
    }
    return "verify path";
  }

  void fieldReportBypassAndSiblingsAreRefusedOnEveryChannel() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"F","method":"GET","path":"/files/*"})");
    admin("POST", "/v1/apis", R"({"id":"admin","name":"A","method":"GET","path":"/admin/*"})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","apis":["files"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (Channel ch : channels()) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("VALID"), judged(ch, key, "/files/a.txt"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("VALID"),
                                   judged(ch, key, "/files/%61.txt?x=%3F"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("FORBIDDEN"),
                                   judged(ch, key, "/admin/secret.txt"));
      for (const char* trick : {"/files/x%3F/../../admin/secret.txt",
                                "/files/x%3f/../../admin/secret.txt",
                                "/files/x%23/../../admin/secret.txt",
                                "/files/a#/../../admin/secret.txt",
                                "/files/../admin/secret.txt",
                                "/files/%2e%2e/admin/secret.txt",
                                "/files/.%2E/admin/secret.txt",
                                "/files/..%2Fadmin/secret.txt",
                                "/files/..%5Cadmin/secret.txt",
                                "/files/..\\admin\\secret.txt",
                                "/files/..;/admin/secret.txt",
                                "/files/x%3B/../../admin/secret.txt",
                                "/files/%252e%252e/admin/secret.txt",
                                "/files/x%00/../../admin/secret.txt",
                                "/files/%C0%AE%C0%AE/admin/secret.txt",
                                "/files/..%20/admin/secret.txt",
                                "/files//../admin/secret.txt",
                                "/files/...",
                                "/files/a.txt/.",
                                "/files/%zz"})
        CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch) + " " + trick,
                                     std::string("FORBIDDEN AMBIGUOUS_PATH"),
                                     judged(ch, key, trick));
    }
    // Targets no request line can carry, through the header channels only.
    for (Channel ch : {Channel::OriginalHeaders, Channel::ForwardedHeaders, Channel::VerifyBody}) {
      for (const char* trick : {"//admin/secret.txt", "/files/a b", "/files/\xc3\xa9"})
        CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch) + " " + trick,
                                     std::string("FORBIDDEN AMBIGUOUS_PATH"),
                                     judged(ch, key, trick));
    }
    for (Channel ch : {Channel::OriginalHeaders, Channel::ForwardedHeaders})
      for (const char* trick : {"http://example.com/files/a.txt", "files/a.txt", "*"})
        CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch) + " " + trick,
                                     std::string("FORBIDDEN AMBIGUOUS_PATH"),
                                     judged(ch, key, trick));
    // An unrestricted key is refused too: nobody can say which path it would reach.
    auto id2OpenPair = newKey(R"({"clientId":"c1","name":"open"})");
    [[maybe_unused]] auto& id2 = id2OpenPair.first;
    [[maybe_unused]] auto& open = id2OpenPair.second;
    for (Channel ch : channels())
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("FORBIDDEN AMBIGUOUS_PATH"),
                                   judged(ch, open, "/files/x%3F/../../admin/secret.txt"));
  }

  void paramApiCannotBeUsedToReachAnotherPath() {
    admin(
        "POST", "/v1/apis",
        R"({"id":"orders","name":"O","method":"GET","path":"/orders/{id}","scopes":["orders:read"]})");
    admin(
        "POST", "/v1/apis",
        R"({"id":"users","name":"U","method":"GET","path":"/admin/users","scopes":["admin:read"]})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","scopes":["orders:read"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (Channel ch : channels()) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("VALID"), judged(ch, key, "/orders/1"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("VALID"),
                                   judged(ch, key, "/orders/a%40b"));
      for (const char* trick : {"/orders/1%3F/../../admin/users", "/orders/1%23/../../admin/users",
                                "/orders/..%2Fadmin%2Fusers", "/orders/%2e%2e", "/orders/%20",
                                "/orders/1;x", "/orders/+"})
        CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch) + " " + trick,
                                     std::string("FORBIDDEN AMBIGUOUS_PATH"),
                                     judged(ch, key, trick));
    }
  }

  void lowerCaseOrMissingMethodIsRefused() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"F","method":"GET","path":"/files/*"})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","apis":["files"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (Channel ch : channels()) {
      for (const char* m : {"get", "Get", "GET,POST"}) {
        if (ch == Channel::PathSuffix && std::string(m) == "GET,POST") continue;
        CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch) + " " + m, std::string("FORBIDDEN AMBIGUOUS_METHOD"),
                                     judged(ch, key, "/files/a.txt", m));
      }
    }
    // nginx's subrequest is always a GET: without X-Original-Method the method is unknown.
    HttpResponse r = auth("/v1/gateway/auth", {{"X-API-Key", key}, {"X-Original-URI", "/files/a"}});
    CPPUNIT_ASSERT_EQUAL(403, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("AMBIGUOUS_METHOD"), r.header("X-Keywarden-Reason"));
  }

  void duplicatedOrDisagreeingHeadersAreRefused() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"F","method":"GET","path":"/files/*"})");
    admin("POST", "/v1/apis", R"({"id":"admin","name":"A","method":"*","path":"/admin/*"})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","apis":["files"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    auto reason = [&](Headers h, const std::string& path = "/v1/gateway/auth",
                      const std::string& method = "GET") {
      h.emplace_back("X-API-Key", key);
      HttpResponse r = auth(path, h, method);
      CPPUNIT_ASSERT_EQUAL(std::string(r.status == 200 ? "VALID" : "FORBIDDEN"),
                           r.header("X-Keywarden-Code"));
      return r.header("X-Keywarden-Reason");
    };
    const std::string conflict = "CONFLICTING_HEADERS";
    // Poco's get() sees the first of two: the gate must not judge one and the upstream another.
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Original-URI", "/files/a"},
                                           {"X-Original-URI", "/admin/secret"},
                                           {"X-Original-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Original-URI", "/files/a"},
                                           {"X-Original-Method", "GET"},
                                           {"X-Original-Method", "DELETE"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Forwarded-Uri", "/files/a"},
                                           {"x-forwarded-uri", "/admin/secret"},
                                           {"X-Forwarded-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Forwarded-Uri", "/files/a"},
                                           {"X-Forwarded-Method", "GET"},
                                           {"X-Forwarded-Method", "GET"}}));
    // Both families, disagreeing on the path or on the method.
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Original-URI", "/admin/secret"},
                                           {"X-Original-Method", "GET"},
                                           {"X-Forwarded-Uri", "/files/a"},
                                           {"X-Forwarded-Method", "GET"}}));
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Forwarded-Uri", "/files/a"},
                                           {"X-Forwarded-Method", "DELETE"},
                                           {"X-Original-Method", "GET"}}));
    // A header family and the path after the prefix (Envoy) disagreeing.
    CPPUNIT_ASSERT_EQUAL(conflict,
                         reason({{"X-Original-URI", "/files/a"}, {"X-Original-Method", "GET"}},
                                "/v1/gateway/auth/admin/secret"));
    CPPUNIT_ASSERT_EQUAL(conflict, reason({{"X-Forwarded-Method", "GET"}},
                                          "/v1/gateway/auth/admin/secret", "DELETE"));
    // Agreeing sources are fine.
    CPPUNIT_ASSERT_EQUAL(std::string(), reason({{"X-Original-URI", "/files/a"},
                                                {"X-Original-Method", "GET"},
                                                {"X-Forwarded-Uri", "/files/a"},
                                                {"X-Forwarded-Method", "GET"}}));
  }

  void ambiguousPathKeepsThePrecedenceOfCodes() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    admin("POST", "/v1/keys/" + id + "/revoke", R"({"reason":"test"})");
    HttpResponse revoked = auth("/v1/gateway/auth/files/x%3F/../../admin", {{"X-API-Key", key}});
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), revoked.header("X-Keywarden-Code"));
    CPPUNIT_ASSERT_EQUAL(std::string(), revoked.header("X-Keywarden-Reason"));
    HttpResponse none = auth("/v1/gateway/auth/files/x%3F/../../admin", {});
    CPPUNIT_ASSERT_EQUAL(401, none.status);
    CPPUNIT_ASSERT_EQUAL(std::string("MALFORMED"), none.header("X-Keywarden-Code"));
    // A refused call consumes nothing.
    auto id2QuotaKeyPair = newKey(R"({"clientId":"c1","name":"q","quota":1})");
    [[maybe_unused]] auto& id2 = id2QuotaKeyPair.first;
    [[maybe_unused]] auto& quotaKey = id2QuotaKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN AMBIGUOUS_PATH"),
                         judged(Channel::OriginalHeaders, quotaKey, "/x/%2e%2e/y"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), judged(Channel::OriginalHeaders, quotaKey, "/x"));
  }

  void refusalsAreCountedAndLoggedWithoutTheKey() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (int i = 0; i < 3; ++i)
      CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN AMBIGUOUS_PATH"),
                           judged(Channel::OriginalHeaders, key, "/files/x%3F/../../" + key));
    CPPUNIT_ASSERT_EQUAL(std::string("FORBIDDEN AMBIGUOUS_METHOD"),
                         judged(Channel::VerifyBody, key, "/files/a", "get"));
    HttpResponse twice = auth("/v1/gateway/auth", {{"X-API-Key", key},
                                                   {"X-Original-URI", "/a?k=" + key},
                                                   {"X-Original-URI", "/b"},
                                                   {"X-Original-Method", "GET"}});
    CPPUNIT_ASSERT_EQUAL(std::string("CONFLICTING_HEADERS"), twice.header("X-Keywarden-Reason"));
    std::string metrics = server->client().request("GET", "/metrics").body;
    CPPUNIT_ASSERT_MESSAGE(
        metrics, metrics.find("keywarden_gateway_refused_total{reason=\"ambiguous_path\"} 3\n") !=
                     std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(
        metrics, metrics.find("keywarden_gateway_refused_total{reason=\"ambiguous_method\"} 1\n") !=
                     std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(
        metrics,
        metrics.find("keywarden_gateway_refused_total{reason=\"conflicting_headers\"} 1\n") !=
            std::string::npos);
    std::string log = server->log();
    CPPUNIT_ASSERT_MESSAGE(log, log.find("AMBIGUOUS_PATH") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE(log, log.find("refused GET (key " + id + ")") != std::string::npos);
    CPPUNIT_ASSERT_MESSAGE("the key reached the log", log.find(key) == std::string::npos);
    CPPUNIT_ASSERT_MESSAGE("the key's secret part reached the log",
                           log.find(key.substr(3, 20)) == std::string::npos);
  }

  // Frameworks that honour these would serve another method or path than the one judged.
  void methodOverridesAndPathOverridesAreRefused() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"F","method":"POST","path":"/files/*"})");
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","apis":["files"]})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    for (Channel ch : channels()) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("VALID"),
                                   judged(ch, key, "/files/a?method=x", "POST"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("FORBIDDEN AMBIGUOUS_METHOD"),
                                   judged(ch, key, "/files/a?_method=DELETE", "POST"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(name(ch), std::string("FORBIDDEN AMBIGUOUS_METHOD"),
                                   judged(ch, key, "/files/a?x=1&%5F%4Dethod=DELETE", "POST"));
    }
    auto withHeader = [&](const std::string& header) {
      HttpResponse r = auth("/v1/gateway/auth", {{"X-API-Key", key},
                                                 {"X-Original-URI", "/files/a"},
                                                 {"X-Original-Method", "POST"},
                                                 {header, "DELETE"}});
      CPPUNIT_ASSERT_EQUAL(403, r.status);
      return r.header("X-Keywarden-Reason");
    };
    for (const char* h :
         {"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "X_HTTP_Method_Override"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h, std::string("AMBIGUOUS_METHOD"), withHeader(h));
    for (const char* h : {"X-Original-URL", "X-Rewrite-URL", "X_Original_URL"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(h, std::string("AMBIGUOUS_PATH"), withHeader(h));
  }

  void costZeroOnASpentQuotaIsUsageExceeded() {
    auto idKeyPair = newKey(R"({"clientId":"c1","name":"k","quota":1})");
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key, R"(,"cost":0)"));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(key, R"(,"cost":0)"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayAuthTest);
