#include "engine/base/Duration.h"

namespace keywarden::engine {

std::optional<int64_t> Duration::parseMs(std::string_view t) {
  size_t i = 0;
  int64_t n = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
    n = n * 10 + (t[i] - '0');
    if (n > kMaxMs) return std::nullopt;  // no unit is shorter than 1 ms: already too long
    ++i;
  }
  if (i == 0 || n <= 0) return std::nullopt;
  std::string_view unit = t.substr(i);
  int64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  else if (unit == "d")
    scale = 86'400'000;
  else
    return std::nullopt;
  if (n > kMaxMs / scale) return std::nullopt;
  return n * scale;
}

std::string Duration::format(int64_t ms) {
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace keywarden::engine
