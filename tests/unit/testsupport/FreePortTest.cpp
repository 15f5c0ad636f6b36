#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <set>
#include <string>

#include "tests/support/TempDir.h"

using keywarden::test::freePort;

// The ports every integration and e2e test gives its servers (http.port, gateway.port, SMTP,
// PostgreSQL, nginx, Caddy). A CI run failed when bind(0) handed the same port out twice in a
// row: a test server met its own gateway.port as http.port and refused to start. Ports in the
// kernel's ephemeral range can also be taken by any outgoing connection before the server binds
// them. (The Python and browser harnesses pick ports by the same rule: tests/chaos/kwmail.py,
// tests/browser/lib.mjs.)
class FreePortTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(FreePortTest);
  CPPUNIT_TEST(neverTheSamePortTwiceAndNeverAnEphemeralOne);
  CPPUNIT_TEST_SUITE_END();

 public:
  void neverTheSamePortTwiceAndNeverAnEphemeralOne() {
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 32768;
    in >> low;
    std::set<int> seen;
    for (int i = 0; i < 3000; ++i) {
      int p = freePort();
      CPPUNIT_ASSERT_MESSAGE("port " + std::to_string(p) + " twice", seen.insert(p).second);
      CPPUNIT_ASSERT_MESSAGE(std::to_string(p), p >= 1024 && p < low);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FreePortTest);
