// libFuzzer target: api::FormBody, the reader of application/x-www-form-urlencoded bodies (the
// approver link pages). Invariant: a refusal names its field or says what is wrong.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/FormBody.h"

using keywarden::api::FormBody;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> out;
  static const std::vector<std::string> allowed = {"decision", "comment", "csrf", "confirm"};
  auto problem =
      FormBody::parse(std::string_view(reinterpret_cast<const char*>(data), size), allowed, out);
  if (problem && problem->message.empty()) std::abort();
  return 0;
}
