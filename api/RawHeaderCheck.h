#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "api/HeaderFields.h"
#include "api/RequestFraming.h"

namespace keywarden::api {

// Checks the raw bytes of one request's line and header block — exactly the bytes Poco 1.11's
// HTTPRequest::read consumed for it — for what Poco reads one way and an upstream (or a front
// proxy) may read another, before any handler sees the request. Poco's parsed header cannot
// show these: after MessageHeader::read the raw bytes are gone. It refuses:
// - a value holding `=?`: MessageHeader::read passes every value through
//   MessageHeader::decodeWord (RFC 2047), so `X-Original-URI: /orders/=?UTF-8?Q?1?=` reaches
//   the gate as `/orders/1` while the upstream serves `/orders/=?UTF-8?Q?1?=`. decodeWord
//   rewrites every value that holds `=?` — it decodes `=?charset?Q|B?text?=` and drops a `=?`
//   that starts no encoded word (`q=?x` becomes `qx`) — so refusing any `=?` refuses exactly
//   the values Poco would alter; field = the header's name;
// - a 0xFF byte in the request line or a value: Poco 1.11 drops it (it reads the byte as EOF),
//   so `/files/a\xFF` was judged as `/files/a`; field = the header's name, or "" on the request
//   line;
// - a header line without a colon (Poco drops it silently; another parser may not); field "";
// - obsolete line folding, a line starting with SP or HTAB (RFC 9112 §5.2: Poco unfolds it,
//   nginx refuses it); field = the folded header's name;
// - a line ending other than CRLF: a bare LF (Poco accepts it, RFC 9112 §2.2 lets a recipient
//   refuse) or a bare CR (RFC 9112 §2.2); field = the header's name, or "" on the request line;
// - a request line other than `method SP target SP version CRLF` (Poco splits on any run of
//   white space and ignores what follows the version), and white space other than empty lines
//   (CRLF) before it (RFC 9112 §2.2);
// - a header name that is not a token (RFC 9110 §5.1);
// - a block whose empty line is not its last line: Poco's header stream ended somewhere a strict
//   parser does not (Poco 1.11 ends it after any 2-byte line chunk, e.g. at a 4092-byte line).
// Every refusal is a 400 with code BAD_HEADER (header lines) or BAD_REQUEST (request line and
// block). Pure function over bytes: one pass, no allocation but the refusal's.
// Thread-safe.
class RawHeaderCheck {
 public:
  // The most header fields a request may have: Poco 1.11's MessageHeader limit (more is 431),
  // kept on both listeners.
  static constexpr size_t kMaxFields = 100;
  // What a sound block holds, as views into it: filled when check() is given one (the
  // event-driven gateway listener reads requests this way instead of through Poco).
  struct Head {
    std::string_view method, target, version;
    std::array<HeaderField, kMaxFields> fields;
    size_t count = 0;
    bool tooMany = false;  // more than kMaxFields fields (the first kMaxFields are kept)
    // Refused because a name is not a token: the fields up to that one (it included) are kept,
    // since RequestFraming, which runs first on http.port, answers that case there.
    bool nameNotToken = false;
    HeaderFields view() const { return HeaderFields(fields.data(), count); }
  };

  // `data`/`size`: the request's bytes from its first byte (leading empty lines included) to the
  // end of the empty line that ends its header. nullopt when they are sound.
  // With `head`, also records the request line's parts and each field (name, and value trimmed
  // as Poco trims it); `head` is meaningful only when the block is sound.
  static std::optional<FramingRefusal> check(const char* data, size_t size, Head* head = nullptr);
};

}  // namespace keywarden::api
