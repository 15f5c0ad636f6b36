#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keywarden::engine {

// What a change-feed entry is about; stored as its name (changeKindName).
enum class ChangeKind {
  Key,      // a key's definition or state: reload it into the check path's cache
  Client,   // a client: reload it
  Catalog,  // the API catalog (APIs and groups), refId empty: recompile it
  Token,    // an access token revoked: forget it (engine/access)
};
constexpr const char* changeKindName(ChangeKind k) {
  switch (k) {
    case ChangeKind::Key:
      return "key";
    case ChangeKind::Client:
      return "client";
    case ChangeKind::Catalog:
      return "catalog";
    case ChangeKind::Token:
      return "token";
  }
  return "";
}
// The kind a stored name stands for; nullopt for a name this version does not know (written
// by a newer instance during a rolling upgrade: skipped).
inline std::optional<ChangeKind> parseChangeKind(const std::string& name) {
  for (ChangeKind k : {ChangeKind::Key, ChangeKind::Client, ChangeKind::Catalog, ChangeKind::Token})
    if (name == changeKindName(k)) return k;
  return std::nullopt;
}

// One entry of the change feed: an object whose in-memory copy other instances must reload.
// `kind` is a changeKindName; `origin` is the instance that wrote it.
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
  void record(ChangeKind kind, const std::string& refId, const std::string& origin, int64_t at) {
    record(std::string(changeKindName(kind)), refId, origin, at);
  }
  // The same for many objects of one kind, in a few multi-row statements (a purge).
  virtual void recordMany(const std::string& kind, const std::vector<std::string>& refIds,
                          const std::string& origin, int64_t at) = 0;
  void recordMany(ChangeKind kind, const std::vector<std::string>& refIds,
                  const std::string& origin, int64_t at) {
    recordMany(std::string(changeKindName(kind)), refIds, origin, at);
  }
  // Changes with a sequence number above `seq`, in order; at most about `limit` (never splits
  // one transaction's changes).
  virtual std::vector<Change> since(int64_t seq, int limit) = 0;
  // The last sequence number drawn (0 before any change).
  virtual int64_t latest() = 0;
  // Deletes changes older than `before` (epoch ms); returns how many.
  virtual int purge(int64_t before) = 0;
};

}  // namespace keywarden::engine
