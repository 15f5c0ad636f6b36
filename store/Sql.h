#pragma once

#include <Poco/Data/RecordSet.h>

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::store {

// Reading typed values out of a Poco RecordSet row, and the JSON-array text columns.
class Sql {
 public:
  static std::string str(Poco::Data::RecordSet& rs, const std::string& col);
  static int64_t i64(Poco::Data::RecordSet& rs, const std::string& col);
  static std::vector<std::string> list(Poco::Data::RecordSet& rs, const std::string& col);
  static std::string listText(const std::vector<std::string>& v);
  static std::vector<std::string> parseList(const std::string& json);
};

}  // namespace keywarden::store
