#include "store/CacheRowDecoder.h"

#include "store/Sql.h"

namespace keywarden::store {

void CacheRowDecoder::list(std::string_view json, std::vector<std::string>& out) {
  // Sql::listText writes ["a","b"] with no spaces; anything else (escapes, spaces, a hand-edited
  // row) goes through the JSON parser.
  size_t n = 0;
  auto fallback = [&] { out = Sql::parseList(std::string(json)); };
  if (json.empty() || json == "[]") {
    out.clear();
    return;
  }
  if (json.size() < 4 || json.front() != '[' || json.back() != ']' ||
      json.find('\\') != std::string_view::npos) {
    fallback();
    return;
  }
  std::string_view body = json.substr(1, json.size() - 2);  // "a","b"
  while (!body.empty()) {
    if (body.front() != '"') return fallback();
    size_t end = body.find('"', 1);
    if (end == std::string_view::npos) return fallback();
    if (n < out.size())
      out[n].assign(body.substr(1, end - 1));
    else
      out.emplace_back(body.substr(1, end - 1));
    ++n;
    body.remove_prefix(end + 1);
    if (body.empty()) break;
    if (body.front() != ',' || body.size() < 2) return fallback();
    body.remove_prefix(1);
  }
  out.resize(n);
}

}  // namespace keywarden::store
