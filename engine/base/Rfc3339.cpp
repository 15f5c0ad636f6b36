#include "engine/base/Rfc3339.h"

#include <cstdio>

namespace keywarden::engine {

namespace {
// Days from 1970-01-01 to year-month-day (proleptic Gregorian; H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned daysIn(int64_t y, unsigned m) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at text[i]; false when any is not a digit.
bool digits(const std::string& t, size_t i, size_t n, int& out) {
  if (i + n > t.size()) return false;
  out = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (t[k] < '0' || t[k] > '9') return false;
    out = out * 10 + (t[k] - '0');
  }
  return true;
}
}  // namespace

std::optional<int64_t> Rfc3339::parse(const std::string& t, std::string* why) {
  auto no = [&](const char* m) -> std::optional<int64_t> {
    if (why) *why = m;
    return std::nullopt;
  };
  int year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, month) ||
      t[7] != '-' || !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't') ||
      !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' ||
      !digits(t, 17, 2, second))
    return no("expected YYYY-MM-DDThh:mm:ss followed by Z or an offset such as +02:00");
  if (month < 1 || month > 12) return no("the month must be 01-12");
  if (day < 1 || static_cast<unsigned>(day) > daysIn(year, static_cast<unsigned>(month)))
    return no("the day does not exist in that month");
  if (hour > 23) return no("the hour must be 00-23");
  if (minute > 59) return no("the minute must be 00-59");
  if (second == 60) return no("leap seconds (:60) are not accepted");
  if (second > 59) return no("the second must be 00-59");
  size_t i = 19;
  int64_t ms = 0;
  if (t[i] == '.') {
    size_t start = ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    size_t n = i - start;
    if (n == 0 || n > 9) return no("fractional seconds must have 1 to 9 digits");
    for (size_t k = 0; k < n; ++k) {
      int dgt = t[start + k] - '0';
      if (k < 3)
        ms += dgt * (k == 0 ? 100 : k == 1 ? 10 : 1);
      else if (dgt != 0)
        return no("times are kept to the millisecond: digits past the third must be 0");
    }
  }
  int64_t offsetMin = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    int oh, om;
    if (!digits(t, i + 1, 2, oh) || i + 3 >= t.size() || t[i + 3] != ':' ||
        !digits(t, i + 4, 2, om))
      return no("the offset must be Z or +hh:mm / -hh:mm");
    if (oh > 23 || om > 59) return no("the offset must lie between -23:59 and +23:59");
    offsetMin = (t[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return no("expected Z or an offset such as +02:00 after the time");
  }
  if (i != t.size()) return no("unexpected text after the time");
  int64_t days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offsetMin * 60;
  int64_t value = secs * 1000 + ms;
  if (value < kMinMs || value > kMaxMs)
    return no("the time must lie after 1970-01-01T00:00:00Z and before year 10000 (UTC)");
  return value;
}

std::string Rfc3339::format(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t frac = ms - secs * 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civilFromDays(days, y, m, d);
  char buf[128];
  if (frac == 0)
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(frac));
  return buf;
}

}  // namespace keywarden::engine
