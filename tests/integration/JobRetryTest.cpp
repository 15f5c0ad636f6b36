// POST /v1/jobs/{id}/retry (issue 15): a FAILED job back to PENDING, due now, run by the
// scheduler at once; audited; refused for unknown jobs (404), jobs that are not FAILED (409),
// tenant admins and other roles (403), and a body with fields (400). Jobs are made FAILED
// with SQL from outside (a job fails for good only after 10 attempts over ~10 minutes).
#include "tests/integration/Fixture.h"
#include "tests/support/StoreSql.h"

using namespace keywarden::test;

class JobRetryTest : public Fixture {
  CPPUNIT_TEST_SUITE(JobRetryTest);
  CPPUNIT_TEST(aFailedJobIsRequeuedRunsAtOnceAndIsAudited);
  CPPUNIT_TEST(unknownNotFailedAndForeignRetriesAreRefusedAndChangeNothing);
  CPPUNIT_TEST_SUITE_END();

 public:
  void aFailedJobIsRequeuedRunsAtOnceAndIsAudited() {
    std::string id = failedDigestJob();
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), digestJobStatus(id));
    HttpResponse r = admin("POST", "/v1/jobs/" + id + "/retry");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(r.body, 200, r.status);
    auto j = r.json();
    CPPUNIT_ASSERT_EQUAL(std::string("PENDING"), j->getValue<std::string>("status"));
    CPPUNIT_ASSERT_EQUAL(0, j->getValue<int>("attempts"));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         j->getValue<std::string>("lastError"));  // in the audit row
    // The scheduler is woken: the job runs now, not at its next idle check.
    CPPUNIT_ASSERT(eventually([&] { return digestJobStatus(id) == "DONE"; }));
    std::string audit = storeSql(*server,
                                 "SELECT action || '|' || actor || '|' || detail"
                                 " FROM audit_log WHERE object_id = '" +
                                     id + "'");
    CPPUNIT_ASSERT_MESSAGE(audit, audit.find("job.retry|") == 0);
    CPPUNIT_ASSERT_MESSAGE(audit,
                           audit.find("\"previousError\":\"smtp down\"") != std::string::npos);
  }

  void unknownNotFailedAndForeignRetriesAreRefusedAndChangeNothing() {
    std::string id = failedDigestJob();
    HttpResponse unknown = admin("POST", "/v1/jobs/job_nope/retry");
    CPPUNIT_ASSERT_EQUAL(404, unknown.status);
    CPPUNIT_ASSERT(unknown.body.find("NOT_FOUND") != std::string::npos);
    HttpResponse body = admin("POST", "/v1/jobs/" + id + "/retry", R"({"at":"now"})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(body.body, 400, body.status);
    std::string tenantAdmin = token("--role admin --tenant acme");
    CPPUNIT_ASSERT_EQUAL(403, as(tenantAdmin, "POST", "/v1/jobs/" + id + "/retry").status);
    std::string gateway = token("--role gateway");
    CPPUNIT_ASSERT_EQUAL(403, as(gateway, "POST", "/v1/jobs/" + id + "/retry").status);
    CPPUNIT_ASSERT_EQUAL(std::string("FAILED"), digestJobStatus(id));
    // Retried once: PENDING (then DONE), and a second retry is a state conflict.
    CPPUNIT_ASSERT_EQUAL(200, admin("POST", "/v1/jobs/" + id + "/retry").status);
    HttpResponse again = admin("POST", "/v1/jobs/" + id + "/retry");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(again.body, 409, again.status);
    CPPUNIT_ASSERT(again.body.find("INVALID_STATE") != std::string::npos);
    std::string n = storeSql(*server, "SELECT COUNT(*) FROM audit_log WHERE action = 'job.retry'");
    CPPUNIT_ASSERT_EQUAL(std::string("1"), n.substr(0, n.find('\n')));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(JobRetryTest);
