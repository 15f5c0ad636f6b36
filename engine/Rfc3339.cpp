#include "engine/Rfc3339.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timestamp.h>

#include <regex>

namespace keywarden::engine {

std::optional<int64_t> Rfc3339::parse(const std::string& text) {
  // Poco's parser is lenient; require the RFC 3339 shape first.
  static const std::regex shape(
      R"(^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$)");
  if (!std::regex_match(text, shape)) return std::nullopt;
  Poco::DateTime dt;
  int tzd = 0;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt, tzd))
    return std::nullopt;
  dt.makeUTC(tzd);
  return dt.timestamp().epochMicroseconds() / 1000;
}

std::string Rfc3339::format(int64_t ms) {
  Poco::Timestamp ts(ms * 1000);
  if (ms % 1000 == 0) return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%SZ");
  return Poco::DateTimeFormatter::format(ts, "%Y-%m-%dT%H:%M:%S.%iZ");
}

}  // namespace keywarden::engine
