#include "engine/text/StrictJson.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

#include "engine/text/Utf8.h"

namespace keywarden::engine {

namespace {

// Thrown inside the parser only; parse() turns it into an Error value.
struct Failure {
  Error error;
};

class Parser {
 public:
  explicit Parser(std::string_view t) : _t(t) {}

  Poco::Dynamic::Var document() {
    if (_t.size() >= 3 && _t.substr(0, 3) == "\xEF\xBB\xBF")
      syntax("the body starts with a byte order mark (U+FEFF); send JSON without one");
    ws();
    Poco::Dynamic::Var v = value("", 0);
    ws();
    if (_i != _t.size()) syntax("unexpected text after the JSON value at byte " + pos());
    return v;
  }

 private:
  [[noreturn]] void syntax(const std::string& m) {
    throw Failure{Error::badInput("", "the body is not valid JSON: " + m, "INVALID_JSON")};
  }
  [[noreturn]] void field(const std::string& path, const std::string& where, const std::string& m) {
    throw Failure{
        Error::badInput(path, (where.empty() ? std::string("the body") : where) + " " + m)};
  }
  std::string pos() const { return std::to_string(_i); }
  bool end() const { return _i >= _t.size(); }
  char peek() const { return end() ? '\0' : _t[_i]; }
  void ws() {
    while (!end() && (_t[_i] == ' ' || _t[_i] == '\t' || _t[_i] == '\n' || _t[_i] == '\r')) ++_i;
  }
  void expect(char c) {
    if (peek() != c) syntax(std::string("expected '") + c + "' at byte " + pos());
    ++_i;
  }
  void literal(std::string_view word) {
    if (_t.substr(_i, word.size()) != word) syntax("unexpected character at byte " + pos());
    _i += word.size();
  }

  // `path` names the member for errors (dotted, without array positions); `where` is the same
  // with positions, for messages.
  Poco::Dynamic::Var value(const std::string& path, int depth, const std::string& where = "") {
    if (end()) syntax("unexpected end of the body");
    char c = peek();
    if (c == '{') return object(path, where, depth + 1);
    if (c == '[') return array(path, where, depth + 1);
    if (c == '"') return string(path, where, false);
    if (c == 't') return literal("true"), Poco::Dynamic::Var(true);
    if (c == 'f') return literal("false"), Poco::Dynamic::Var(false);
    if (c == 'n') return literal("null"), Poco::Dynamic::Var();
    if (c == '-' || (c >= '0' && c <= '9')) return number(path, where);
    syntax("unexpected character at byte " + pos());
  }

  void checkDepth(int depth) {
    if (depth > StrictJson::kMaxDepth)
      syntax("arrays and objects are nested deeper than " + std::to_string(StrictJson::kMaxDepth) +
             " levels");
  }

  Poco::Dynamic::Var object(const std::string& path, const std::string& where, int depth) {
    checkDepth(depth);
    expect('{');
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    std::set<std::string> seen;
    ws();
    if (peek() == '}') return ++_i, Poco::Dynamic::Var(o);
    for (;;) {
      ws();
      if (peek() != '"') syntax("expected a member name at byte " + pos());
      std::string name = string(path, where, true).extract<std::string>();
      std::string childPath = path.empty() ? name : path + "." + name;
      std::string childWhere = where.empty() ? name : where + "." + name;
      if (!seen.insert(name).second)
        field(childPath, childWhere, "appears twice; each member may appear once");
      ws();
      expect(':');
      ws();
      o->set(name, value(childPath, depth, childWhere));
      ws();
      if (peek() == ',') {
        ++_i;
        continue;
      }
      expect('}');
      return o;
    }
  }

  Poco::Dynamic::Var array(const std::string& path, const std::string& where, int depth) {
    checkDepth(depth);
    expect('[');
    Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
    ws();
    if (peek() == ']') return ++_i, Poco::Dynamic::Var(a);
    for (;;) {
      ws();
      std::string childWhere = where + "[" + std::to_string(a->size()) + "]";
      a->add(value(path, depth, childWhere));
      ws();
      if (peek() == ',') {
        ++_i;
        continue;
      }
      expect(']');
      return a;
    }
  }

  unsigned hex4() {
    if (_i + 4 > _t.size()) syntax("a \\u escape needs four hex digits at byte " + pos());
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = _t[_i++];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= static_cast<unsigned>(h - 'A' + 10);
      else
        syntax("a \\u escape needs four hex digits at byte " + pos());
    }
    return v;
  }

  Poco::Dynamic::Var string(const std::string& path, const std::string& where, bool isName) {
    expect('"');
    std::string out;
    // For a member name the error names the object that holds it.
    auto bad = [&](const std::string& m) {
      if (isName) field(path, where.empty() ? "" : where, "holds a member name that " + m);
      field(path, where, m);
    };
    for (;;) {
      if (end()) syntax("a string is not closed");
      auto c = static_cast<unsigned char>(_t[_i]);
      if (c == '"') {
        ++_i;
        break;
      }
      if (c < 0x20) syntax("a control character must be escaped in a string, at byte " + pos());
      if (c == '\\') {
        ++_i;
        if (end()) syntax("a string is not closed");
        char e = _t[_i++];
        switch (e) {
          case '"':
            out.push_back('"');
            break;
          case '\\':
            out.push_back('\\');
            break;
          case '/':
            out.push_back('/');
            break;
          case 'b':
            out.push_back('\b');
            break;
          case 'f':
            out.push_back('\f');
            break;
          case 'n':
            out.push_back('\n');
            break;
          case 'r':
            out.push_back('\r');
            break;
          case 't':
            out.push_back('\t');
            break;
          case 'u': {
            unsigned cp = hex4();
            if (cp >= 0xDC00 && cp <= 0xDFFF) bad("holds a lone UTF-16 surrogate escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (_t.substr(_i, 2) != "\\u") bad("holds a lone UTF-16 surrogate escape");
              _i += 2;
              unsigned lo = hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) bad("holds a lone UTF-16 surrogate escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) bad("holds the NUL character (U+0000), which is not allowed");
            Utf8::append(out, cp);
            break;
          }
          default:
            syntax("unknown escape in a string at byte " + pos());
        }
        continue;
      }
      size_t n = Utf8::sequenceAt(_t, _i);
      if (n == 0) bad("is not valid UTF-8");
      out.append(_t.substr(_i, n));
      _i += n;
    }
    if (isName && Utf8::hasControl(out, false)) bad("holds a control character");
    return out;
  }

  Poco::Dynamic::Var number(const std::string& path, const std::string& where) {
    size_t start = _i;
    if (peek() == '-') ++_i;
    auto digit = [&] { return !end() && _t[_i] >= '0' && _t[_i] <= '9'; };
    if (!digit()) syntax("a number needs digits at byte " + pos());
    if (_t[_i] == '0') {
      ++_i;
      if (digit()) syntax("a number may not start with 0 at byte " + pos());
    } else {
      while (digit()) ++_i;
    }
    bool integral = true;
    if (peek() == '.') {
      integral = false;
      ++_i;
      if (!digit()) syntax("a fraction needs digits at byte " + pos());
      while (digit()) ++_i;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++_i;
      if (peek() == '+' || peek() == '-') ++_i;
      if (!digit()) syntax("an exponent needs digits at byte " + pos());
      while (digit()) ++_i;
    }
    std::string text(_t.substr(start, _i - start));
    errno = 0;
    if (integral) {
      long long v = std::strtoll(text.c_str(), nullptr, 10);
      if (errno == ERANGE)
        field(path, where,
              "is out of range: integers must lie between -9223372036854775808 and "
              "9223372036854775807");
      return Poco::Dynamic::Var(static_cast<Poco::Int64>(v));
    }
    double d = std::strtod(text.c_str(), nullptr);
    // Beyond double's range either way (1e400 or 1e-400): it would be stored as infinity or
    // rounded to another value, so it is refused instead.
    if (errno == ERANGE || !std::isfinite(d))
      field(path, where, "is a number out of range (beyond a 64-bit floating-point number)");
    return Poco::Dynamic::Var(d);
  }

  std::string_view _t;
  size_t _i = 0;
};

}  // namespace

StrictJson::Parsed StrictJson::parse(std::string_view text) {
  Parsed out;
  try {
    out.value = Parser(text).document();
  } catch (const Failure& f) {
    out.error = f.error;
  }
  return out;
}

}  // namespace keywarden::engine
