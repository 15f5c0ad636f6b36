// Issue 16 "Brute force and abuse", the credentials besides keys and links: a web session
// cookie that no session ever had, and an unknown gateway token (gateway.requireToken), count
// per client address in the link table (abuse.linkFailures) like a forged link or an unknown
// access token. Past the threshold the address gets the 429 page (portal, console) or
// TOO_MANY_ATTEMPTS with Retry-After (gateway), its credentials not looked at; other
// addresses, and mistakes that are not guesses (no token, an ended session), are unaffected.
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/Fixture.h"

using namespace keywarden;
using namespace keywarden::test;

namespace {
// A well-formed session cookie value (43 base62 characters) that no session has.
std::string guessedCookie(int i) {
  std::string s(43, 'G');
  s.replace(0, std::to_string(i).size(), std::to_string(i));
  return s;
}
}  // namespace

class AbuseCredentialTest : public Fixture {
  CPPUNIT_TEST_SUITE(AbuseCredentialTest);
  CPPUNIT_TEST(guessedSessionCookiesBlockTheAddressWithA429PageOthersStaySignedIn);
  CPPUNIT_TEST(anEndedSessionsCookieIsNotAGuess);
  CPPUNIT_TEST(unknownGatewayTokensBlockTheAddressOnBothListenersOthersAreChecked);
  CPPUNIT_TEST_SUITE_END();

 public:
  int gwPort = 0;

  std::map<std::string, std::string> settings() override {
    gwPort = freePort();
    return {{"gateway.port", std::to_string(gwPort)},
            {"gateway.requireToken", "true"},
            {"abuse.linkFailures", "3"},
            {"abuse.blockFor", "10m"},
            {"portal.requesterDomains", "dev.example"},
            {"portal.trustedHeader", "X-Email"},
            {"portal.trustedProxies", "127.0.0.1"}};
  }

  // A session for dev@dev.example, started through the trusted SSO header.
  std::string signIn() {
    HttpResponse r = server->client().request("GET", "/keys", "", {{"X-Email", "dev@dev.example"}});
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    std::smatch m;
    std::string set = r.header("set-cookie");
    CPPUNIT_ASSERT_MESSAGE(set, std::regex_search(set, m, std::regex("kw_session=([A-Za-z0-9]+)")));
    return m[1];
  }
  HttpResponse page(const std::string& path, const std::string& cookie, const std::string& from) {
    return server->client().request(
        "GET", path, "", {{"Cookie", "kw_session=" + cookie}, {"X-Forwarded-For", from}});
  }

  void guessedSessionCookiesBlockTheAddressWithA429PageOthersStaySignedIn() {
    std::string good = signIn();
    for (int i = 0; i < 3; ++i) {
      HttpResponse r = page("/keys", guessedCookie(i), "203.0.113.80");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 303, r.status);  // to the sign-in page
    }
    HttpResponse blocked = page("/keys", guessedCookie(3), "203.0.113.80");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(blocked.body, 429, blocked.status);
    CPPUNIT_ASSERT(std::stoi(blocked.header("Retry-After")) > 590);
    CPPUNIT_ASSERT(blocked.body.find("Too many failed attempts") != std::string::npos);
    // While blocked, no cookie from that address is looked at (a real one included), and
    // the console answers the same; the cookie is not deleted.
    CPPUNIT_ASSERT_EQUAL(429, page("/keys", good, "203.0.113.80").status);
    HttpResponse console = page("/admin", guessedCookie(4), "203.0.113.80");
    CPPUNIT_ASSERT_EQUAL(429, console.status);
    CPPUNIT_ASSERT(console.header("set-cookie").find("kw_session=;") == std::string::npos);
    // Another address: the session works, and a first guess is only a redirect.
    HttpResponse other = page("/keys", good, "203.0.113.81");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(other.body, 200, other.status);
    CPPUNIT_ASSERT_EQUAL(303, page("/keys", guessedCookie(5), "203.0.113.81").status);
    // A malformed value is a guess too.
    for (int i = 0; i < 2; ++i) page("/keys", "not-a-cookie", "203.0.113.82");
    CPPUNIT_ASSERT_EQUAL(303, page("/keys", "x", "203.0.113.82").status);
    CPPUNIT_ASSERT_EQUAL(429, page("/keys", "x", "203.0.113.82").status);
  }

  void anEndedSessionsCookieIsNotAGuess() {
    std::string good = signIn();
    // Sign out (the page's CSRF token, the form POST), then present the ended cookie often.
    HttpResponse home = page("/keys", good, "203.0.113.90");
    std::smatch m;
    CPPUNIT_ASSERT(
        std::regex_search(home.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")));
    HttpResponse out = server->client().request(
        "POST", "/signout", "csrf=" + std::string(m[1]),
        {{"Cookie", "kw_session=" + good}, {"X-Forwarded-For", "203.0.113.90"}},
        "application/x-www-form-urlencoded");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out.body, 303, out.status);
    for (int i = 0; i < 6; ++i)
      CPPUNIT_ASSERT_EQUAL(303, page("/keys", good, "203.0.113.90").status);
  }

  HttpResponse gatewayAuth(const std::string& token, const std::string& key,
                           const std::string& from, int port) {
    std::vector<std::pair<std::string, std::string>> h = {{"X-API-Key", key},
                                                          {"X-Forwarded-For", from}};
    if (!token.empty()) h.push_back({"X-Gateway-Token", token});
    HttpClient c("127.0.0.1", port);
    return c.request("GET", "/v1/gateway/auth", "", h);
  }

  void unknownGatewayTokensBlockTheAddressOnBothListenersOthersAreChecked() {
    std::string gw = token("--role gateway --name edge");
    std::string key = newKey().second;
    CPPUNIT_ASSERT_EQUAL(200, gatewayAuth(gw, key, "203.0.113.70", gwPort).status);
    // No token is a mistake, not a guess: never counted.
    for (int i = 0; i < 5; ++i)
      CPPUNIT_ASSERT_EQUAL(401, gatewayAuth("", key, "203.0.113.70", server->port()).status);
    CPPUNIT_ASSERT_EQUAL(200, gatewayAuth(gw, key, "203.0.113.70", server->port()).status);
    // Unknown tokens, on either listener, are.
    for (int i = 0; i < 3; ++i) {
      HttpResponse r = gatewayAuth("guess" + std::to_string(i) + "xxxxxxxxxxxxxxxxxxxxxxxx", key,
                                   "203.0.113.70", i % 2 ? gwPort : server->port());
      CPPUNIT_ASSERT_EQUAL(401, r.status);
    }
    for (int port : {server->port(), gwPort}) {
      HttpResponse b = gatewayAuth(gw, key, "203.0.113.70", port);  // even the right token
      CPPUNIT_ASSERT_EQUAL(403, b.status);                          // gateway.rateLimitStatus
      CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), b.header("X-Keywarden-Code"));
      CPPUNIT_ASSERT_EQUAL(std::string("client-address"), b.header("X-Keywarden-Blocked"));
      CPPUNIT_ASSERT(std::stoi(b.header("Retry-After")) > 590);
      HttpClient c("127.0.0.1", port);
      HttpResponse v = c.request("POST", "/v1/keys/verify", "{\"key\":\"" + key + "\"}",
                                 {{"X-Gateway-Token", gw}, {"X-Forwarded-For", "203.0.113.70"}});
      CPPUNIT_ASSERT_EQUAL_MESSAGE(v.body, 429, v.status);
      CPPUNIT_ASSERT_EQUAL(std::string("TOO_MANY_ATTEMPTS"), v.errorCode());
      CPPUNIT_ASSERT(std::stoi(v.header("Retry-After")) > 590);
    }
    // Another address with the right token is checked as usual.
    HttpResponse ok = gatewayAuth(gw, key, "203.0.113.71", gwPort);
    CPPUNIT_ASSERT_EQUAL(200, ok.status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), ok.header("X-Keywarden-Code"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AbuseCredentialTest);
