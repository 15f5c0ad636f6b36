#include "mail/MimeEncoding.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace keywarden::mail {

namespace {
const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD
const size_t kMaxHeaderLine = 78;           // RFC 5322 §2.1.1 SHOULD
const size_t kMaxQpLine = 76;               // RFC 2045 §6.7 rule 5
const size_t kMaxWord = 75;                 // RFC 2047 §2

// Length of the UTF-8 character whose lead byte is `c` (input already sanitized).
size_t charLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c < 0xE0) return 2;
  if (c < 0xF0) return 3;
  return 4;
}

std::string base64(const std::string& in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += abc[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += abc[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

size_t base64Length(size_t bytes) {
  return (bytes + 2) / 3 * 4;
}

// Sanitized UTF-8, control characters (CR and LF included) turned into spaces, trimmed.
std::string headerText(const std::string& text) {
  std::string v = MimeEncoding::sanitizeUtf8(text);
  for (char& c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  size_t b = v.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return v.substr(b, v.find_last_not_of(' ') - b + 1);
}

bool plainAscii(const std::string& v) {
  for (char c : v)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return v.find("=?") == std::string::npos;
}

// `Name: tok tok`, folded (CRLF SP) before a token that would pass 78 characters.
std::string layout(const std::string& name, const std::vector<std::string>& tokens) {
  std::string out = name + ":";
  size_t lineLength = out.size();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && lineLength + 1 + tokens[i].size() > kMaxHeaderLine) {
      out += "\r\n";
      lineLength = 0;
    }
    out += " " + tokens[i];
    lineLength += 1 + tokens[i].size();
  }
  return out + "\r\n";
}

size_t longestLine(const std::string& s) {
  size_t longest = 0, start = 0;
  for (size_t at; (at = s.find("\r\n", start)) != std::string::npos; start = at + 2)
    longest = std::max(longest, at - start);
  return std::max(longest, s.size() - start);
}

// Words separated by single spaces; a token carries any further spaces in front of its word, so
// unfolding gives back the text exactly and no folded line is only white space.
std::vector<std::string> plainTokens(const std::string& v) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < v.size()) {
    size_t start = i;
    while (i < v.size() && v[i] == ' ') ++i;
    while (i < v.size() && v[i] != ' ') ++i;
    tokens.push_back(v.substr(start, i - start));
    if (i < v.size()) ++i;
  }
  return tokens;
}

bool isLabel(const std::string& l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  for (char c : l)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

// Labels separated by dots; at least `minLabels` of them.
bool isDomain(const std::string& d, size_t minLabels) {
  if (d.empty() || d.size() > 253) return false;
  size_t labels = 0, start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    if (!isLabel(d.substr(start, dot == std::string::npos ? std::string::npos : dot - start)))
      return false;
    ++labels;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels >= minLabels;
}

bool isAddressLiteral(const std::string& d) {
  if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
  std::string inner = d.substr(1, d.size() - 2);
  unsigned char buf[16];
  if (inner.rfind("IPv6:", 0) == 0) return inet_pton(AF_INET6, inner.c_str() + 5, buf) == 1;
  return inet_pton(AF_INET, inner.c_str(), buf) == 1;
}
}  // namespace

namespace {
// The length of the well-formed UTF-8 character (RFC 3629: no overlong form, no surrogate,
// nothing above U+10FFFF) that starts at s[i], a byte >= 0x80; 0 when none does.
size_t validLength(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  }
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
  if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return 0;
  return len;
}

bool isLineBreak(char c) {
  return c == '\r' || c == '\n';
}
}  // namespace

std::string MimeEncoding::sanitizeUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out += s[i++];
      continue;
    }
    size_t len = validLength(s, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s, i, len);
    i += len;
  }
  return out;
}

std::string MimeEncoding::quotedPrintable(const std::string& text) {
  // One pass over the input: each byte is checked as UTF-8 (a byte that starts no well-formed
  // character is written as U+FFFD), line breaks become CRLF, and the encoded line is broken
  // softly before it would pass 76 characters.
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 11 / 10 + 16);
  size_t lineLength = 0;
  // Writes byte `c`; `last` when it ends its line; `at` is its place in `text` when it is ASCII.
  auto put = [&](unsigned char c, bool last, size_t at) {
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
    size_t size = literal ? 1 : 3;
    // Room for the `=` of a soft break unless this byte ends the line.
    if (lineLength + size > (last ? kMaxQpLine : kMaxQpLine - 1)) {
      out += "=\r\n";
      lineLength = 0;
    }
    if (lineLength == 0 && literal &&
        (c == '.' || (c == 'F' && text.compare(at, 5, "From ") == 0))) {
      literal = false;
      size = 3;
    }
    if (literal) {
      out += static_cast<char>(c);
    } else {
      out += '=';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
    lineLength += size;
  };
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (isLineBreak(text[i])) {
      i += c == '\r' && i + 1 < n && text[i + 1] == '\n' ? 2 : 1;
      out += "\r\n";
      lineLength = 0;
      continue;
    }
    size_t len = c < 0x80 ? 1 : validLength(text, i);
    const char* bytes = len == 0 ? kReplacement : text.data() + i;
    size_t count = len == 0 ? 3 : len;
    i += len == 0 ? 1 : len;
    bool endsLine = i == n || isLineBreak(text[i]);
    for (size_t k = 0; k < count; ++k)
      put(static_cast<unsigned char>(bytes[k]), endsLine && k + 1 == count, i - count + k);
  }
  return out;
}

std::vector<std::string> MimeEncoding::encodedWords(const std::string& text, size_t firstMax) {
  static const size_t kOverhead = std::strlen(
      "=?UTF-8?B?"
      "?=");
  std::string v = sanitizeUtf8(text);
  std::vector<std::string> words;
  std::string current;
  size_t max = std::min(firstMax, kMaxWord);
  for (size_t i = 0; i < v.size();) {
    size_t len = std::min(charLength(static_cast<unsigned char>(v[i])), v.size() - i);
    if (!current.empty() && kOverhead + base64Length(current.size() + len) > max) {
      words.push_back("=?UTF-8?B?" + base64(current) + "?=");
      current.clear();
      max = kMaxWord;
    }
    current.append(v, i, len);
    i += len;
  }
  if (!current.empty()) words.push_back("=?UTF-8?B?" + base64(current) + "?=");
  return words;
}

std::string MimeEncoding::unstructuredHeader(const std::string& name, const std::string& text) {
  std::string v = headerText(text);
  if (v.empty()) return name + ":\r\n";
  if (plainAscii(v)) {
    std::string plain = layout(name, plainTokens(v));
    if (longestLine(plain) <= kMaxHeaderLine) return plain;
  }
  return layout(name, encodedWords(v, kMaxHeaderLine - name.size() - 2));
}

std::string MimeEncoding::mailboxHeader(const std::string& name, const std::string& displayName,
                                        const std::string& address) {
  std::string v = headerText(displayName);
  if (v.empty()) return layout(name, {address});
  std::vector<std::string> tokens;
  if (plainAscii(v)) {
    std::string quoted = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += '"';
    if (name.size() + 2 + quoted.size() <= kMaxHeaderLine) tokens.push_back(quoted);
  }
  if (tokens.empty()) tokens = encodedWords(v, kMaxHeaderLine - name.size() - 2);
  tokens.push_back("<" + address + ">");
  return layout(name, tokens);
}

bool MimeEncoding::isAddress(const std::string& a) {
  if (a.empty() || a.size() > 254) return false;
  size_t at = a.rfind('@');
  if (at == std::string::npos || at == 0 || at > 64 || at + 1 == a.size()) return false;
  std::string local = a.substr(0, at), domain = a.substr(at + 1);
  static const char* atextSpecials = "!#$%&'*+-/=?^_`{|}~";
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
    return false;
  for (char c : local)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '.' && !std::strchr(atextSpecials, c))
      return false;
  if (!domain.empty() && domain.front() == '[') return isAddressLiteral(domain);
  return isDomain(domain, 1);
}

bool MimeEncoding::isGreetingName(const std::string& name) {
  if (isAddressLiteral(name)) return true;
  unsigned char buf[16];
  if (inet_pton(AF_INET, name.c_str(), buf) == 1) return false;  // a bare IP: write [1.2.3.4]
  return isDomain(name, 2);
}

std::string MimeEncoding::date(int64_t unixMs) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t t = static_cast<time_t>(unixMs / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace keywarden::mail
