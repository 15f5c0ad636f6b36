#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace keywarden::test {

// The English of every string in templates/strings.json whose zh-TW differs, cut into the fixed
// parts between its {{values}} and kept when a part has two words or more ("no one decided
// within", "so the flow approved it on"): what a zh-TW mail or page must never contain.
inline std::set<std::string> englishFragments(const std::string& templatesDir) {
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  Poco::JSON::Parser p1, p2;
  auto en = p1.parse(read(templatesDir + "/strings.json")).extract<Poco::JSON::Object::Ptr>();
  auto zh =
      p2.parse(read(templatesDir + "/lang/zh-TW/strings.json")).extract<Poco::JSON::Object::Ptr>();
  std::set<std::string> out;
  static const std::regex tag(R"(\{\{[^}]*\}\})");
  static const std::string trim = " ,:;.()";
  for (const auto& [id, value] : *en) {
    std::string text = value.convert<std::string>();
    if (!zh->has(id) || zh->getValue<std::string>(id) == text) continue;
    for (std::sregex_token_iterator it(text.begin(), text.end(), tag, -1), end; it != end; ++it) {
      std::string part = *it;
      while (!part.empty() && trim.find(part.front()) != std::string::npos) part.erase(0, 1);
      while (!part.empty() && trim.find(part.back()) != std::string::npos) part.pop_back();
      if (part.find(' ') != std::string::npos && part.size() >= 8) out.insert(part);
    }
  }
  return out;
}

}  // namespace keywarden::test
