#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/audit/AuditChain.h"

namespace keywarden::engine {

// Where and how a chain breaks: the first row that does not hold, and why.
struct AuditBreak {
  enum class Kind {
    HashMismatch,  // the row's fields are not the ones its hash was computed over (changed)
    Reordered,     // the row's hash holds for another seq: the row was moved
    Missing,       // seq numbers are skipped before this row (rows deleted)
    Duplicate,     // two rows claim the same seq (a row inserted or copied)
    BrokenLink,    // prevHash is not the hash of the row before (rows replaced or renumbered)
    HeadMismatch,  // the chain head (seq and hash of the last row written) disagrees with the
                   // rows: rows deleted from the end, or the head rewritten
    Unchained,     // rows without a place in the chain: count or time differ from what the
                   // migration that started the chain recorded
  };
  Kind kind = Kind::HashMismatch;
  int64_t seq = 0;
  std::string id;       // the row named; empty when it is missing
  int64_t at = 0;       // its time (epoch ms); 0 when unknown
  std::string message;  // one line, what differs
};

const char* auditBreakName(AuditBreak::Kind k);

// Recomputes the chain over rows given in (seq, id) order, as they are read (the whole trail
// need not fit in memory), and stops at the first break. Not thread-safe.
class AuditChainVerifier {
 public:
  // Returns false (and keeps the break) at the first row that does not hold; later rows are
  // ignored.
  bool add(const ChainedAuditRow& r);
  // After the last row: checks that the rows end where the chain head says (`headSeq`,
  // `headHash`; 0 and the genesis value for an empty chain).
  bool finish(int64_t headSeq, const std::string& headHash);
  // Rows from before the chain (seq 0): `found` now, `recorded` by the migration; `lateId`/
  // `lateAt` a seq-0 row written after the chain began, if any.
  bool checkUnchained(int64_t found, int64_t recorded, const std::string& lateId, int64_t lateAt);

  const std::optional<AuditBreak>& broken() const { return _break; }
  int64_t rows() const { return _rows; }
  int64_t lastSeq() const { return _lastSeq; }
  const std::string& lastHash() const { return _lastHash; }

 private:
  bool fail(AuditBreak::Kind k, const ChainedAuditRow& r, std::string message);

  std::optional<AuditBreak> _break;
  int64_t _rows = 0;
  int64_t _lastSeq = 0;
  std::string _lastId;
  std::string _lastHash = AuditChain::genesis();
};

}  // namespace keywarden::engine
