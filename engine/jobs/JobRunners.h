#pragma once

#include "engine/applications/ApplicationService.h"
#include "engine/jobs/Housekeeping.h"
#include "engine/jobs/Scheduler.h"
#include "engine/keys/KeyService.h"

namespace keywarden::engine {

// Which service runs each kind of job (JobKind): the one table, used by app/Wiring and by the
// unit tests alike. A kind nobody registers fails its job ("no handler"), retried with back-off.
class JobRunners {
 public:
  // activate-key, expiry-reminder, revoke-key, rotation-grace-end (KeyService::runJob) and
  // expire-key in batches (KeyService::expireBatch).
  static void keys(Scheduler& s, KeyService& keys);
  // level-timeout (ApplicationService::runTimeout).
  static void applications(Scheduler& s, ApplicationService& apps);
  // retention and approver-digest (Housekeeping).
  static void housekeeping(Scheduler& s, const Housekeeping& hk);
};

}  // namespace keywarden::engine
