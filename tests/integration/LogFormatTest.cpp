// log.format=json and X-Request-Id (the operations issue): every line the server writes is one
// JSON object; every answer carries a request id — the client's when it is acceptable, a fresh
// one otherwise, never an echo of a bad one — and a line logged while a request runs names it.
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

class LogFormatTest : public Fixture {
  CPPUNIT_TEST_SUITE(LogFormatTest);
  CPPUNIT_TEST(everyLineIsOneJsonObjectAndARefusalNamesItsRequestId);
  CPPUNIT_TEST(requestIdIsEchoedOnlyWhenAcceptableAndOnEveryAnswer);
  CPPUNIT_TEST(badLogFormatStopsStartUpNamingTheSetting);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override { return {{"log.format", "json"}}; }

  std::vector<Poco::JSON::Object::Ptr> lines() {
    std::vector<Poco::JSON::Object::Ptr> out;
    std::istringstream in(server->log());
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      try {
        Poco::JSON::Parser p;
        out.push_back(p.parse(line).extract<Poco::JSON::Object::Ptr>());
      } catch (const std::exception&) {
        CPPUNIT_FAIL("a log line is not JSON: " + line);
      }
    }
    return out;
  }

  void everyLineIsOneJsonObjectAndARefusalNamesItsRequestId() {
    auto idKeyPair = newKey();
    [[maybe_unused]] auto& id = idKeyPair.first;
    [[maybe_unused]] auto& key = idKeyPair.second;
    HttpResponse r = server->client().request("GET", "/v1/gateway/auth", "",
                                              {{"X-API-Key", key},
                                               {"X-Original-URI", "/a/%2e%2e/b"},
                                               {"X-Original-Method", "GET"},
                                               {"X-Request-Id", "trace-4711.a_b:c"}});
    CPPUNIT_ASSERT_EQUAL(403, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("trace-4711.a_b:c"), r.header("X-Request-Id"));
    auto all = lines();
    CPPUNIT_ASSERT(all.size() >= 2);  // start-up and the refusal at least
    bool found = false;
    for (const auto& o : all) {
      for (const char* field : {"time", "level", "logger", "message"})
        CPPUNIT_ASSERT_MESSAGE(field, o->has(field));
      std::string t = o->getValue<std::string>("time");
      CPPUNIT_ASSERT_MESSAGE(t, t.size() == 24 && t.back() == 'Z');
      if (o->optValue<std::string>("requestId", "") == "trace-4711.a_b:c") {
        found = true;
        CPPUNIT_ASSERT(o->getValue<std::string>("message").find("refused") != std::string::npos);
        // The line names the key by its id and its tenant, as fields (never the key).
        CPPUNIT_ASSERT_EQUAL(id, o->optValue<std::string>("keyId", ""));
        CPPUNIT_ASSERT_EQUAL(std::string("default"), o->optValue<std::string>("tenant", ""));
      }
    }
    CPPUNIT_ASSERT_MESSAGE(server->log(), found);
    CPPUNIT_ASSERT_MESSAGE("the key reached the log", server->log().find(key) == std::string::npos);
  }

  void requestIdIsEchoedOnlyWhenAcceptableAndOnEveryAnswer() {
    HttpClient c = server->client();
    HttpResponse a = c.request("GET", "/healthz");
    HttpResponse b = c.request("GET", "/healthz");
    std::string ida = a.header("X-Request-Id"), idb = b.header("X-Request-Id");
    CPPUNIT_ASSERT_EQUAL(size_t(16), ida.size());
    CPPUNIT_ASSERT(ida != idb);
    for (const std::string& bad :
         {std::string(129, 'a'), std::string("a b"), std::string("<script>"), std::string("x\"y"),
          std::string("\xe4\xb8\xad")}) {
      HttpResponse r = c.request("GET", "/healthz", "", {{"X-Request-Id", bad}});
      CPPUNIT_ASSERT(r.header("X-Request-Id") != bad);
      CPPUNIT_ASSERT_EQUAL(size_t(16), r.header("X-Request-Id").size());
    }
    // Errors and unknown paths carry one too.
    HttpResponse nf = c.request("GET", "/nowhere", "", {{"X-Request-Id", "r-1"}});
    CPPUNIT_ASSERT_EQUAL(404, nf.status);
    CPPUNIT_ASSERT_EQUAL(std::string("r-1"), nf.header("X-Request-Id"));
    HttpResponse unauth = c.request("GET", "/v1/keys");
    CPPUNIT_ASSERT_EQUAL(401, unauth.status);
    CPPUNIT_ASSERT_EQUAL(size_t(16), unauth.header("X-Request-Id").size());
  }

  void badLogFormatStopsStartUpNamingTheSetting() {
    ServerProcess bad(std::map<std::string, std::string>{{"log.format", "xml"}});
    try {
      bad.start();
      CPPUNIT_FAIL("started with log.format=xml");
    } catch (const std::exception&) {
    }
    CPPUNIT_ASSERT_MESSAGE(bad.log(), bad.log().find("log.format") != std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogFormatTest);
