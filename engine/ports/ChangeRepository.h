#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::engine {

// One entry of the change feed: an object whose in-memory copy other instances must reload.
// `kind` is "key", "client" or "catalog" (`refId` empty); `origin` is the instance that wrote it.
struct Change {
  int64_t seq = 0;
  std::string kind;
  std::string refId;
  std::string origin;
  int64_t at = 0;
};

// The change feed that keeps several instances' caches coherent. Methods run inside the
// caller's Transaction.
class ChangeRepository {
 public:
  virtual ~ChangeRepository() = default;
  // Records a change in this transaction. All changes of one transaction share one sequence
  // number, drawn at the first record from a counter row that stays locked until commit — so
  // numbers become visible in commit order and a reader never sees a later one before an
  // earlier one. Repeats of one (kind, refId) in a transaction are recorded once.
  virtual void record(const std::string& kind, const std::string& refId, const std::string& origin,
                      int64_t at) = 0;
  // The same for many objects of one kind, in a few multi-row statements (a purge).
  virtual void recordMany(const std::string& kind, const std::vector<std::string>& refIds,
                          const std::string& origin, int64_t at) = 0;
  // Changes with a sequence number above `seq`, in order; at most about `limit` (never splits
  // one transaction's changes).
  virtual std::vector<Change> since(int64_t seq, int limit) = 0;
  // The last sequence number drawn (0 before any change).
  virtual int64_t latest() = 0;
  // Deletes changes older than `before` (epoch ms); returns how many.
  virtual int purge(int64_t before) = 0;
};

}  // namespace keywarden::engine
