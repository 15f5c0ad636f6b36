// Edges of the portal against the real server: who the sign-in throttle counts a browser as
// (the one rule of api/ClientSource: abuse.trustedProxies, right to left), one Set-Cookie per
// cookie in an answer, and signing out with a session that already ended.
#include <Poco/Net/StreamSocket.h>

#include <regex>
#include <string>

#include "tests/integration/ConsoleFixture.h"
#include "tests/support/RawHttp.h"

using namespace keywarden::test;

namespace {

// The raw answer (headers and body) to `request`, read to the server's close.
std::string rawAnswer(int port, const std::string& request) {
  RawHttp c(port, 10000);
  c.send(request);
  std::string out;
  char buf[4096];
  int n = 0;
  while ((n = c.socket().receiveBytes(buf, sizeof buf)) > 0)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

// How many header lines of `answer` begin "Set-Cookie: <name>=" (case-insensitive name).
int setCookies(const std::string& answer, const std::string& name) {
  std::regex line("\r\nset-cookie: *" + name + "=", std::regex::icase);
  std::string head = answer.substr(0, answer.find("\r\n\r\n") + 2);
  return static_cast<int>(
      std::distance(std::sregex_iterator(head.begin(), head.end(), line), std::sregex_iterator()));
}

}  // namespace

// The sign-in throttle with the default settings (nginx on loopback, abuse.trustedProxies).
class PortalThrottleTest : public Fixture {
  CPPUNIT_TEST_SUITE(PortalThrottleTest);
  CPPUNIT_TEST(theSigninThrottleCountsTheForwardedClientNotTheProxy);
  CPPUNIT_TEST(aPageWithoutSessionSetsEachCookieOnce);
  CPPUNIT_TEST(requestsRefusedBeforeAnyHandlerCarryThePageHeaders);
  CPPUNIT_TEST_SUITE_END();

 public:
  int seq = 0;
  // Asks for a sign-in link for a new address, as `forwarded` behind the local proxy.
  int ask(const std::string& forwarded) {
    HttpClient c("127.0.0.1", server->port());
    HttpResponse form = c.request("GET", "/signin", "", {{"X-Forwarded-For", forwarded}});
    std::smatch m, k;
    std::regex_search(form.body, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\""));
    std::string set = form.header("set-cookie");
    std::regex_search(set, k, std::regex("kw_pre=([A-Za-z0-9]+)"));
    std::string email = "p" + std::to_string(++seq) + "%40example.com";
    return c
        .request("POST", "/signin", "csrf=" + std::string(m[1]) + "&email=" + email,
                 {{"X-Forwarded-For", forwarded}, {"Cookie", "kw_pre=" + std::string(k[1])}},
                 "application/x-www-form-urlencoded")
        .status;
  }

  void theSigninThrottleCountsTheForwardedClientNotTheProxy() {
    for (int i = 0; i < 20; ++i) CPPUNIT_ASSERT_EQUAL(200, ask("203.0.113.10"));
    CPPUNIT_ASSERT_EQUAL(429, ask("203.0.113.10"));  // 20 per client address
    // Another browser behind the same proxy has its own budget.
    CPPUNIT_ASSERT_EQUAL(200, ask("203.0.113.11"));
    // Right to left, skipping trusted proxies: the hop a trusted proxy appended is not the client.
    CPPUNIT_ASSERT_EQUAL(200, ask("203.0.113.12, 127.0.0.5"));
    CPPUNIT_ASSERT_EQUAL(429, ask("203.0.113.13, 203.0.113.10, 127.0.0.5"));
  }

  void aPageWithoutSessionSetsEachCookieOnce() {
    for (const std::string path : {"/", "/signin"}) {
      std::string a = rawAnswer(server->port(), "GET " + path +
                                                    " HTTP/1.1\r\nHost: kw\r\nConnection: "
                                                    "close\r\nCookie: kw_session=" +
                                                    std::string(43, 'Z') + "\r\n\r\n");
      CPPUNIT_ASSERT_MESSAGE(a.substr(0, 600), a.rfind("HTTP/1.1 200", 0) == 0);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(path + a.substr(0, 600), 1, setCookies(a, "kw_pre"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(path + a.substr(0, 600), 1, setCookies(a, "kw_session"));
    }
  }

  void requestsRefusedBeforeAnyHandlerCarryThePageHeaders() {
    // Refused by Poco's parser (a header line without a colon, a bad request line) and by the
    // framing checks (chunked), before the portal's handlers: still no sniffing, no framing.
    for (const std::string bytes :
         {"GET / HTTP/1.1\r\nHost: kw\r\nno colon here\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
          "GET / HTTP/1.1\r\nHost: kw\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}) {
      HttpResponse r = RawHttp::exchange(server->port(), bytes, 10000);
      CPPUNIT_ASSERT_MESSAGE(bytes, r.status >= 400 && r.status < 500);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bytes, std::string("nosniff"),
                                   r.header("X-Content-Type-Options"));
      CPPUNIT_ASSERT_MESSAGE(bytes,
                             has(r.header("Content-Security-Policy"), "frame-ancestors 'none'"));
    }
  }
};

// Signing out (people sign in through portal.trustedHeader, ConsoleFixture.h).
class PortalSignoutTest : public ConsoleFixture {
  CPPUNIT_TEST_SUITE(PortalSignoutTest);
  CPPUNIT_TEST(signingOutWithAnEndedSessionJustSignsOut);
  CPPUNIT_TEST(aLiveSessionEndsOnlyWithItsToken);
  CPPUNIT_TEST_SUITE_END();

 public:
  // `b`'s cookie, without the SSO header that would sign it in again.
  HttpResponse bare(const Browser& b, const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return server->client().request(method, path, body, {{"Cookie", "kw_session=" + b.cookie}},
                                    "application/x-www-form-urlencoded");
  }

  void signingOutWithAnEndedSessionJustSignsOut() {
    Browser dev = browser("dev@dev.example");
    CPPUNIT_ASSERT(!dev.cookie.empty());
    std::string csrf = dev.csrf;
    HttpResponse out = bare(dev, "POST", "/signout", "csrf=" + csrf);
    CPPUNIT_ASSERT_EQUAL(303, out.status);
    // The same button again (another tab): the session has ended; signing out still signs out.
    std::string a =
        rawAnswer(server->port(),
                  "POST /signout HTTP/1.1\r\nHost: kw\r\nConnection: close\r\n"
                  "Content-Type: application/x-www-form-urlencoded\r\n"
                  "Cookie: kw_session=" +
                      dev.cookie + "\r\nContent-Length: " + std::to_string(5 + csrf.size()) +
                      "\r\n\r\ncsrf=" + csrf);
    CPPUNIT_ASSERT_MESSAGE(a.substr(0, 600), a.rfind("HTTP/1.1 303", 0) == 0);
    CPPUNIT_ASSERT_MESSAGE(a.substr(0, 600), has(a, "Location: /signin\r\n"));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(a.substr(0, 600), 1, setCookies(a, "kw_session"));
    CPPUNIT_ASSERT_MESSAGE(a.substr(0, 600), has(a, "kw_session=; Path=/"));
    // No token at all, no session: the same.
    HttpResponse none = bare(dev, "POST", "/signout", "csrf=");
    CPPUNIT_ASSERT_EQUAL(303, none.status);
  }

  void aLiveSessionEndsOnlyWithItsToken() {
    Browser dev = browser("dev@dev.example");
    std::string forged(64, '0');
    CPPUNIT_ASSERT_EQUAL(403, bare(dev, "POST", "/signout", "csrf=" + forged).status);
    CPPUNIT_ASSERT_EQUAL(403, bare(dev, "POST", "/signout", "csrf=").status);
    HttpResponse home = bare(dev, "GET", "/applications");
    CPPUNIT_ASSERT_EQUAL(200, home.status);  // still signed in
    CPPUNIT_ASSERT_EQUAL(303, bare(dev, "POST", "/signout", "csrf=" + dev.csrf).status);
    CPPUNIT_ASSERT_EQUAL(303, bare(dev, "GET", "/applications").status);  // to the sign-in page
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PortalThrottleTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PortalSignoutTest);
