#include "engine/cluster/ChangeFollower.h"

#include <Poco/Logger.h>

#include <set>
#include <utility>
#include <vector>

namespace keywarden::engine {

namespace {
constexpr int kBatch = 1000;
constexpr int64_t kPurgeEvery = 600'000;
}  // namespace

ChangeFollower::ChangeFollower(Store& store, const Clock& clock, FollowerTargets targets,
                               int64_t intervalMs, int64_t keepMs)
    : _store(store),
      _clock(clock),
      _targets(std::move(targets)),
      _intervalMs(intervalMs),
      _keepMs(keepMs),
      _loop("kw-changes", intervalMs, [this] { return step(); }) {}

ChangeFollower::~ChangeFollower() {
  stop();
}

void ChangeFollower::mark() {
  _store.read([&](Transaction& tx) { _seq = tx.changes().latest(); });
}

void ChangeFollower::start() {
  _loop.start();
}

void ChangeFollower::stop() {
  _loop.stop();
}

size_t ChangeFollower::poll() {
  size_t applied = 0;
  while (true) {
    std::vector<Change> changes;
    _store.read([&](Transaction& tx) { changes = tx.changes().since(_seq, kBatch); });
    if (changes.empty()) return applied;
    // Sequence numbers are dense and become visible in commit order: a jump means the changes
    // in between were purged before we read them.
    if (changes.front().seq > _seq + 1) {
      // Purged before we read them (this instance fell behind by more than the feed keeps):
      // reload everything rather than miss a revocation.
      Poco::Logger::get("keywarden.changes")
          .warning("change feed moved past sequence %Ld; reloading every key", _seq);
      _targets.reloadAll();
    }
    std::set<std::string> keys, clients;
    bool catalog = false;
    for (const auto& c : changes) {
      // Changes of this instance too: its cache followed them at commit, but a COMMIT that
      // failed on the way back after the server committed ran no hook. Reloading is harmless.
      auto kind = parseChangeKind(c.kind);
      if (!kind) continue;  // written by a newer version: nothing this one caches
      switch (*kind) {
        case ChangeKind::Key:
          keys.insert(c.refId);
          break;
        case ChangeKind::Client:
          clients.insert(c.refId);
          break;
        case ChangeKind::Catalog:
          catalog = true;
          break;
        case ChangeKind::Token:
          _targets.forgetToken(c.refId);  // revoked: looked up again, and refused
          break;
      }
    }
    if (!keys.empty() || !clients.empty() || catalog) {
      // A write transaction (it writes nothing), so the read is ordered with this instance's
      // own changes; their cache updates may still land in either order, which row versions
      // (keys), updatedAt (clients) and generations (catalog) resolve. Not ordered: a purge
      // whose removal lands first can see a just-read key put back (revoked or expired, so
      // refused all the same) until the next restart.
      std::vector<std::string> keyIds(keys.begin(), keys.end());
      // Outside the transaction: the cache's lock is never taken under the store's (lock
      // order, KeyService::leaseCounts).
      std::vector<uint64_t> leaseCounts = _targets.leaseCounts(keyIds);
      _store.write([&](Transaction& tx) {
        _targets.reload(tx, keyIds, leaseCounts,
                        std::vector<std::string>(clients.begin(), clients.end()), catalog);
      });
      // A changed quota applies to the next check here already (the reload stopped serving the
      // units leased under the old one); handing those back makes the stored count exact for
      // every instance's GET /v1/keys/{id}.
      _targets.returnOwed(keyIds);
    }
    _seq = changes.back().seq;
    applied += changes.size();
  }
}

int64_t ChangeFollower::step() {
  try {
    poll();
    int64_t now = _clock.nowMs();
    if (now >= _nextPurge) {
      _nextPurge = now + kPurgeEvery;
      _store.write([&](Transaction& tx) { tx.changes().purge(now - _keepMs); });
    }
  } catch (const std::exception& e) {
    Poco::Logger::get("keywarden.changes").error("change feed: %s", std::string(e.what()));
  }
  return _intervalMs;
}

}  // namespace keywarden::engine
