#include "engine/text/Validation.h"

#include <cstdio>

#include "engine/base/Ids.h"
#include "engine/text/Utf8.h"

namespace keywarden::engine {

std::optional<Error> Validation::text(const std::string& f, const std::string& v, size_t maxChars,
                                      bool multiline) {
  if (!Utf8::valid(v)) return Error::badInput(f, f + " is not valid UTF-8");
  if (Utf8::hasControl(v, multiline)) {
    // Name the first one: C0 controls and DEL are one byte, C1 controls are C2 80..C2 9F.
    char code[16] = "";
    for (size_t i = 0; i < v.size() && !code[0]; ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      const auto next = i + 1 < v.size() ? static_cast<unsigned char>(v[i + 1]) : 0;
      if ((c < 0x20 || c == 0x7F) && !(multiline && (c == '\t' || c == '\n' || c == '\r')))
        snprintf(code, sizeof code, " U+%04X", static_cast<unsigned>(c));
      else if (c == 0xC2 && next >= 0x80 && next <= 0x9F)
        snprintf(code, sizeof code, " U+%04X", static_cast<unsigned>(next));
      else if (!multiline && c == 0xE2 && next == 0x80 && i + 2 < v.size() &&
               (static_cast<unsigned char>(v[i + 2]) & 0xFE) == 0xA8)
        snprintf(code, sizeof code, " U+%04X",
                 0x2000u + (static_cast<unsigned char>(v[i + 2]) - 0x80));
    }
    return Error::badInput(f, f + " holds the control character" + code +
                                  (multiline ? "; only tab and line breaks may appear" : ""));
  }
  if (size_t n = Utf8::length(v); n > maxChars)
    return Error::badInput(f, f + " is longer than " + std::to_string(maxChars) +
                                  " characters (it has " + std::to_string(n) + ")");
  return std::nullopt;
}

std::optional<Error> Validation::name(const std::string& f, const std::string& v, bool required) {
  if (v.empty() && required) return Error::badInput(f, f + " is required", "MISSING_FIELD");
  return text(f, v, 200, false);
}

std::optional<Error> Validation::id(const std::string& f, const std::string& v) {
  if (!Ids::valid(v))
    return Error::badInput(f,
                           f + " must be 1-64 characters of letters, digits, '.', '_', ':' or '-'");
  return std::nullopt;
}

std::optional<Error> Validation::tenant(const std::string& f, const std::string& v) {
  if (!Ids::validTenant(v))
    return Error::badInput(f, f + " must be 1-64 characters of a-z, 0-9, '_' or '-'");
  return std::nullopt;
}

namespace {
bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
// RFC 5322 §3.2.3 atext.
bool isAtext(char c) {
  static const std::string extra = "!#$%&'*+-/=?^_`{|}~";
  return isAlnum(c) || extra.find(c) != std::string::npos;
}
bool dotAtom(const std::string& s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (s[i + 1] == '.') return false;
    } else if (!isAtext(s[i])) {
      return false;
    }
  }
  return true;
}
// RFC 5321 §4.1.2 Domain: sub-domains of letters, digits and inner hyphens, each 1-63.
bool domain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    std::string label = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!isAlnum(c) && c != '-') return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}
}  // namespace

std::optional<Error> Validation::email(const std::string& f, const std::string& v) {
  auto at = v.rfind('@');
  bool ok = v.size() <= 254 && at != std::string::npos && at <= 64 && dotAtom(v.substr(0, at)) &&
            domain(v.substr(at + 1));
  if (!ok)
    return Error::badInput(f, f + " is not an e-mail address (expected local@domain: ASCII "
                                  "letters, digits and . _ - + and the like; no spaces, "
                                  "quotes, controls, '<', '>' or ',')");
  return std::nullopt;
}

std::optional<Error> Validation::token(const std::string& f, const std::string& v) {
  if (v.empty() || v.size() > 128 || v.find_first_of(" \t\r\n\"") != std::string::npos ||
      !Utf8::valid(v) || Utf8::hasControl(v, false))
    return Error::badInput(f, f + " must be 1-128 characters without spaces, quotes or controls");
  return std::nullopt;
}

bool Validation::isScope(const std::string& v) {
  if (v.empty() || v.size() > 128) return false;
  for (char c : v)
    if (!isAlnum(c) && c != ':' && c != '.' && c != '_' && c != '-' && c != '*' && c != '/')
      return false;
  return true;
}

std::optional<Error> Validation::scope(const std::string& f, const std::string& v) {
  if (!isScope(v))
    return Error::badInput(f, f + " must be 1-128 characters of letters, digits and : . _ - * / "
                                  "(a scope never holds ',', spaces or control characters)");
  return std::nullopt;
}

std::optional<Error> Validation::scopes(const std::string& f, const std::vector<std::string>& v) {
  if (v.size() > 256) return Error::badInput(f, f + " holds more than 256 scopes");
  for (size_t i = 0; i < v.size(); ++i)
    if (!isScope(v[i]))
      return Error::badInput(f, f + "[" + std::to_string(i) +
                                    "] is not a scope: a scope is 1-128 characters of letters, "
                                    "digits and : . _ - * / (never ',', spaces or controls)");
  return std::nullopt;
}

}  // namespace keywarden::engine
