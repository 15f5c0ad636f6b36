#include <Poco/JSON/Array.h>

#include <atomic>
#include <ctime>
#include <thread>

#include "tests/integration/Fixture.h"

using namespace keywarden::test;

namespace {
const char* kFlows[][2] = {
    {"default.json", R"({"id":"default","priority":0,"match":{},
      "levels":[{"name":"Lead","approvers":["lead@example.com"],"policy":"any"}]})"},
    {"write.json", R"({"id":"write","priority":10,"match":{"scopes":["*:write"]},
      "levels":[{"name":"Lead","approvers":["lead@example.com"],"policy":"any"},
                {"name":"Security","approvers":["sec1@example.com","sec2@example.com"],"policy":"all"}]})"},
    {"partners.json", R"({"id":"partners","priority":20,"match":{"clientTypes":["partner"]},
      "levels":[{"name":"Board","approvers":["b1@example.com","b2@example.com","b3@example.com"],"policy":{"quorum":2}}]})"},
    {"crowd.json", R"({"id":"crowd","priority":25,"match":{"clientTypes":["crowd"]},
      "levels":[{"name":"Anyone","approvers":["c1@example.com","c2@example.com","c3@example.com","c4@example.com",
      "c5@example.com","c6@example.com","c7@example.com","c8@example.com"],"policy":"any"}]})"},
    {"revoke.json", R"({"id":"revoke","priority":30,"match":{"kinds":["revoke"]},"levels":[]})"},
};
}  // namespace

class ApplicationApiTest : public Fixture {
  CPPUNIT_TEST_SUITE(ApplicationApiTest);
  CPPUNIT_TEST(newApplicationThroughTwoLevelsIssuesTheKey);
  CPPUNIT_TEST(quorumNeedsTwoOfThree);
  CPPUNIT_TEST(rejectEndsTheApplication);
  CPPUNIT_TEST(returnResubmitApprove);
  CPPUNIT_TEST(withdrawStopsReview);
  CPPUNIT_TEST(modifyAndRevokeActOnARealKey);
  CPPUNIT_TEST(whoMayDecide);
  CPPUNIT_TEST(whoMaySee);
  CPPUNIT_TEST(parallelDecisionsYieldOneOutcomeAndOneKey);
  CPPUNIT_TEST(badApplicationsNameTheField);
  CPPUNIT_TEST(textIsCountedInCharactersAndBadTextChangesNothing);
  CPPUNIT_TEST(brokenFlowFileStopsStartUp);
  CPPUNIT_TEST_SUITE_END();

 public:
  std::map<std::string, std::string> settings() override {
    flowsDir = std::make_unique<TempDir>("kwflows");
    for (const auto& f : kFlows) writeFile(flowsDir->file(f[0]), f[1]);
    return {{"workflows.dir", flowsDir->path()}};
  }

  void setUp() override {
    Fixture::setUp();
    admin("POST", "/v1/clients",
          R"({"id":"web","name":"Web","clientType":"web","contactEmail":"req@example.com"})");
    admin("POST", "/v1/clients", R"({"id":"partner","name":"Partner","clientType":"partner"})");
    admin("POST", "/v1/clients", R"({"id":"crowd","name":"Crowd","clientType":"crowd"})");
    requester = token("--role requester --email req@example.com");
  }

  std::string approverToken(const std::string& email) {
    return token("--role approver --email " + email);
  }

  HttpResponse submit(const std::string& body, const std::string& as_ = "") {
    return as(as_.empty() ? requester : as_, "POST", "/v1/applications", body);
  }
  Poco::JSON::Object::Ptr submitted(const std::string& body) {
    HttpResponse r = submit(body);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 201, r.status);
    return r.json();
  }
  HttpResponse decide(const std::string& id, const std::string& approver,
                      const std::string& decision, const std::string& comment = "") {
    return admin("POST", "/v1/applications/" + id + "/decisions",
                 R"({"decision":")" + decision + R"(","approver":")" + approver +
                     R"(","comment":")" + comment + "\"}");
  }
  std::string state(const HttpResponse& r) { return r.json()->getValue<std::string>("state"); }

  void newApplicationThroughTwoLevelsIssuesTheKey() {
    auto a = submitted(
        R"({"kind":"new","clientId":"web","keyName":"orders writer","description":"sync job",
                          "scopes":["orders:write"],"quota":100,"expiresAt":"2099-01-01T00:00:00Z"})");
    std::string id = a->getValue<std::string>("id");
    char today[16];
    time_t now = time(nullptr);
    strftime(today, sizeof today, "%Y%m%d", gmtime(&now));
    CPPUNIT_ASSERT_EQUAL(std::string("KA-") + today + "-0001", a->getValue<std::string>("number"));
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), a->getValue<std::string>("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("write"), a->getValue<std::string>("flow"));
    CPPUNIT_ASSERT_EQUAL(1, a->getValue<int>("level"));
    CPPUNIT_ASSERT_EQUAL(std::string("req@example.com"),
                         a->getValue<std::string>("requesterEmail"));
    std::string lead = approverToken("lead@example.com");
    auto waiting = as(lead, "GET", "/v1/applications?approver=lead@example.com")
                       .json()
                       ->getArray("applications");
    CPPUNIT_ASSERT_EQUAL(size_t(1), waiting->size());
    HttpResponse l1 = as(lead, "POST", "/v1/applications/" + id + "/decisions",
                         R"({"decision":"approve","comment":"ok"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(l1.body, 200, l1.status);
    CPPUNIT_ASSERT_EQUAL(2, l1.json()->getValue<int>("level"));
    CPPUNIT_ASSERT_EQUAL(size_t(0), as(lead, "GET", "/v1/applications?approver=lead@example.com")
                                        .json()
                                        ->getArray("applications")
                                        ->size());
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"),
                         state(decide(id, "sec1@example.com", "approve")));
    HttpResponse twice = decide(id, "sec1@example.com", "approve");
    CPPUNIT_ASSERT_EQUAL(409, twice.status);
    CPPUNIT_ASSERT_EQUAL(std::string("ALREADY_DECIDED"), twice.errorCode());
    HttpResponse done = decide(id, "sec2@example.com", "approve");
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"), state(done));
    std::string keyId = done.json()->getValue<std::string>("keyId");
    auto key = admin("GET", "/v1/keys/" + keyId).json();
    CPPUNIT_ASSERT_EQUAL(id, key->getValue<std::string>("applicationId"));
    CPPUNIT_ASSERT_EQUAL(std::string("orders writer"), key->getValue<std::string>("name"));
    CPPUNIT_ASSERT_EQUAL(100, key->getValue<int>("quota"));
    CPPUNIT_ASSERT_EQUAL(std::string("2099-01-01T00:00:00Z"),
                         key->getValue<std::string>("expiresAt"));
    auto full = as(requester, "GET", "/v1/applications/" + id).json();
    auto history = full->getArray("history");
    std::vector<std::string> events;
    for (size_t i = 0; i < history->size(); ++i)
      events.push_back(history->getObject(i)->getValue<std::string>("decision"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("submit,approve,approve,approve,issue"),
        events[0] + "," + events[1] + "," + events[2] + "," + events[3] + "," + events[4]);
    CPPUNIT_ASSERT_EQUAL(std::string("token:"),
                         history->getObject(3)->getValue<std::string>("actor").substr(0, 6));
  }

  void quorumNeedsTwoOfThree() {
    auto a = submitted(R"({"kind":"new","clientId":"partner","keyName":"p"})");
    std::string id = a->getValue<std::string>("id");
    CPPUNIT_ASSERT_EQUAL(std::string("partners"), a->getValue<std::string>("flow"));
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), state(decide(id, "b2@example.com", "approve")));
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"), state(decide(id, "b3@example.com", "approve")));
    CPPUNIT_ASSERT_EQUAL(409, decide(id, "b1@example.com", "approve").status);
  }

  void rejectEndsTheApplication() {
    std::string id =
        submitted(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"]})")
            ->getValue<std::string>("id");
    HttpResponse r = decide(id, "lead@example.com", "reject", "not needed <really>");
    CPPUNIT_ASSERT_EQUAL(std::string("REJECTED"), state(r));
    CPPUNIT_ASSERT(r.json()->isNull("keyId"));
    HttpResponse after = decide(id, "lead@example.com", "approve");
    CPPUNIT_ASSERT_EQUAL(409, after.status);
    CPPUNIT_ASSERT(after.body.find("REJECTED") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(size_t(0),
                         admin("GET", "/v1/keys?clientId=web").json()->getArray("keys")->size());
  }

  void returnResubmitApprove() {
    std::string id =
        submitted(
            R"({"kind":"new","clientId":"web","keyName":"first name","scopes":["orders:read"]})")
            ->getValue<std::string>("id");
    CPPUNIT_ASSERT_EQUAL(std::string("RETURNED"),
                         state(decide(id, "lead@example.com", "return", "name it better")));
    CPPUNIT_ASSERT_EQUAL(409, decide(id, "lead@example.com", "approve").status);
    HttpResponse re = as(requester, "POST", "/v1/applications/" + id + "/resubmit",
                         R"({"changes":{"keyName":"better name","scopes":["orders:write"]}})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(re.body, 200, re.status);
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), state(re));
    CPPUNIT_ASSERT_EQUAL(1, re.json()->getValue<int>("level"));
    CPPUNIT_ASSERT_EQUAL(std::string("write"),
                         re.json()->getValue<std::string>("flow"));  // re-routed
    // The lead decided before the return; after the resubmission they decide again.
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"),
                         state(decide(id, "lead@example.com", "approve")));
    decide(id, "sec1@example.com", "approve");
    HttpResponse done = decide(id, "sec2@example.com", "approve");
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"), state(done));
    auto key = admin("GET", "/v1/keys/" + done.json()->getValue<std::string>("keyId")).json();
    CPPUNIT_ASSERT_EQUAL(std::string("better name"), key->getValue<std::string>("name"));
    CPPUNIT_ASSERT_EQUAL(
        409,
        as(requester, "POST", "/v1/applications/" + id + "/resubmit", R"({"changes":{}})").status);
  }

  void withdrawStopsReview() {
    std::string id =
        submitted(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"]})")
            ->getValue<std::string>("id");
    HttpResponse w = as(requester, "POST", "/v1/applications/" + id + "/withdraw");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(w.body, 200, w.status);
    CPPUNIT_ASSERT_EQUAL(std::string("WITHDRAWN"), state(w));
    HttpResponse late = decide(id, "lead@example.com", "approve");
    CPPUNIT_ASSERT_EQUAL(409, late.status);
    CPPUNIT_ASSERT(late.body.find("WITHDRAWN") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(409, as(requester, "POST", "/v1/applications/" + id + "/withdraw").status);
    std::string other = token("--role requester --email other@example.com");
    CPPUNIT_ASSERT_EQUAL(404, as(other, "POST", "/v1/applications/" + id + "/withdraw").status);
  }

  void modifyAndRevokeActOnARealKey() {
    HttpResponse k = admin("POST", "/v1/keys",
                           R"({"clientId":"web","name":"existing","scopes":["orders:read"]})");
    std::string keyId = k.json()->getValue<std::string>("id"),
                key = k.json()->getValue<std::string>("key");
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    auto m = submitted(R"({"kind":"modify","clientId":"web","keyId":")" + keyId +
                       R"(","changes":{"quota":1}})");
    CPPUNIT_ASSERT(m->getValue<std::string>("number").rfind("KU-", 0) == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));  // nothing changes before approval
    HttpResponse done = decide(m->getValue<std::string>("id"), "lead@example.com", "approve");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(done.body, std::string("ISSUED"), state(done));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(key));
    CPPUNIT_ASSERT_EQUAL(std::string("USAGE_EXCEEDED"), verify(key));
    auto r = submitted(R"({"kind":"revoke","clientId":"web","keyId":")" + keyId +
                       R"(","description":"leaked"})");
    CPPUNIT_ASSERT(r->getValue<std::string>("number").rfind("KR-", 0) == 0);
    CPPUNIT_ASSERT_EQUAL(std::string("ISSUED"),
                         r->getValue<std::string>("state"));  // flow without levels
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"), verify(key));
    CPPUNIT_ASSERT_EQUAL(std::string("REVOKED"),
                         admin("GET", "/v1/keys/" + keyId).json()->getValue<std::string>("state"));
    // Someone who neither asked for the key nor is its client's contact may not ask to change it.
    std::string stranger = token("--role requester --email stranger@example.com");
    HttpResponse k2 = admin("POST", "/v1/keys", R"({"clientId":"web","name":"second"})");
    HttpResponse no = submit(R"({"kind":"revoke","clientId":"web","keyId":")" +
                                 k2.json()->getValue<std::string>("id") + "\"}",
                             stranger);
    CPPUNIT_ASSERT_EQUAL(403, no.status);
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_KEY_HOLDER"), no.errorCode());
  }

  void whoMayDecide() {
    std::string lead = approverToken("lead@example.com");
    HttpResponse own =
        submit(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"]})",
               token("--role requester --email lead@example.com"));
    std::string ownId = own.json()->getValue<std::string>("id");
    HttpResponse self =
        as(lead, "POST", "/v1/applications/" + ownId + "/decisions", R"({"decision":"approve"})");
    CPPUNIT_ASSERT_EQUAL(403, self.status);
    CPPUNIT_ASSERT_EQUAL(std::string("SELF_APPROVAL"), self.errorCode());
    std::string id =
        submitted(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"]})")
            ->getValue<std::string>("id");
    HttpResponse stranger =
        decide(id, "sec1@example.com", "approve");  // an approver, but of another flow
    CPPUNIT_ASSERT_EQUAL(403, stranger.status);
    CPPUNIT_ASSERT_EQUAL(std::string("NOT_AN_APPROVER"), stranger.errorCode());
    HttpResponse noOnBehalf =
        admin("POST", "/v1/applications/" + id + "/decisions", R"({"decision":"approve"})");
    CPPUNIT_ASSERT_EQUAL(400, noOnBehalf.status);
    CPPUNIT_ASSERT_EQUAL(403, as(requester, "POST", "/v1/applications/" + id + "/decisions",
                                 R"({"decision":"approve"})")
                                  .status);
    CPPUNIT_ASSERT_EQUAL(400, decide(id, "lead@example.com", "maybe").status);
    HttpResponse mismatch = submit(
        R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"],"requesterEmail":"boss@example.com"})");
    CPPUNIT_ASSERT_EQUAL(403, mismatch.status);
    CPPUNIT_ASSERT_EQUAL(
        403,
        submit(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"]})", lead)
            .status);
  }

  void whoMaySee() {
    std::string id =
        submitted(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"]})")
            ->getValue<std::string>("id");
    std::string other = token("--role requester --email other@example.com");
    CPPUNIT_ASSERT_EQUAL(404, as(other, "GET", "/v1/applications/" + id).status);
    CPPUNIT_ASSERT_EQUAL(
        size_t(0), as(other, "GET", "/v1/applications").json()->getArray("applications")->size());
    CPPUNIT_ASSERT_EQUAL(403,
                         as(other, "GET", "/v1/applications?requester=req@example.com").status);
    CPPUNIT_ASSERT_EQUAL(size_t(1),
                         as(requester, "GET", "/v1/applications?requester=req@example.com")
                             .json()
                             ->getArray("applications")
                             ->size());
    CPPUNIT_ASSERT_EQUAL(
        200, as(approverToken("lead@example.com"), "GET", "/v1/applications/" + id).status);
    CPPUNIT_ASSERT_EQUAL(
        404, as(approverToken("b1@example.com"), "GET", "/v1/applications/" + id).status);
    CPPUNIT_ASSERT_EQUAL(size_t(1), admin("GET", "/v1/applications?state=IN_REVIEW&clientId=web")
                                        .json()
                                        ->getArray("applications")
                                        ->size());
    CPPUNIT_ASSERT_EQUAL(400, admin("GET", "/v1/applications?state=PENDING").status);
  }

  void parallelDecisionsYieldOneOutcomeAndOneKey() {
    for (int round = 0; round < 3; ++round) {
      std::string id = submitted(R"({"kind":"new","clientId":"crowd","keyName":"race"})")
                           ->getValue<std::string>("id");
      std::atomic<int> ok{0}, conflict{0}, other{0};
      std::vector<std::thread> threads;
      for (int i = 1; i <= 8; ++i)
        threads.emplace_back([&, i] {
          HttpResponse r = decide(id, "c" + std::to_string(i) + "@example.com",
                                  i % 3 == 0 ? "reject" : "approve");
          (r.status == 200 ? ok : r.status == 409 ? conflict : other)++;
        });
      for (auto& t : threads) t.join();
      CPPUNIT_ASSERT_EQUAL(1, ok.load());
      CPPUNIT_ASSERT_EQUAL(7, conflict.load());
      CPPUNIT_ASSERT_EQUAL(0, other.load());
      auto a = admin("GET", "/v1/applications/" + id).json();
      std::string s = a->getValue<std::string>("state");
      CPPUNIT_ASSERT(s == "ISSUED" || s == "REJECTED");
    }
    auto keys = admin("GET", "/v1/keys?clientId=crowd").json()->getArray("keys");
    auto apps = admin("GET", "/v1/applications?clientId=crowd&state=ISSUED")
                    .json()
                    ->getArray("applications");
    CPPUNIT_ASSERT_EQUAL(apps->size(), keys->size());  // one key per issued application, never two
  }

  void badApplicationsNameTheField() {
    auto field = [&](const std::string& body, int status = 400) {
      HttpResponse r = submit(body);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(body + " -> " + r.body, status, r.status);
      return r.json()->getObject("error")->getValue<std::string>("field");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("clientId"),
                         field(R"({"kind":"new","clientId":"ghost","keyName":"k"})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("apis"),
        field(R"({"kind":"new","clientId":"web","keyName":"k","apis":["ghost"]})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("groups"),
        field(R"({"kind":"new","clientId":"web","keyName":"k","groups":["ghost"]})"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("expiresAt"),
        field(
            R"({"kind":"new","clientId":"web","keyName":"k","expiresAt":"2001-01-01T00:00:00Z"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("quota"),
                         field(R"({"kind":"new","clientId":"web","keyName":"k","quota":-2})"));
    CPPUNIT_ASSERT_EQUAL(std::string("effectiveAt"),
                         field(R"({"kind":"new","clientId":"web","keyName":"k",
        "effectiveAt":"2099-06-01T00:00:00Z","expiresAt":"2099-01-01T00:00:00Z"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("kind"),
                         field(R"({"kind":"renew","clientId":"web","keyName":"k"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("kind"), field(R"({"clientId":"web","keyName":"k"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("keyId"),
                         field(R"({"kind":"modify","clientId":"web","changes":{"quota":5}})"));
    CPPUNIT_ASSERT_EQUAL(std::string("keyId"), field(R"({"kind":"revoke","clientId":"web"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("keyId"),
                         field(R"({"kind":"revoke","clientId":"web","keyId":"key_ghost"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("keyName"), field(R"({"kind":"new","clientId":"web"})"));
    CPPUNIT_ASSERT_EQUAL(std::string("keyNmae"),
                         field(R"({"kind":"new","clientId":"web","keyNmae":"k"})"));
    HttpResponse k = admin("POST", "/v1/keys",
                           R"({"clientId":"web","name":"existing","scopes":["orders:read"]})");
    std::string keyId = k.json()->getValue<std::string>("id");
    CPPUNIT_ASSERT_EQUAL(std::string("changes"),
                         field(R"({"kind":"modify","clientId":"web","keyId":")" + keyId + "\"}"));
    CPPUNIT_ASSERT_EQUAL(std::string("changes.quota"),
                         field(R"({"kind":"modify","clientId":"web","keyId":")" + keyId +
                               R"(","changes":{"quota":-3}})"));
    CPPUNIT_ASSERT_EQUAL(size_t(0),
                         admin("GET", "/v1/applications").json()->getArray("applications")->size());
  }

  void textIsCountedInCharactersAndBadTextChangesNothing() {
    auto repeat = [](const std::string& s, int n) {
      std::string out;
      for (int i = 0; i < n; ++i) out += s;
      return out;
    };
    // 2000 characters of 3 bytes each is a description of 2000 characters, not 6000.
    auto a = submitted(R"({"kind":"new","clientId":"web","keyName":"k","scopes":["orders:read"],
                          "description":")" +
                       repeat("說", 2000) + "\"}");
    CPPUNIT_ASSERT_EQUAL(repeat("說", 2000), a->getValue<std::string>("description"));
    HttpResponse longer = submit(R"({"kind":"new","clientId":"web","keyName":"k",
                                   "description":")" +
                                 repeat("說", 2001) + "\"}");
    CPPUNIT_ASSERT_EQUAL(400, longer.status);
    CPPUNIT_ASSERT_EQUAL(std::string("description"),
                         longer.json()->getObject("error")->getValue<std::string>("field"));
    std::string id = a->getValue<std::string>("id");
    auto historySize = [&] {
      return admin("GET", "/v1/applications/" + id).json()->getArray("history")->size();
    };
    size_t before = historySize();
    // A comment too long, or holding NUL, is refused before anything is written.
    for (const std::string& comment : {repeat("說", 2001), std::string("a\\u0000b")}) {
      HttpResponse r = decide(id, "lead@example.com", "return", comment);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 400, r.status);
      CPPUNIT_ASSERT_EQUAL(std::string("comment"),
                           r.json()->getObject("error")->getValue<std::string>("field"));
      CPPUNIT_ASSERT_EQUAL(before, historySize());
    }
    // The field report's comment: 667 × 說 (2001 bytes) is 667 characters, stored whole.
    HttpResponse ok = decide(id, "lead@example.com", "return", repeat("說", 667));
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 200, ok.status);
    auto history = admin("GET", "/v1/applications/" + id).json()->getArray("history");
    CPPUNIT_ASSERT_EQUAL(repeat("說", 667),
                         history->getObject(history->size() - 1)->getValue<std::string>("comment"));
    // A resubmission with a description too long leaves the application returned.
    HttpResponse re = as(requester, "POST", "/v1/applications/" + id + "/resubmit",
                         R"({"changes":{"description":")" + repeat("x", 2001) + "\"}}");
    CPPUNIT_ASSERT_EQUAL(400, re.status);
    CPPUNIT_ASSERT_EQUAL(
        std::string("RETURNED"),
        admin("GET", "/v1/applications/" + id).json()->getValue<std::string>("state"));
  }

  void brokenFlowFileStopsStartUp() {
    TempDir dir("kwbadflows");
    writeFile(dir.file("good.json"), kFlows[0][1]);
    writeFile(dir.file("broken.json"),
              R"({"id":"b","levels":[{"name":"L","approvers":["a@x.io"],"policy":{"quorum":3}}]})");
    ServerProcess bad(std::map<std::string, std::string>{{"workflows.dir", dir.path()}});
    CPPUNIT_ASSERT_THROW(bad.start(), std::runtime_error);
    std::string log = bad.log();
    CPPUNIT_ASSERT_MESSAGE(log,
                           log.find("broken.json: levels[0].policy.quorum") != std::string::npos);
    writeFile(dir.file("broken.json"), R"({"id":"default","levels":[]})");
    ServerProcess dup(std::map<std::string, std::string>{{"workflows.dir", dir.path()}});
    CPPUNIT_ASSERT_THROW(dup.start(), std::runtime_error);
    CPPUNIT_ASSERT_MESSAGE(dup.log(), dup.log().find("already the id of") != std::string::npos);
  }

  std::unique_ptr<TempDir> flowsDir;
  std::string requester;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ApplicationApiTest);
