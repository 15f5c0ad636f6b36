#pragma once

#include <map>
#include <string>
#include <vector>

#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include "app/Settings.h"
#include "engine/base/Duration.h"

// The reading side of app/Settings: where each value came from, typed readers that fail with
// one line naming the setting and its file or variable, and the readers of each group of
// settings (app/SettingsSections.cpp). Used only by app/Settings.cpp and its sections.
namespace keywarden::app::settings {

// Where a value came from, so an error can say which file or variable to fix.
struct Source {
  std::map<std::string, std::string> values;
  std::map<std::string, std::string> origin;

  bool has(const std::string& k) const { return values.count(k) != 0; }
  // `why` may quote the value as it was written: SettingsError keeps the line one line of text.
  [[noreturn]] void fail(const std::string& k, const std::string& why) const {
    auto it = origin.find(k);
    throw SettingsError("setting " + k + (it != origin.end() ? " (" + it->second + ")" : "") +
                        ": " + why);
  }
  void str(const std::string& k, std::string& out) const {
    if (has(k)) out = values.at(k);
  }
  void integer(const std::string& k, int64_t& out, int64_t min, int64_t max) const {
    if (!has(k)) return;
    Poco::Int64 v;
    std::string t = Poco::trim(values.at(k));
    if (!Poco::NumberParser::tryParse64(t, v))
      fail(k, "'" + values.at(k) + "' is not a whole number");
    // Written as it is printed: no '+', no leading zero (`+23490`, `023490` once read as 23490,
    // `010` as 10 where a reader of the file may take it for octal 8).
    size_t digit = t[0] == '-' ? 1 : 0;
    if (t[0] == '+' || (t.size() > digit + 1 && t[digit] == '0'))
      fail(k, "'" + values.at(k) +
                  "' is not written as a plain whole number (no '+', no "
                  "leading zero): write " +
                  std::to_string(v));
    if (v < min || v > max)
      fail(k,
           std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    out = v;
  }
  void integer(const std::string& k, int& out, int64_t min, int64_t max) const {
    int64_t v = out;
    integer(k, v, min, max);
    out = static_cast<int>(v);
  }
  void boolean(const std::string& k, bool& out) const {
    if (!has(k)) return;
    std::string v = Poco::toLower(Poco::trim(values.at(k)));
    if (v == "true" || v == "yes" || v == "1")
      out = true;
    else if (v == "false" || v == "no" || v == "0")
      out = false;
    else
      fail(k, "'" + values.at(k) + "' is not true or false");
  }
  void duration(const std::string& k, int64_t& out) const {
    if (!has(k)) return;
    std::string t = Poco::trim(values.at(k));
    auto ms = engine::Duration::parseMs(t);
    if (!ms || t[0] == '0')  // `05m`: a leading zero, as in integers, is refused
      fail(k, "'" + values.at(k) + "' is not a duration such as 90s, 15m, 48h or 7d");
    out = *ms;
  }
};

// The items of a comma-separated setting `k` (`text`), trimmed and lower-cased; an empty
// text is an empty list. An empty item (`a,,b`, a comma at an end) fails naming `k`.
std::vector<std::string> commaList(const Source& s, const std::string& k, const std::string& text);

// Each reads its group from `s` into `st`; throws SettingsError naming the first bad setting.
void readHttp(const Source& s, Settings& st);
void readStore(const Source& s, Settings& st);
void readSmtp(const Source& s, Settings& st);
void readGateway(const Source& s, Settings& st);
void readPortal(const Source& s, Settings& st);
void readAbuse(const Source& s, Settings& st);

}  // namespace keywarden::app::settings
