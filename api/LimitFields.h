#pragma once

#include <cstdint>

#include "api/BodyReader.h"
#include "engine/model/Key.h"

namespace keywarden::api {

// Reads a key's `refill` {amount, interval} and `rateLimit` {limit, window} objects, the one
// way POST /v1/keys and a modify application's `changes` both read them: strict fields, the
// same ranges, errors naming the JSON path (`refill.amount`, `changes.rateLimit.limit`).
// Absent or null fields leave the outputs alone; callers that give null a meaning check
// BodyReader::isNull first. Errors land in `parent` (BodyReader::error). Not thread-safe
// (a reader belongs to one request).
class LimitFields {
 public:
  // refill: amount in [1, Validation::kMaxQuota], interval "daily" or "monthly".
  static void refill(BodyReader& parent, int64_t& amount, engine::RefillInterval& interval);
  // rateLimit: limit in [1, 1e9] calls, window a duration (engine::Duration) → milliseconds.
  static void rateLimit(BodyReader& parent, int64_t& limit, int64_t& windowMs);
};

}  // namespace keywarden::api
