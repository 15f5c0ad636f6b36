#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>
#include <string_view>

#include "engine/base/Error.h"

namespace keywarden::engine {

// Parses one JSON text (RFC 8259) strictly into Poco's JSON types, so that nothing a client
// sends is silently altered on the way in:
//  - the grammar exactly: no byte order mark (§8.1), no trailing text, no leading zeros, no
//    comments, whitespace only as §2 allows;
//  - every string well-formed UTF-8 (raw bytes and \u escapes alike; a lone surrogate is
//    refused), no U+0000 anywhere, no control character in a member name;
//  - no member name twice in one object (§4 leaves duplicates undefined);
//  - integers (no fraction, no exponent) within int64, stored as Poco::Int64; other numbers
//    finite, stored as double;
//  - nesting at most kMaxDepth arrays and objects.
// Values map to: object → Poco::JSON::Object::Ptr, array → Poco::JSON::Array::Ptr, string →
// std::string, integer → Poco::Int64, other number → double, true/false → bool, null → empty Var.
// Errors are BadInput: INVALID_JSON (syntax, no field) or INVALID_FIELD naming the member by
// its dotted path (`refill.amount`; array positions are named in the message only). Messages
// never quote the input's bytes, so they are always valid UTF-8. Stateless; thread-safe.
class StrictJson {
 public:
  static constexpr int kMaxDepth = 32;
  struct Parsed {
    Poco::Dynamic::Var value;
    std::optional<Error> error;
  };
  static Parsed parse(std::string_view text);
};

}  // namespace keywarden::engine
