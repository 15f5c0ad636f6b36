// api::ClientSource and IpAddress/IpNetwork: whose address a failed attempt is counted under —
// a trusted proxy's forwarded client (right-most untrusted hop), else the peer.
#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

#include "api/ClientSource.h"

using namespace keywarden::api;
using keywarden::engine::AttemptKey;

namespace {
IpAddress ip(const std::string& s) {
  IpAddress a;
  CPPUNIT_ASSERT_MESSAGE(s, IpAddress::parse(s, a));
  return a;
}
IpNetwork net(const std::string& s) {
  IpNetwork n;
  std::string why;
  CPPUNIT_ASSERT_MESSAGE(s + ": " + why, IpNetwork::parse(s, n, why));
  return n;
}
// The source of a call from `peer` with these fields; "" when unknown.
std::string sourceOf(const ClientSource& cs, const std::string& peer,
                     const std::vector<HeaderField>& fields) {
  AttemptKey k;
  if (!cs.of(ip(peer), HeaderFields(fields.data(), fields.size()), k)) return "";
  return std::string(k.view());
}
}  // namespace

class ClientSourceTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ClientSourceTest);
  CPPUNIT_TEST(addressesAndNetworksParseStrictly);
  CPPUNIT_TEST(untrustedPeerIsTheClientWhateverItsHeadersSay);
  CPPUNIT_TEST(trustedProxyForwardsTheRightmostUntrustedHop);
  CPPUNIT_TEST(trustedProxyWithoutAUsableAddressLeavesTheClientUnknown);
  CPPUNIT_TEST(ipv6ClientsCountByTheirSlash64);
  CPPUNIT_TEST(realIpHeaderWhenConfigured);
  CPPUNIT_TEST_SUITE_END();

 public:
  void addressesAndNetworksParseStrictly() {
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.1"), ip("192.0.2.1").toString());
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.1"), ip("192.0.2.1:8443").toString());
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8::1"), ip("[2001:db8::1]:443").toString());
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.1"), ip("::ffff:192.0.2.1").toString());
    IpAddress a;
    for (const char* bad : {"", "192.0.2", "192.0.2.256", "host.example", "[2001:db8::1",
                            "2001:db8::1%eth0", "192.0.2.1:x", " 192.0.2.1"})
      CPPUNIT_ASSERT_MESSAGE(bad, !IpAddress::parse(bad, a));
    CPPUNIT_ASSERT(net("10.0.0.0/8").contains(ip("10.200.3.4")));
    CPPUNIT_ASSERT(!net("10.0.0.0/8").contains(ip("11.0.0.1")));
    CPPUNIT_ASSERT(net("192.0.2.7").contains(ip("192.0.2.7")));
    CPPUNIT_ASSERT(!net("192.0.2.7").contains(ip("192.0.2.8")));
    CPPUNIT_ASSERT(net("2001:db8::/32").contains(ip("2001:db8:ffff::1")));
    CPPUNIT_ASSERT(!net("2001:db8::/32").contains(ip("192.0.2.1")));
    CPPUNIT_ASSERT(net("::ffff:10.0.0.0/104").contains(ip("10.1.2.3")));
    CPPUNIT_ASSERT(net("0.0.0.0/0").contains(ip("203.0.113.9")));
    IpNetwork n;
    std::string why;
    for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "[::1]/128", "10.0.0.1:80",
                            "::/129", "example.com", ""})
      CPPUNIT_ASSERT_MESSAGE(bad, !IpNetwork::parse(bad, n, why) && !why.empty());
  }

  void untrustedPeerIsTheClientWhateverItsHeadersSay() {
    ClientSource cs({net("10.0.0.0/8")}, "X-Forwarded-For");
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.5"),
                         sourceOf(cs, "203.0.113.5", {{"X-Forwarded-For", "198.51.100.1"}}));
  }

  void trustedProxyForwardsTheRightmostUntrustedHop() {
    ClientSource cs({net("10.0.0.0/8"), net("127.0.0.1")}, "X-Forwarded-For");
    // The client may write anything on the left; our proxies append what they saw.
    CPPUNIT_ASSERT_EQUAL(
        std::string("203.0.113.5"),
        sourceOf(cs, "10.0.0.1", {{"X-Forwarded-For", "1.2.3.4, 203.0.113.5, 10.0.0.2"}}));
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.5"),
                         sourceOf(cs, "127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}}));
    // Several fields are one list, in order: the last field's last item first.
    CPPUNIT_ASSERT_EQUAL(std::string("198.51.100.9"),
                         sourceOf(cs, "10.0.0.1",
                                  {{"X-Forwarded-For", "203.0.113.5"},
                                   {"X-Forwarded-For", "198.51.100.9, 10.1.1.1"}}));
    // Every hop trusted: the left-most.
    CPPUNIT_ASSERT_EQUAL(std::string("10.9.9.9"),
                         sourceOf(cs, "10.0.0.1", {{"X-Forwarded-For", "10.9.9.9, 10.0.0.2"}}));
  }

  void trustedProxyWithoutAUsableAddressLeavesTheClientUnknown() {
    ClientSource cs({net("10.0.0.0/8")}, "X-Forwarded-For");
    CPPUNIT_ASSERT_EQUAL(std::string(""), sourceOf(cs, "10.0.0.1", {}));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         sourceOf(cs, "10.0.0.1", {{"X-Forwarded-For", "1.2.3.4, unknown"}}));
    CPPUNIT_ASSERT_EQUAL(std::string(""), sourceOf(cs, "10.0.0.1", {{"X-Real-IP", "1.2.3.4"}}));
  }

  void ipv6ClientsCountByTheirSlash64() {
    ClientSource cs({}, "X-Forwarded-For");
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8:1:2::/64"),
                         sourceOf(cs, "2001:db8:1:2:aaaa::1", {}));
    CPPUNIT_ASSERT_EQUAL(std::string("2001:db8:1:2::/64"),
                         sourceOf(cs, "2001:db8:1:2:bbbb::7", {}));
    CPPUNIT_ASSERT_EQUAL(std::string("192.0.2.1"), sourceOf(cs, "::ffff:192.0.2.1", {}));
  }

  void realIpHeaderWhenConfigured() {
    ClientSource cs({net("127.0.0.0/8")}, "X-Real-IP");
    CPPUNIT_ASSERT_EQUAL(std::string("203.0.113.5"), sourceOf(cs, "127.0.0.1",
                                                              {{"X-Forwarded-For", "198.51.100.1"},
                                                               {"X-Real-IP", "203.0.113.5"}}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ClientSourceTest);
