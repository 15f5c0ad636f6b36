#include "store/Sql.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include "engine/text/JsonText.h"

namespace keywarden::store {

std::string Sql::str(Poco::Data::RecordSet& rs, const std::string& col) {
  const auto& v = rs[col];
  return v.isEmpty() ? std::string() : v.convert<std::string>();
}

int64_t Sql::i64(Poco::Data::RecordSet& rs, const std::string& col) {
  const auto& v = rs[col];
  return v.isEmpty() ? 0 : v.convert<Poco::Int64>();
}

std::vector<std::string> Sql::list(Poco::Data::RecordSet& rs, const std::string& col) {
  return parseList(str(rs, col));
}

std::string Sql::listText(const std::vector<std::string>& v) {
  return engine::JsonText::array(v);
}

std::vector<std::string> Sql::parseList(const std::string& json) {
  std::vector<std::string> out;
  if (json.empty() || json == "[]") return out;
  Poco::JSON::Parser parser;
  auto arr = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
  for (size_t i = 0; i < arr->size(); ++i) out.push_back(arr->getElement<std::string>(i));
  return out;
}

}  // namespace keywarden::store
