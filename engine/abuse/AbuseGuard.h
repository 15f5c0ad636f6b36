#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/abuse/AttemptTable.h"
#include "engine/base/BackgroundLoop.h"
#include "engine/base/Clock.h"
#include "engine/ports/Store.h"

namespace keywarden::engine {

// The brute-force defence's thresholds (abuse.* settings, README "Brute force and abuse").
struct AbuseSettings {
  // Failed key checks (MALFORMED, NOT_FOUND) per client address, and per key start.
  AttemptTable::Limits source{20, 60000, 300000};
  AttemptTable::Limits prefix{20, 60000, 300000};
  // Bad or forged sign-in and approver link tokens, and refused sign-in asks, per client address.
  AttemptTable::Limits link{10, 600000, 900000};
  size_t slots = 65536;  // per table (abuse.tableSize)
};

// Counts failed attempts and answers "blocked?" for the check path and the link pages, from
// memory: three fixed-size AttemptTables (check failures per client address, per key start;
// link failures per client address). A block starts once per episode; each episode becomes one
// audit row (`abuse.blocked`), written off the check path by a background thread in batches
// (start()/stop()). Per instance: with several instances each counts on its own.
//
// The check path's calls (blocked, failed) take no lock and allocate nothing; the first failure
// of an episode takes the episode queue's mutex once. Thread-safe.
class AbuseGuard {
 public:
  enum class Table { Source, Prefix, Link };
  static constexpr int kTables = 3;
  static const char* tableName(Table t);  // "source", "prefix", "link"

  // `store` receives the audit rows (nullptr: none are written, as in unit tests).
  AbuseGuard(Store* store, const Clock& clock, AbuseSettings settings);
  ~AbuseGuard();
  AbuseGuard(const AbuseGuard&) = delete;
  AbuseGuard& operator=(const AbuseGuard&) = delete;

  // Why a key check is refused before any work, if it is.
  struct Refusal {
    bool refused = false;
    Table by = Table::Source;
    int64_t until = 0;  // when the block ends (ms)
  };
  // Before a key check: is `source` blocked, or is `start` blocked and `source` has failed in
  // its current window (a blocked start refuses only callers that have failed themselves, so
  // that someone else's guesses do not lock the key's holder out)? Either may be null (unknown
  // client address; no key start). A refusal is counted.
  Refusal beforeCheck(const AttemptKey* source, const AttemptKey* start, int64_t now);
  // After a key check that failed as a guess does (MALFORMED, NOT_FOUND).
  void checkFailed(const AttemptKey* source, const AttemptKey* start, int64_t now);

  // The link pages (sign-in and approver links, sign-in asks): when `source`'s block ends, or
  // 0 (a refusal is counted); and a failure to count.
  int64_t linkBlocked(const AttemptKey& source, int64_t now);
  void linkFailed(const AttemptKey& source, int64_t now);

  const AttemptTable& table(Table t) const { return *_tables[static_cast<int>(t)]; }
  const Clock& clock() const { return _clock; }
  // For /metrics: answers refused because of a block, blocks started, failures counted.
  uint64_t refusals(Table t) const { return _refusals[static_cast<int>(t)].load(); }
  uint64_t blocks(Table t) const { return _blocks[static_cast<int>(t)].load(); }
  uint64_t failures(Table t) const { return _failures[static_cast<int>(t)].load(); }
  // Audit rows dropped because the queue was full (the store was down for long).
  uint64_t auditDropped() const { return _dropped.load(); }

  // The audit writer: flushes queued episodes every second (and at stop()).
  void start();
  void stop();
  // Writes the queued episodes now (tests; the writer calls it). False when the store failed
  // (the episodes stay queued).
  bool flush();

 private:
  void counted(Table t, const AttemptKey& key, const AttemptTable::Counted& c, int64_t now);

  struct Episode {
    Table table;
    std::string key;
    int failures;
    int64_t at, firstSeen, until;
  };
  static constexpr size_t kMaxQueued = 4096;

  Store* _store;
  const Clock& _clock;
  const AbuseSettings _settings;
  std::array<std::unique_ptr<AttemptTable>, kTables> _tables;
  std::array<std::atomic<uint64_t>, kTables> _refusals{}, _blocks{}, _failures{};
  std::atomic<uint64_t> _dropped{0};
  std::mutex _queueMutex;
  std::vector<Episode> _queue;  // guarded by _queueMutex
  std::mutex _flushMutex;       // one flush at a time
  std::unique_ptr<BackgroundLoop> _writer;
};

}  // namespace keywarden::engine
