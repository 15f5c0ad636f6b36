#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace keywarden::engine {

// The method and path of the call a gateway asks about, in the one form Keywarden judges — or
// the reason it refuses to judge them. The rule (docs/GATEWAY-PATHS.md, whose table is this
// class's test) is: Keywarden judges a call only when every upstream it may stand in front of
// would serve the same path; otherwise the call is refused (FORBIDDEN), never matched.
//
// Path (RFC 3986 §3.3, §6.2.2; the dot segments of §5.2.4 are refused, not removed):
//   1. the target must be origin-form: it starts with '/' (absolute-form, authority-form,
//      `*` and empty targets are refused);
//   2. the query is cut at the first RAW '?', before any decoding — so an encoded `%3F` stays
//      in the path, where it is refused below;
//   3. escapes of unreserved characters (ALPHA DIGIT - . _ ~) and of `! $ & ' ( ) * + , = : @`
//      are decoded (every server reads them the same way); an escape of anything else is
//      refused: `%2F` `%5C` `%3F` `%23` `%25` (double encoding) `%3B`, space, controls, DEL,
//      bytes ≥ 0x80 (including overlong or valid UTF-8) and `" < > [ ] ^ \` { | }`;
//   4. raw characters outside RFC 3986's path set are refused, and so are `;` (servlet path
//      parameters), `\` (a separator on some servers) and `#`;
//   5. after decoding, a segment of only dots and plus signs (`.`, `..`, `...`, `%2e%2e`,
//      `.+`) and an empty segment (`//`, except one trailing `/`) are refused.
// What remains is a path of unreserved characters, `! $ & ' ( ) * + , = : @` and `/`, with no
// escape left: nginx, Python, Go, Node, Tomcat, Envoy and Traefik all serve it as it reads.
//
// Method (RFC 9110 §9.1: methods are case-sensitive tokens): 1–20 of `A-Z`, `_` and `-`; and
// a query holding a `_method` parameter (any case, even encoded) is refused, since
// method-override middleware may serve that method instead.
//
// Allocation: none, unless an escape is decoded (then one string of the path's size).
// Not thread-safe; one object per request. `path()` and `method()` view the strings given to
// parse/checkMethod (or the object's own buffer): keep those alive while they are used.
class RequestTarget {
 public:
  // Why a call was refused; the names are what the API and the metrics show.
  enum class Refusal : uint8_t {
    None = 0,
    AmbiguousPath,       // AMBIGUOUS_PATH: the upstream could serve another path
    AmbiguousMethod,     // AMBIGUOUS_METHOD: not an upper-case token, or not given
    ConflictingHeaders,  // CONFLICTING_HEADERS: duplicated or disagreeing gateway headers
  };
  static constexpr int kRefusalCount = 4;
  // "AMBIGUOUS_PATH", …; "" for None.
  static std::string_view refusalName(Refusal r);
  // "ambiguous_path", … (Prometheus label values); "" for None.
  static std::string_view refusalLabel(Refusal r);

  // Reads a raw request target (path, optional `?query`). Returns false (and refuses) when
  // it is not one the rule above accepts. A target refused earlier stays refused.
  bool parse(std::string_view rawTarget);
  // Checks a method. Returns false (and refuses) when it is not an upper-case token.
  bool checkMethod(std::string_view method);
  // Refuses with `reason`; `why` is a static text for the log (never the input itself).
  // The first refusal wins.
  void refuse(Refusal reason, const char* why);

  bool ok() const { return _refusal == Refusal::None; }
  Refusal refusal() const { return _refusal; }
  // A short static explanation of the refusal, for the log; "" when ok().
  const char* why() const { return _why; }
  // The normalised path (no query, no escape left). REQUIRES: parse() returned true.
  std::string_view path() const { return _path; }
  std::string_view method() const { return _method; }

  // The path part of a normalised target: true when parse(path) would accept `path` and leave
  // it unchanged. Allocates nothing.
  static bool isNormal(std::string_view path);

 private:
  std::string_view _path;
  std::string_view _method;
  std::string _decoded;  // used only when an escape was decoded
  Refusal _refusal = Refusal::None;
  const char* _why = "";
};

}  // namespace keywarden::engine
