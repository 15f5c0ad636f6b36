#include "api/HeaderFields.h"

namespace keywarden::api {

bool HeaderFields::nameIs(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

bool HeaderFields::cgiNameIs(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == '_') x = '-';
    if (y == '_') y = '-';
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

const std::string_view* HeaderFields::find(std::string_view name) const {
  for (const HeaderField& f : *this)
    if (nameIs(f.name, name)) return &f.value;
  return nullptr;
}

std::vector<HeaderField> HeaderFields::of(const Poco::Net::MessageHeader& header) {
  std::vector<HeaderField> out;
  out.reserve(header.size());
  for (const auto& [name, value] : header) out.push_back({name, value});
  return out;
}

}  // namespace keywarden::api
