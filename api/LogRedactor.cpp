#include "api/LogRedactor.h"

#include <cctype>

namespace keywarden::api {

namespace {
constexpr size_t kSecretRun = 32;
constexpr const char* kRedacted = "[redacted]";

bool tokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}
}  // namespace

std::vector<std::string> LogRedactor::secretsOf(const Params& params) {
  std::vector<std::string> out;
  for (const auto& [name, value] : params)
    if (isSecretParam(name) && !value.empty()) out.push_back(value);
  return out;
}

std::string LogRedactor::where(const std::string& pattern, const Params& params) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    size_t open = pattern.find('{', i);
    size_t close = open == std::string::npos ? open : pattern.find('}', open);
    if (close == std::string::npos) {
      out.append(pattern, i, std::string::npos);
      break;
    }
    out.append(pattern, i, open - i);
    std::string name = pattern.substr(open + 1, close - open - 1);
    if (!name.empty() && name[0] == '*') name.erase(0, 1);
    const std::string* value = nullptr;
    for (const auto& [k, v] : params)
      if (k == name) value = &v;
    if (value && !isSecretParam(name))
      out += *value;
    else
      out.append(pattern, open, close - open + 1);
    i = close + 1;
  }
  return text(out, secretsOf(params));
}

std::string LogRedactor::text(std::string s, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = s.find(secret); at != std::string::npos; at = s.find(secret, at))
      s.replace(at, secret.size(), kRedacted);
  }
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (tokenChar(s[i])) {
      size_t end = i;
      while (end < s.size() && tokenChar(s[end])) ++end;
      if (end - i >= kSecretRun)
        out += kRedacted;
      else
        out.append(s, i, end - i);
      i = end;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    out.push_back(c < 0x20 || c == 0x7F ? '?' : s[i]);
    ++i;
  }
  return out;
}

}  // namespace keywarden::api
