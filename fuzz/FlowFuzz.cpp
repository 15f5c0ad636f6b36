// libFuzzer target: engine::FlowParser, the reader of workflows/*.json and of the flow snapshot
// an application carries. Invariants: a refusal is a FlowError (one start-up line); an accepted
// flow written back with toJson parses to the same JSON again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/flows/FlowParser.h"

using namespace keywarden::engine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string json(reinterpret_cast<const char*>(data), size);
  Flow f;
  try {
    f = FlowParser::parse(json, "fuzz.json");
  } catch (const FlowError&) {
    return 0;
  }
  std::string once = FlowParser::toJson(f);
  std::string twice;
  try {
    twice = FlowParser::toJson(FlowParser::parse(once, "again.json"));
  } catch (const FlowError&) {
    std::abort();
  }
  if (once != twice) std::abort();
  return 0;
}
