#pragma once

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Array.h>

#include <memory>
#include <string>

#include "tests/support/Eventually.h"
#include "tests/support/ServerProcess.h"
#include "tests/support/StoreSql.h"

namespace keywarden::test {

// A running server and short-hands for the admin API; one per test (fresh database).
class Fixture : public CppUnit::TestFixture {
 public:
  void setUp() override {
    server = std::make_unique<ServerProcess>(settings());
    server->start();
  }
  void tearDown() override { server.reset(); }
  virtual std::map<std::string, std::string> settings() { return {}; }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = "") {
    return server->client().call(method, path, server->adminToken(), body);
  }
  HttpResponse as(const std::string& token, const std::string& method, const std::string& path,
                  const std::string& body = "") {
    return server->client().call(method, path, token, body);
  }
  // Creates a key (and its client "c1" on first use); returns the creation response.
  HttpResponse issue(const std::string& body) {
    if (!clientMade) {
      HttpResponse c =
          admin("POST", "/v1/clients", R"({"id":"c1","name":"Client One","clientType":"web"})");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, 201, c.status);
      clientMade = true;
    }
    return admin("POST", "/v1/keys", body);
  }
  // Issues a key and returns {id, plaintext}.
  std::pair<std::string, std::string> newKey(
      const std::string& body = R"({"clientId":"c1","name":"k"})") {
    HttpResponse r = issue(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    auto j = r.json();
    return {j->getValue<std::string>("id"), j->getValue<std::string>("key")};
  }
  // Defines API "one" (GET /orders/1) and returns the plaintext of a key granted only it.
  std::string keyForOneApi() {
    HttpResponse api =
        admin("POST", "/v1/apis", R"({"id":"one","name":"One","method":"GET","path":"/orders/1"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(api.body, 201, api.status);
    return newKey(R"({"clientId":"c1","name":"k","apis":["one"]})").second;
  }
  // POST /v1/keys/verify; returns the code.
  std::string verify(const std::string& key, const std::string& extra = "") {
    HttpResponse r = server->client().request("POST", "/v1/keys/verify",
                                              R"({"key":")" + key + "\"" + extra + "}");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    return r.json()->getValue<std::string>("code");
  }
  // Mails the outbox still has to send (PENDING or SENDING); 0 means nothing more goes out.
  size_t unsentMail() {
    size_t n = 0;
    for (const char* status : {"PENDING", "SENDING"})
      n += admin("GET", std::string("/v1/mail?status=") + status).json()->getArray("mail")->size();
    return n;
  }
  // The id of the pending approver-digest job every store has, made FAILED from outside with
  // SQL (a job fails for good only after 10 attempts over ~10 minutes).
  std::string failedDigestJob() {
    std::string id;
    CPPUNIT_ASSERT(eventually([&] {
      auto a =
          admin("GET", "/v1/jobs?kind=approver-digest&status=PENDING").json()->getArray("jobs");
      if (a->size() != 1) return false;
      id = a->getObject(0)->getValue<std::string>("id");
      return true;
    }));
    storeSql(*server,
             "UPDATE jobs SET status = 'FAILED', attempts = 10,"
             " last_error = 'smtp down' WHERE id = '" +
                 id + "'");
    return id;
  }
  // The status of approver-digest job `id` as GET /v1/jobs reports it; "" when absent.
  std::string digestJobStatus(const std::string& id) {
    auto a = admin("GET", "/v1/jobs?kind=approver-digest").json()->getArray("jobs");
    for (size_t i = 0; i < a->size(); ++i)
      if (a->getObject(i)->getValue<std::string>("id") == id)
        return a->getObject(i)->getValue<std::string>("status");
    return "";
  }
  std::string token(const std::string& args) {
    std::string out;
    int rc = server->runCli("token create " + args, out);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(out, 0, rc);
    return out.substr(0, out.find('\n'));
  }

  std::unique_ptr<ServerProcess> server;
  bool clientMade = false;
};

}  // namespace keywarden::test
