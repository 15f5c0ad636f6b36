#include "engine/audit/AuditChainVerifier.h"

namespace keywarden::engine {

namespace {
// How far from its stored seq a moved row is looked for (only once the chain is broken).
constexpr int64_t kMoveWindow = 64;

std::string shortHash(const std::string& h) {
  return h.size() > 16 ? h.substr(0, 16) + "…" : h;
}
}  // namespace

const char* auditBreakName(AuditBreak::Kind k) {
  switch (k) {
    case AuditBreak::Kind::HashMismatch:
      return "hash mismatch";
    case AuditBreak::Kind::Reordered:
      return "row reordered";
    case AuditBreak::Kind::Missing:
      return "row missing";
    case AuditBreak::Kind::Duplicate:
      return "duplicate row";
    case AuditBreak::Kind::BrokenLink:
      return "broken link";
    case AuditBreak::Kind::HeadMismatch:
      return "chain head mismatch";
    case AuditBreak::Kind::Unchained:
      return "unchained rows";
  }
  return "?";
}

bool AuditChainVerifier::fail(AuditBreak::Kind k, const ChainedAuditRow& r, std::string message) {
  AuditBreak b;
  b.kind = k;
  b.seq = r.seq;
  b.id = r.id;
  b.at = r.entry.at;
  b.message = std::move(message);
  _break = std::move(b);
  return false;
}

bool AuditChainVerifier::add(const ChainedAuditRow& r) {
  if (_break) return false;
  const int64_t expected = _lastSeq + 1;
  if (r.seq == _lastSeq && _rows > 0)
    return fail(AuditBreak::Kind::Duplicate, r,
                "seq " + std::to_string(r.seq) + " is also held by row " + _lastId);
  std::string computed = AuditChain::hashOf(r);
  if (computed != r.hash) {
    // Does the row's hash hold at another place? Then it was moved there, not edited.
    ChainedAuditRow moved = r;
    for (int64_t d = 1; d <= kMoveWindow; ++d) {
      for (int64_t s : {r.seq - d, r.seq + d}) {
        if (s < 1) continue;
        moved.seq = s;
        if (AuditChain::hashOf(moved) == r.hash)
          return fail(AuditBreak::Kind::Reordered, r,
                      "written as seq " + std::to_string(s) + ", now stored at seq " +
                          std::to_string(r.seq));
      }
    }
    return fail(AuditBreak::Kind::HashMismatch, r,
                "the stored fields do not give the stored hash (stored " + shortHash(r.hash) +
                    ", computed " + shortHash(computed) + "): the row was changed");
  }
  if (r.seq != expected) {
    std::string gap = r.seq - 1 == expected
                          ? "seq " + std::to_string(expected)
                          : "seq " + std::to_string(expected) + ".." + std::to_string(r.seq - 1);
    return fail(AuditBreak::Kind::Missing, r, gap + " absent before this row (deleted)");
  }
  if (r.prevHash != _lastHash)
    return fail(AuditBreak::Kind::BrokenLink, r,
                "prev_hash " + shortHash(r.prevHash) + " is not the hash of " +
                    (_rows ? "row " + _lastId + " (seq " + std::to_string(_lastSeq) + ")"
                           : std::string("the genesis value")) +
                    ", " + shortHash(_lastHash) + ": rows before it were replaced");
  ++_rows;
  _lastSeq = r.seq;
  _lastId = r.id;
  _lastHash = r.hash;
  return true;
}

bool AuditChainVerifier::finish(int64_t headSeq, const std::string& headHash) {
  if (_break) return false;
  if (headSeq == _lastSeq && headHash == _lastHash) return true;
  AuditBreak b;
  b.kind = AuditBreak::Kind::HeadMismatch;
  b.seq = headSeq > _lastSeq ? _lastSeq + 1 : _lastSeq;
  b.message = "the chain head is seq " + std::to_string(headSeq) + " " + shortHash(headHash) +
              " but the last row is seq " + std::to_string(_lastSeq) + " " + shortHash(_lastHash);
  if (headSeq > _lastSeq)
    b.message += ": seq " + std::to_string(_lastSeq + 1) +
                 (headSeq > _lastSeq + 1 ? ".." + std::to_string(headSeq) : "") +
                 " absent (deleted from the end)";
  else
    b.id = _lastId;
  _break = std::move(b);
  return false;
}

bool AuditChainVerifier::checkUnchained(int64_t found, int64_t recorded, const std::string& lateId,
                                        int64_t lateAt) {
  if (_break) return false;
  AuditBreak b;
  b.kind = AuditBreak::Kind::Unchained;
  if (!lateId.empty()) {
    b.id = lateId;
    b.at = lateAt;
    b.message = "a row without a place in the chain (seq 0) is dated after the chain began";
  } else if (found != recorded) {
    b.message = std::to_string(found) + " rows from before the chain, " + std::to_string(recorded) +
                " when the chain began: rows from before the chain were " +
                (found < recorded ? "deleted" : "added");
  } else {
    return true;
  }
  _break = std::move(b);
  return false;
}

}  // namespace keywarden::engine
