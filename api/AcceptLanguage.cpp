#include "api/AcceptLanguage.h"

#include <Poco/String.h>

#include <algorithm>
#include <cctype>

namespace keywarden::api {

namespace {
struct Range {
  std::string tag;  // lower case
  int q = 1000;     // thousandths
  size_t order = 0;
};

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*" (RFC 4647 §2.1).
bool wellFormed(const std::string& r) {
  if (r == "*") return true;
  size_t start = 0;
  bool first = true;
  while (start <= r.size()) {
    size_t end = r.find('-', start);
    if (end == std::string::npos) end = r.size();
    size_t n = end - start;
    if (n < 1 || n > 8) return false;
    for (size_t i = start; i < end; ++i) {
      unsigned char c = static_cast<unsigned char>(r[i]);
      if (first ? !std::isalpha(c) : !std::isalnum(c)) return false;
    }
    first = false;
    if (end == r.size()) break;
    start = end + 1;
  }
  return true;
}

// weight = OWS ";" OWS "q=" qvalue; qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
bool qvalue(const std::string& v, int& q) {
  if (v.empty() || v.size() > 5) return false;
  if (v[0] != '0' && v[0] != '1') return false;
  if (v.size() > 1 && v[1] != '.') return false;
  int value = (v[0] - '0') * 1000, scale = 100;
  for (size_t i = 2; i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return false;
    value += (v[i] - '0') * scale;
    scale /= 10;
  }
  if (value > 1000) return false;
  q = value;
  return true;
}

// Traditional Chinese asked for in the other ways browsers and people spell it.
std::string traditional(const std::string& tag) {
  if (tag == "zh-hant" || tag.rfind("zh-hant-", 0) == 0 || tag == "zh-hk" || tag == "zh-mo")
    return "zh-tw";
  return tag;
}

bool matches(const std::string& range, const std::string& tag) {
  return range == tag || (tag.size() > range.size() && tag.compare(0, range.size(), range) == 0 &&
                          tag[range.size()] == '-');
}
}  // namespace

std::string AcceptLanguage::choose(const std::string& header,
                                   const std::vector<std::string>& available) {
  std::vector<Range> ranges;
  size_t start = 0, order = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    std::string item = header.substr(start, comma - start);
    start = comma + 1;
    Range r;
    r.order = order++;
    size_t semi = item.find(';');
    r.tag = Poco::toLower(trim(item.substr(0, semi)));
    bool ok = wellFormed(r.tag);
    if (ok && semi != std::string::npos) {
      std::string param = trim(item.substr(semi + 1));
      ok = param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=' &&
           qvalue(param.substr(2), r.q);
    }
    if (ok) ranges.push_back(r);
    if (comma == header.size()) break;
  }
  std::stable_sort(ranges.begin(), ranges.end(),
                   [](const Range& a, const Range& b) { return a.q > b.q; });
  // A tag refused (q=0) is never chosen, not even by "*".
  auto refused = [&](const std::string& tag) {
    for (const auto& r : ranges)
      if (r.q == 0 && r.tag != "*" && matches(traditional(r.tag), tag)) return true;
    return false;
  };
  for (const auto& r : ranges) {
    if (r.q == 0) break;
    for (const auto& a : available) {
      std::string tag = Poco::toLower(a);
      if (refused(tag)) continue;
      if (r.tag == "*") {
        bool named = false;
        for (const auto& other : ranges)
          if (other.tag != "*" && matches(traditional(other.tag), tag)) named = true;
        if (!named) return a;
      } else if (matches(traditional(r.tag), tag) || matches(r.tag, tag)) {
        return a;
      }
    }
  }
  return "";
}

}  // namespace keywarden::api
