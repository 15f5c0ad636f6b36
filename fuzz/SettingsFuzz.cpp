// libFuzzer target: app::Settings::load, the reader of keywarden.properties. Invariant: a bad
// file is one SettingsError (one start-up line naming the setting), never another exception.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/Settings.h"

using namespace keywarden::app;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      "/tmp/kw-fuzz-settings-" + std::to_string(getpid()) + ".properties";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    (void)Settings::load(path);
  } catch (const SettingsError&) {
  }
  return 0;
}
