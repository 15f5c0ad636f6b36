#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/Key.h"
#include "engine/QuotaAccount.h"
#include "engine/RateWindow.h"

namespace keywarden::engine {

// One key in the check path's memory: the current definition (replaced whole on every change),
// its quota account, its rate window and the usage not yet written to the store.
struct KeyEntry {
  std::mutex m;  // guards everything below
  std::shared_ptr<const Key> key;
  std::shared_ptr<QuotaAccount> quota;
  RateWindow rate;
  int64_t pendingValid = 0;
  int64_t pendingRejected = 0;
  int64_t lastUsedAt = 0;
  bool dirty = false;  // queued for the next usage flush
};

}  // namespace keywarden::engine
