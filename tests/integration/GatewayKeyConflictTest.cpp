#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

// A forward-auth call carrying two different keys (a key header twice, or two of the places
// gateway.keyHeaders lists): the gate judged the first, while an upstream that reads another
// place, or the last of repeated headers, acted for the other key. Refused as conflicting.
class GatewayKeyConflictTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayKeyConflictTest);
  CPPUNIT_TEST(twoDifferentKeysAreRefusedOneKeyTwiceIsNot);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::string judged(std::vector<std::pair<std::string, std::string>> headers) {
    HttpResponse r = server->client().request("GET", "/v1/gateway/auth/files/a", "", headers);
    std::string reason = r.header("X-Keywarden-Reason");
    return std::to_string(r.status) + " " + r.header("X-Keywarden-Code") +
           (reason.empty() ? "" : " " + reason);
  }

  void twoDifferentKeysAreRefusedOneKeyTwiceIsNot() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"F","method":"GET","path":"/files/*"})");
    admin("POST", "/v1/apis", R"({"id":"adm","name":"A","method":"GET","path":"/admin/*"})");
    const std::string key = newKey(R"({"clientId":"c1","name":"k","apis":["files"]})").second;
    const std::string other = newKey(R"({"clientId":"c1","name":"o","apis":["adm"]})").second;
    const std::string valid = "200 VALID", conflict = "403 FORBIDDEN CONFLICTING_HEADERS";
    CPPUNIT_ASSERT_EQUAL(valid, judged({{"X-API-Key", key}}));
    CPPUNIT_ASSERT_EQUAL(valid, judged({{"X-API-Key", key}, {"X-API-Key", key}}));
    CPPUNIT_ASSERT_EQUAL(valid, judged({{"X-API-Key", key}, {"apikey", key}}));
    // Values that are no key of this prefix are other credentials (an OAuth token), not keys.
    CPPUNIT_ASSERT_EQUAL(valid,
                         judged({{"X-API-Key", key}, {"Authorization", "Bearer eyJhbGci.e30.x"}}));
    CPPUNIT_ASSERT_EQUAL(valid, judged({{"X-API-Key", key}, {"X-Note", other}}));  // not a source
    CPPUNIT_ASSERT_EQUAL(conflict, judged({{"X-API-Key", key}, {"X-API-Key", other}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged({{"X-API-Key", key}, {"x-api-key", other}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged({{"X-API-Key", key}, {"apikey", other}}));
    CPPUNIT_ASSERT_EQUAL(conflict,
                         judged({{"X-API-Key", key}, {"Authorization", "Bearer " + other}}));
    CPPUNIT_ASSERT_EQUAL(conflict,
                         judged({{"X-API-Key", key}, {"Cookie", "a=1; mia_client_key=" + other}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged({{"Authorization", "Bearer " + key},
                                           {"Cookie", "mia_client_key=" + key},
                                           {"Cookie", "mia_client_key=" + other}}));
    // A name with '_' for '-' is the same header to PHP, WSGI and Rack (HTTP_X_API_KEY).
    CPPUNIT_ASSERT_EQUAL(conflict, judged({{"X-API-Key", key}, {"X_API_Key", other}}));
    // A cookie value is percent-decoded by PHP's $_COOKIE and Express's cookie-parser.
    std::string encoded = other;
    encoded.replace(encoded.find('_'), 1, "%5F");
    CPPUNIT_ASSERT_EQUAL(conflict,
                         judged({{"X-API-Key", key}, {"Cookie", "mia_client_key=" + encoded}}));
    CPPUNIT_ASSERT_EQUAL(conflict,
                         judged({{"X-API-Key", key}, {"Cookie", "mia%5Fclient_key=" + other}}));
    CPPUNIT_ASSERT_EQUAL(valid, judged({{"X-API-Key", key}, {"Cookie", "note=100%25"}}));
  }
};

// The same with a key taken from the query (gateway.keyHeaders `query:api_key`): PHP and Express
// read the last of a repeated parameter, PHP reads `api.key` as `api_key`, values are decoded.
class GatewayQueryKeyConflictTest : public Fixture {
  CPPUNIT_TEST_SUITE(GatewayQueryKeyConflictTest);
  CPPUNIT_TEST(aSecondKeyInTheQueryIsRefused);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    return {{"gateway.keyHeaders", "X-API-Key,query:api_key"}};
  }

  std::string judged(const std::string& target,
                     std::vector<std::pair<std::string, std::string>> headers) {
    HttpResponse r = server->client().request("GET", "/v1/gateway/auth" + target, "", headers);
    std::string reason = r.header("X-Keywarden-Reason");
    return std::to_string(r.status) + " " + r.header("X-Keywarden-Code") +
           (reason.empty() ? "" : " " + reason);
  }

  void aSecondKeyInTheQueryIsRefused() {
    admin("POST", "/v1/apis", R"({"id":"files","name":"F","method":"GET","path":"/files/*"})");
    const std::string key = newKey(R"({"clientId":"c1","name":"k","apis":["files"]})").second;
    const std::string other = newKey(R"({"clientId":"c1","name":"o","apis":["files"]})").second;
    const std::string valid = "200 VALID", conflict = "403 FORBIDDEN CONFLICTING_HEADERS";
    CPPUNIT_ASSERT_EQUAL(valid, judged("/files/a?api_key=" + key, {}));
    CPPUNIT_ASSERT_EQUAL(valid, judged("/files/a?api_key=" + key + "&api_key=" + key, {}));
    CPPUNIT_ASSERT_EQUAL(valid, judged("/files/a?api_key=" + key, {{"X-API-Key", key}}));
    CPPUNIT_ASSERT_EQUAL(valid, judged("/files/a?x_key=" + other, {{"X-API-Key", key}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("/files/a?api_key=" + key + "&api_key=" + other, {}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("/files/a?api_key=" + other, {{"X-API-Key", key}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("/files/a?api.key=" + other, {{"X-API-Key", key}}));
    CPPUNIT_ASSERT_EQUAL(conflict, judged("/files/a?api%5Fkey=" + other, {{"X-API-Key", key}}));
    std::string encoded = other;
    encoded.replace(encoded.find('_'), 1, "%5F");
    CPPUNIT_ASSERT_EQUAL(conflict, judged("/files/a?api_key=" + encoded, {{"X-API-Key", key}}));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayKeyConflictTest);
CPPUNIT_TEST_SUITE_REGISTRATION(GatewayQueryKeyConflictTest);
