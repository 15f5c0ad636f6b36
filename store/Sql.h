#pragma once

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <string>
#include <vector>

namespace keywarden::store {

// A Poco RecordSet's current row read by column position, as SqlQuery reads one: lets one
// row mapping serve both the cached SQLite statements and Poco::Data (PostgreSQL).
struct PocoRow {
  Poco::Data::RecordSet& rs;
  std::string str(int col) const {
    const auto& v = rs[static_cast<size_t>(col)];
    return v.isEmpty() ? std::string() : v.convert<std::string>();
  }
  int64_t i64(int col) const {
    const auto& v = rs[static_cast<size_t>(col)];
    return v.isEmpty() ? 0 : v.convert<Poco::Int64>();
  }
};

// Reading typed values out of a Poco RecordSet row, and the JSON-array text columns.
class Sql {
 public:
  static std::string str(Poco::Data::RecordSet& rs, const std::string& col);
  static int64_t i64(Poco::Data::RecordSet& rs, const std::string& col);
  static std::vector<std::string> list(Poco::Data::RecordSet& rs, const std::string& col);
  static std::string listText(const std::vector<std::string>& v);
  static std::vector<std::string> parseList(const std::string& json);

  // Executes `st` and maps every row with `fn(RecordSet&)`: the one loop over result rows.
  template <typename T, typename Fn>
  static std::vector<T> rows(Poco::Data::Statement& st, Fn fn) {
    st.execute();
    Poco::Data::RecordSet rs(st);
    std::vector<T> out;
    out.reserve(rs.rowCount());
    for (bool more = rs.moveFirst(); more; more = rs.moveNext()) out.push_back(fn(rs));
    return out;
  }
};

}  // namespace keywarden::store
