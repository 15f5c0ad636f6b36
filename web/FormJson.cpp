#include "web/FormJson.h"

#include <Poco/String.h>

#include <cctype>

namespace keywarden::web {

void FormJson::integer(api::JsonWriter& w, const std::string& field, const std::string& text0) {
  std::string text = Poco::trim(text0);
  if (text.empty()) return;
  size_t digits = text[0] == '-' ? 1 : 0;
  bool isInteger = text.size() > digits && text.size() <= 20 &&
                   text.find_first_not_of("0123456789", digits) == std::string::npos;
  if (isInteger)
    w.rawField(field, text);
  else
    w.field(field, text);
}

std::vector<std::string> FormJson::words(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + " ") {
    if (c == ' ' || c == ',' || c == '\n' || c == '\r' || c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return out;
}

void FormJson::list(api::JsonWriter& w, const std::string& field, const std::string& text) {
  w.field(field, words(text));
}

void FormJson::time(api::JsonWriter& w, const std::string& field, const std::string& text0) {
  std::string text = Poco::trim(text0);
  if (text.empty()) return;
  auto digitsAt = [&](size_t from, size_t n) {
    if (text.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    return true;
  };
  bool date = text.size() >= 10 && digitsAt(0, 4) && text[4] == '-' && digitsAt(5, 2) &&
              text[7] == '-' && digitsAt(8, 2);
  if (date && text.size() == 10)
    text += "T00:00:00Z";
  else if (date && text.size() == 16 && text[10] == 'T' && digitsAt(11, 2) && text[13] == ':' &&
           digitsAt(14, 2))
    text += ":00Z";
  else if (date && text.size() == 19 && text[10] == 'T')
    text += "Z";
  w.field(field, text);
}

std::string FormJson::text(const std::string& t) {
  std::string out;
  for (char c : t)
    if (c != '\r') out.push_back(c);
  return out;
}

}  // namespace keywarden::web
