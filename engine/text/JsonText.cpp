#include "engine/text/JsonText.h"

#include "engine/text/Utf8.h"

namespace keywarden::engine {

void JsonText::appendQuoted(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Well-formed UTF-8 passes through; any other byte becomes U+FFFD, so the output is
      // always valid JSON text even when `s` quotes a client's bad input.
      size_t n = Utf8::sequenceAt(s, i);
      if (n == 0) {
        out += "\\ufffd";
      } else {
        out.append(s.substr(i, n));
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

std::string JsonText::quoted(std::string_view s) {
  std::string out;
  appendQuoted(out, s);
  return out;
}

std::string JsonText::array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    appendQuoted(out, items[i]);
  }
  out.push_back(']');
  return out;
}

}  // namespace keywarden::engine
