// The admin console's trails (issue 15, contract §7): the jobs page and its retry, the audit
// page and its filters, a key's history, and the console in Traditional Chinese — against the
// real server, signed in as in AdminConsoleTest (see ConsoleFixture.h).
#include <regex>

#include "tests/integration/ConsoleFixture.h"
#include "tests/support/StoreSql.h"

using namespace keywarden::test;

class AdminTrailTest : public ConsoleFixture {
  CPPUNIT_TEST_SUITE(AdminTrailTest);
  CPPUNIT_TEST(jobsPageFiltersByStateAndKind);
  CPPUNIT_TEST(aFailedJobIsRetriedAfterConfirmationAndAuditedUnderTheAdmin);
  CPPUNIT_TEST(jobRetryIsRefusedWithoutCsrfForTenantAdminsAndForJobsNotFailed);
  CPPUNIT_TEST(auditPageFiltersByKeyActorAndTimeNewestFirstAPageAtATime);
  CPPUNIT_TEST(aTenantAdminReadsOnlyItsTenantsAuditRows);
  CPPUNIT_TEST(aKeysPageShowsItsHistoryWithActorAndTime);
  CPPUNIT_TEST(theConsoleSpeaksTraditionalChineseToZhTwReaders);
  CPPUNIT_TEST_SUITE_END();

 public:
  static size_t count(const std::string& body, const std::string& part) {
    size_t n = 0;
    for (size_t at = body.find(part); at != std::string::npos; at = body.find(part, at + 1)) ++n;
    return n;
  }

  void jobsPageFiltersByStateAndKind() {
    std::string id = failedDigestJob();
    Browser root = browser("root@ops.example");
    HttpResponse all = root.get("/admin/jobs");
    CPPUNIT_ASSERT_EQUAL(200, all.status);
    CPPUNIT_ASSERT(has(all.body, "aria-current=\"page\">Jobs"));
    CPPUNIT_ASSERT(has(all.body, "id=\"job-" + id + "\""));
    HttpResponse failed = root.get("/admin/jobs?state=failed");
    CPPUNIT_ASSERT(has(failed.body, "id=\"job-" + id + "\""));
    CPPUNIT_ASSERT(has(failed.body, "smtp down"));
    CPPUNIT_ASSERT(has(failed.body, "action=\"/admin/jobs/" + id + "/retry\""));
    CPPUNIT_ASSERT_EQUAL(size_t(1),
                         count(failed.body, "<tr id=\"job-"));  // the others are not failed
    CPPUNIT_ASSERT(count(all.body, "<tr id=\"job-") >= 3);      // retention done and next, digest
    HttpResponse done = root.get("/admin/jobs?state=done&kind=retention");
    CPPUNIT_ASSERT(!has(done.body, "id=\"job-" + id + "\""));
    CPPUNIT_ASSERT(has(root.get("/admin/jobs?state=failed&kind=retention").body, "No job matches"));
    CPPUNIT_ASSERT(
        has(root.get("/admin/jobs?state=scheduled&kind=approver-digest").body, "No job matches"));
  }

  void aFailedJobIsRetriedAfterConfirmationAndAuditedUnderTheAdmin() {
    std::string id = failedDigestJob();
    Browser root = browser("root@ops.example");
    root.get("/admin/jobs?state=failed");
    // First answer: the confirmation page; nothing changed.
    HttpResponse ask = root.post("/admin/jobs/" + id + "/retry", "");
    CPPUNIT_ASSERT_EQUAL(200, ask.status);
    CPPUNIT_ASSERT(has(ask.body, "Retry this job?"));
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), digestJobStatus(id));
    HttpResponse done = root.post("/admin/jobs/" + id + "/retry", "confirm=yes");
    CPPUNIT_ASSERT_EQUAL(303, done.status);
    CPPUNIT_ASSERT_EQUAL(std::string("/admin/jobs?done=retried"), done.header("location"));
    CPPUNIT_ASSERT(eventually([&] { return digestJobStatus(id) == "DONE"; }));
    // Audited under the admin's session, and shown on the audit page.
    HttpResponse audit = root.get("/admin/audit?actor=&key=");
    CPPUNIT_ASSERT(has(audit.body, "<code>job.retry</code>"));
    std::string actor = storeSql(*server, "SELECT actor FROM audit_log WHERE action = 'job.retry'");
    CPPUNIT_ASSERT_MESSAGE(actor, actor.rfind("session:", 0) == 0);
  }

  void jobRetryIsRefusedWithoutCsrfForTenantAdminsAndForJobsNotFailed() {
    std::string id = failedDigestJob();
    Browser root = browser("root@ops.example");
    root.get("/admin/jobs");
    std::string forged = "0123456789abcdef0123456789abcdef";
    CPPUNIT_ASSERT_EQUAL(403,
                         root.post("/admin/jobs/" + id + "/retry", "confirm=yes", &forged).status);
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), digestJobStatus(id));
    Browser ten = browser("ten@acme.example");
    HttpResponse list = ten.get("/admin/jobs");
    CPPUNIT_ASSERT_EQUAL(403, list.status);
    CPPUNIT_ASSERT(!has(list.body, id));
    CPPUNIT_ASSERT_EQUAL(403, ten.post("/admin/jobs/" + id + "/retry", "confirm=yes").status);
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), digestJobStatus(id));
    CPPUNIT_ASSERT_EQUAL(404, root.post("/admin/jobs/job_nope/retry", "confirm=yes").status);
    CPPUNIT_ASSERT_EQUAL(303, root.post("/admin/jobs/" + id + "/retry", "confirm=yes").status);
    HttpResponse again = root.post("/admin/jobs/" + id + "/retry", "confirm=yes");
    CPPUNIT_ASSERT_EQUAL(409, again.status);
    CPPUNIT_ASSERT(has(again.body, "only a FAILED job can be retried"));
  }

  void auditPageFiltersByKeyActorAndTimeNewestFirstAPageAtATime() {
    auto [keyId, plaintext] = newKey();
    auto [otherId, other] = newKey(R"({"clientId":"c1","name":"other"})");
    for (int i = 0; i < 26; ++i) {  // 52 rows after key.issue: two pages of 50
      admin("POST", "/v1/keys/" + keyId + "/disable", R"({"reason":"r"})");
      admin("POST", "/v1/keys/" + keyId + "/enable");
    }
    Browser root = browser("root@ops.example");
    HttpResponse first = root.get("/admin/audit?key=" + keyId);
    CPPUNIT_ASSERT_EQUAL(200, first.status);
    CPPUNIT_ASSERT_EQUAL(size_t(50), count(first.body, "<code>key."));
    CPPUNIT_ASSERT(!has(first.body, otherId + "\">"));
    // Newest first: the last enable leads; the issue is on the next page.
    CPPUNIT_ASSERT(first.body.find("<code>key.enable") < first.body.find("<code>key.disable"));
    CPPUNIT_ASSERT(!has(first.body, "<code>key.issue"));
    std::smatch m;
    CPPUNIT_ASSERT(std::regex_search(first.body, m, std::regex("rel=\"next\" href=\"([^\"]+)\"")));
    std::string next = std::regex_replace(m[1].str(), std::regex("&amp;"), "&");
    HttpResponse second = root.get(next);
    CPPUNIT_ASSERT_EQUAL(size_t(3), count(second.body, "<code>key."));
    CPPUNIT_ASSERT(has(second.body, "<code>key.issue"));
    CPPUNIT_ASSERT(!has(second.body, "rel=\"next\""));
    // An actor with no rows, a range in the future or the past: nothing.
    HttpResponse byConsole = root.get("/admin/audit?actor=nobody%40example.com");
    CPPUNIT_ASSERT(has(byConsole.body, "No audit row matches"));
    HttpResponse future = root.get("/admin/audit?key=" + keyId + "&from=2099-01-01");
    CPPUNIT_ASSERT(has(future.body, "No audit row matches"));
    HttpResponse past = root.get("/admin/audit?key=" + keyId + "&to=2000-01-01");
    CPPUNIT_ASSERT(has(past.body, "No audit row matches"));
    // Bad filters are refused next to their field.
    HttpResponse badTime = root.get("/admin/audit?from=yesterday");
    CPPUNIT_ASSERT_EQUAL(400, badTime.status);
    CPPUNIT_ASSERT(has(badTime.body, "id=\"from-error\""));
    HttpResponse backwards = root.get("/admin/audit?from=2026-12-02&to=2026-12-01");
    CPPUNIT_ASSERT_EQUAL(400, backwards.status);
    CPPUNIT_ASSERT(has(backwards.body, "id=\"to-error\""));
    HttpResponse both = root.get("/admin/audit?key=" + keyId + "&application=app_x");
    CPPUNIT_ASSERT_EQUAL(400, both.status);
    CPPUNIT_ASSERT(has(both.body, "id=\"application-error\""));
    // No secret: neither key's plaintext appears anywhere in the trail.
    HttpResponse all = root.get("/admin/audit");
    CPPUNIT_ASSERT(!has(all.body, plaintext) && !has(all.body, other));
    CPPUNIT_ASSERT(!has(all.body, server->adminToken()));
  }

  void aTenantAdminReadsOnlyItsTenantsAuditRows() {
    auto [keyId, plaintext] = newKey();  // tenant default
    CPPUNIT_ASSERT_EQUAL(
        201, admin("POST", "/v1/clients", R"({"id":"a1","name":"Acme","tenant":"acme"})").status);
    auto [acmeKey, acmePlain] = newKey(R"({"clientId":"a1","name":"acme key"})");
    Browser ten = browser("ten@acme.example");
    HttpResponse all = ten.get("/admin/audit");
    CPPUNIT_ASSERT_EQUAL(200, all.status);
    CPPUNIT_ASSERT(has(all.body, acmeKey));
    CPPUNIT_ASSERT(!has(all.body, keyId));
    CPPUNIT_ASSERT(!has(all.body, "<code>token."));  // recorded without a tenant
    HttpResponse other = ten.get("/admin/audit?key=" + keyId);
    CPPUNIT_ASSERT(has(other.body, "No audit row matches"));
    Browser root = browser("root@ops.example");
    HttpResponse both = root.get("/admin/audit");
    CPPUNIT_ASSERT(has(both.body, acmeKey) && has(both.body, keyId));
  }

  void aKeysPageShowsItsHistoryWithActorAndTime() {
    auto [keyId, plaintext] = newKey();
    Browser root = browser("root@ops.example");
    root.get("/admin/keys/" + keyId);
    CPPUNIT_ASSERT_EQUAL(
        303, root.post("/admin/keys/" + keyId + "/disable", "confirm=yes&reason=checking").status);
    HttpResponse page = root.get("/admin/keys/" + keyId);
    CPPUNIT_ASSERT(has(page.body, "id=\"history\""));
    std::string history = page.body.substr(page.body.find("id=\"history\""));
    CPPUNIT_ASSERT(history.find("<code>key.disable") < history.find("<code>key.issue"));
    CPPUNIT_ASSERT(has(history, "session:"));  // the console's admin
    CPPUNIT_ASSERT(has(history, "token:"));    // the API token that issued it
    CPPUNIT_ASSERT(has(history, "<time datetime=\"20"));
    CPPUNIT_ASSERT(has(page.body, "href=\"/admin/audit?key=" + keyId + "\""));
    // A key without rows of another: its own only.
    auto [otherId, other] = newKey(R"({"clientId":"c1","name":"other"})");
    CPPUNIT_ASSERT(!has(root.get("/admin/keys/" + otherId).body, "<code>key.disable"));
  }

  void theConsoleSpeaksTraditionalChineseToZhTwReaders() {
    auto [keyId, plaintext] = newKey();
    Browser root = browser("root@ops.example");
    root.language = "zh-TW,zh;q=0.9";
    HttpResponse jobs = root.get("/admin/jobs");
    CPPUNIT_ASSERT(has(jobs.body, "排程工作"));
    CPPUNIT_ASSERT(has(jobs.body, ">總覽</a>"));
    CPPUNIT_ASSERT(!has(jobs.body, ">Overview</a>"));
    HttpResponse key = root.get("/admin/keys/" + keyId);
    CPPUNIT_ASSERT(has(key.body, "停用…"));
    CPPUNIT_ASSERT(has(key.body, "歷程"));
    // States in words, not codes: the key's badge, the list and its filter.
    CPPUNIT_ASSERT(has(key.body, ">有效</span>") && !has(key.body, ">ACTIVE<"));
    HttpResponse keys = root.get("/admin/keys");
    CPPUNIT_ASSERT(has(keys.body, ">有效</span>") && !has(keys.body, ">ACTIVE<"));
    CPPUNIT_ASSERT(has(keys.body, "value=\"REVOKED\">已撤銷</option>"));
    HttpResponse audit = root.get("/admin/audit");
    CPPUNIT_ASSERT(has(audit.body, "稽核軌跡"));
    root.language = "en";
    CPPUNIT_ASSERT(has(root.get("/admin/jobs").body, ">Overview</a>"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AdminTrailTest);
