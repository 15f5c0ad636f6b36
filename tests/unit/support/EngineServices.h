#pragma once

// The engine's services as the unit suites that drive keys, applications and jobs use them: a
// real SQLite store in a temporary directory, a manual clock, the key cache, mail notices with
// their approver links, the catalog with one client, the key service, and (as asked) the
// application service and the scheduler with the runners app/Wiring registers — written once
// for ApplicationServiceTest, ApproverWaitingTest and SchedulerTest.
//
// Use: derive the fixture from it, call build(...) in setUp() and tearDownServices() in
// tearDown(); the members keep the names the suites use.
#include <cppunit/TestAssert.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/applications/ApplicationService.h"
#include "engine/base/ManualClock.h"
#include "engine/catalog/CatalogService.h"
#include "engine/check/KeyCache.h"
#include "engine/crypto/SecretBox.h"
#include "engine/flows/FlowCatalog.h"
#include "engine/jobs/JobRunners.h"
#include "engine/jobs/Scheduler.h"
#include "engine/keys/KeyService.h"
#include "engine/notices/LinkSigner.h"
#include "engine/notices/Notices.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

namespace keywarden::test {

struct EngineServicesOptions {
  std::string dirPrefix = "kwsvc";      // the temporary directory's name prefix
  std::string synchronous = "NORMAL";   // SQLite's PRAGMA synchronous
  int64_t linkLifetimeMs = 86'400'000;  // approver links; also the notices' give-up time
  int64_t expiryReminderMs = 0;         // keys.expiryReminder (0: none)
  // With flows, an ApplicationService routes to them; without, there is none.
  std::vector<engine::Flow> flows;
  // The scheduler: 0 for none, else its batch; keys' runners always, the applications' runners
  // when there is an ApplicationService.
  int schedulerBatch = 0;
  std::string clientContact;  // the contact e-mail of client c1 ("" for none)
};

class EngineServices {
 public:
  static constexpr int64_t kT0 = 1795219200000;  // 2026-11-21T00:00:00Z, the clock's start
  static constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";

 protected:
  void build(const EngineServicesOptions& o) {
    using namespace engine;
    dir = std::make_unique<TempDir>(o.dirPrefix);
    store = migratedStore(*dir, o.synchronous);
    clock = std::make_unique<ManualClock>(kT0);
    sealer = std::make_unique<SecretBox>(kSecret, "key-delivery");
    links = std::make_unique<LinkSigner>(kSecret, o.linkLifetimeMs);
    notices = std::make_unique<Notices>(*sealer, *links, "http://x", o.linkLifetimeMs);
    catalog = std::make_unique<CatalogService>(*store, cache, *clock);
    keys = std::make_unique<KeyService>(*store, cache, *clock, "kw", notices.get(),
                                        o.expiryReminderMs);
    if (!o.flows.empty()) {
      flows = FlowCatalog(o.flows);
      apps = std::make_unique<ApplicationService>(*store, *keys, flows, *clock, *notices, *links);
    }
    if (o.schedulerBatch > 0) {
      scheduler = std::make_unique<Scheduler>(*store, *clock, o.schedulerBatch);
      JobRunners::keys(*scheduler, *keys);
      if (apps) JobRunners::applications(*scheduler, *apps);
    }
    admin.tokenId = "t";
    requester.tokenId = "r";
    requester.role = Role::Requester;
    requester.email = "req@example.com";
    Client c;
    c.id = "c1";
    c.name = "Shop";
    c.contactEmail = o.clientContact;
    CPPUNIT_ASSERT(catalog->createClient(admin, c));
  }

  // Destroys the services before the store, and the store before its directory.
  void tearDownServices() {
    scheduler.reset();
    apps.reset();
    keys.reset();
    catalog.reset();
    notices.reset();
    store.reset();
    dir.reset();
  }

  std::unique_ptr<TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<engine::ManualClock> clock;
  engine::KeyCache cache;
  std::unique_ptr<engine::SecretBox> sealer;
  std::unique_ptr<engine::LinkSigner> links;
  std::unique_ptr<engine::Notices> notices;
  std::unique_ptr<engine::CatalogService> catalog;
  std::unique_ptr<engine::KeyService> keys;
  engine::FlowCatalog flows;
  std::unique_ptr<engine::ApplicationService> apps;
  std::unique_ptr<engine::Scheduler> scheduler;
  engine::Principal admin;
  engine::Principal requester;
};

}  // namespace keywarden::test
