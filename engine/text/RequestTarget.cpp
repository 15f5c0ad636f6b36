#include "engine/text/RequestTarget.h"

namespace keywarden::engine {

namespace {

// RFC 3986 §2.3.
bool isUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The reserved characters a path may hold raw that no server known to us gives a meaning in a
// path: sub-delims (RFC 3986 §2.2) without ';', and ':' '@' (pchar, §3.3).
bool isPlainReserved(unsigned char c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Why a raw byte of the path (before the query) is refused; nullptr when it is not.
const char* rawProblem(unsigned char c) {
  if (isUnreserved(c) || isPlainReserved(c) || c == '/') return nullptr;
  switch (c) {
    case ';':
      return "';' in the path (servlet containers cut the segment there)";
    case '\\':
      return "'\\' in the path (some servers read it as '/')";
    case '#':
      return "'#' in the path (servers disagree on where the path ends)";
    case '?':
      return "'?' in the path";
    case ' ':
      return "a space in the path";
    default:
      break;
  }
  if (c < 0x20 || c == 0x7f) return "a control character in the path";
  if (c >= 0x80)
    return "a non-ASCII byte in the path (it must be percent-encoded, and then it is "
           "refused too)";
  return "a character RFC 3986 does not allow in a path";
}

// Why an escape decoding to `v` is refused; nullptr when it is decoded.
const char* escapeProblem(unsigned char v) {
  if (isUnreserved(v) || isPlainReserved(v)) return nullptr;
  switch (v) {
    case '/':
      return "an encoded '/' (%2F)";
    case '\\':
      return "an encoded '\\' (%5C)";
    case '?':
      return "an encoded '?' (%3F)";
    case '#':
      return "an encoded '#' (%23)";
    case '%':
      return "an encoded '%' (%25, double encoding)";
    case ';':
      return "an encoded ';' (%3B)";
    case ' ':
      return "an encoded space (%20; some servers trim it)";
    default:
      break;
  }
  if (v < 0x20 || v == 0x7f) return "an encoded control character (%00-%1F, %7F)";
  if (v >= 0x80) return "an encoded non-ASCII byte (%80-%FF)";
  return "an encoded character that may not appear raw in a path";
}

// Checks `path` (starting with '/', without the query). Returns why it is refused, or nullptr;
// sets `escapes` when at least one escape is to be decoded.
const char* scan(std::string_view path, bool& escapes) {
  escapes = false;
  size_t segment = 0;    // decoded length of the current segment
  bool onlyDots = true;  // the current segment holds only '.' and '+'
  for (size_t i = 1; i < path.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(path[i]);
    if (c == '/') {
      if (segment == 0) return "an empty segment ('//')";
      if (onlyDots) return "a dot segment ('.', '..', or dots written otherwise)";
      segment = 0;
      onlyDots = true;
      continue;
    }
    if (c == '%') {
      int hi = i + 2 < path.size() ? hexValue(path[i + 1]) : -1;
      int lo = i + 2 < path.size() ? hexValue(path[i + 2]) : -1;
      if (hi < 0 || lo < 0) return "a '%' not followed by two hex digits";
      c = static_cast<unsigned char>(hi * 16 + lo);
      if (const char* why = escapeProblem(c)) return why;
      escapes = true;
      i += 2;
    } else if (const char* why = rawProblem(c)) {
      return why;
    }
    ++segment;
    if (c != '.' && c != '+') onlyDots = false;
  }
  if (segment > 0 && onlyDots) return "a dot segment ('.', '..', or dots written otherwise)";
  return nullptr;
}

// True when a server may read the query parameter `name` as `_method`: percent-decoded, '+' read
// as a space, in any case, after leading spaces (PHP drops them), '.' or a space read as '_' (PHP
// renames them), and up to anything that cannot
// continue a name (PHP cuts a name at NUL, reads `_method[x]` as `_method`).
bool isMethodParameter(std::string_view name) {
  static constexpr std::string_view kName = "_method";
  size_t k = 0;
  bool leading = true;
  for (size_t i = 0; i < name.size(); ++i) {
    int c = static_cast<unsigned char>(name[i]);
    if (c == '%' && i + 2 < name.size() && hexValue(name[i + 1]) >= 0 &&
        hexValue(name[i + 2]) >= 0) {
      c = hexValue(name[i + 1]) * 16 + hexValue(name[i + 2]);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (leading && c == ' ') continue;
    leading = false;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (k == kName.size()) {  // `_method` read: does the name go on?
      return !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
    if (c == '.' || c == ' ') c = '_';  // PHP reads '.' and a space in a name as '_'
    if (c != kName[k++]) return false;
  }
  return k == kName.size();
}

// True when the query holds a `_method` parameter, which method-override middleware (Express
// method-override, Symfony, Laravel) may take for the method of the call.
bool hasMethodParameter(std::string_view query) {
  size_t i = 0;
  while (i <= query.size()) {
    size_t end = query.find_first_of("&;", i);
    if (end == std::string_view::npos) end = query.size();
    std::string_view param = query.substr(i, end - i);
    if (isMethodParameter(param.substr(0, param.find('=')))) return true;
    i = end + 1;
  }
  return false;
}

}  // namespace

std::string_view RequestTarget::refusalName(Refusal r) {
  switch (r) {
    case Refusal::AmbiguousPath:
      return "AMBIGUOUS_PATH";
    case Refusal::AmbiguousMethod:
      return "AMBIGUOUS_METHOD";
    case Refusal::ConflictingHeaders:
      return "CONFLICTING_HEADERS";
    case Refusal::None:
      break;
  }
  return "";
}

std::string_view RequestTarget::refusalLabel(Refusal r) {
  switch (r) {
    case Refusal::AmbiguousPath:
      return "ambiguous_path";
    case Refusal::AmbiguousMethod:
      return "ambiguous_method";
    case Refusal::ConflictingHeaders:
      return "conflicting_headers";
    case Refusal::None:
      break;
  }
  return "";
}

void RequestTarget::refuse(Refusal reason, const char* why) {
  if (_refusal != Refusal::None || reason == Refusal::None) return;
  _refusal = reason;
  _why = why;
}

bool RequestTarget::parse(std::string_view raw) {
  if (!ok()) return false;
  if (raw.empty()) {
    refuse(Refusal::AmbiguousPath, "an empty request target");
    return false;
  }
  if (raw[0] != '/') {
    refuse(Refusal::AmbiguousPath, "a request target that does not start with '/'");
    return false;
  }
  size_t q = raw.find('?');  // the raw '?', before any decoding
  std::string_view path = raw.substr(0, q);
  bool escapes = false;
  if (const char* why = scan(path, escapes)) {
    refuse(Refusal::AmbiguousPath, why);
    return false;
  }
  if (q != std::string_view::npos && hasMethodParameter(raw.substr(q + 1))) {
    refuse(Refusal::AmbiguousMethod, "a _method query parameter (method override)");
    return false;
  }
  if (!escapes) {
    _path = path;
    return true;
  }
  _decoded.clear();
  _decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%') {
      _decoded.push_back(static_cast<char>(hexValue(path[i + 1]) * 16 + hexValue(path[i + 2])));
      i += 2;
    } else {
      _decoded.push_back(path[i]);
    }
  }
  _path = _decoded;
  return true;
}

bool RequestTarget::checkMethod(std::string_view method) {
  if (!ok()) return false;
  bool good = !method.empty() && method.size() <= 20;
  for (char c : method)
    if (!((c >= 'A' && c <= 'Z') || c == '_' || c == '-')) good = false;
  if (!good) {
    refuse(Refusal::AmbiguousMethod, "a method that is not an upper-case token");
    return false;
  }
  _method = method;
  return true;
}

bool RequestTarget::isNormal(std::string_view path) {
  bool escapes = false;
  return !path.empty() && path[0] == '/' && scan(path, escapes) == nullptr && !escapes;
}

}  // namespace keywarden::engine
