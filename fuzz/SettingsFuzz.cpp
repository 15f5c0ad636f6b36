// libFuzzer target: app::Settings::load, the reader of keywarden.properties. Invariants: a bad
// file is one SettingsError (one start-up line naming the setting: UTF-8 text without a control
// character, whatever the value it quotes holds), never another exception; a file that loads
// has a public.baseUrl that can sit in a mail's JSON context and link (UTF-8, no controls, no
// space).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/Settings.h"
#include "engine/text/Utf8.h"

using namespace keywarden::app;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path =
      "/tmp/kw-fuzz-settings-" + std::to_string(getpid()) + ".properties";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  using keywarden::engine::Utf8;
  try {
    Settings st = Settings::load(path);
    const std::string& url = st.publicBaseUrl;
    if (!Utf8::valid(url) || Utf8::hasControl(url, false) || url.find(' ') != std::string::npos)
      std::abort();
  } catch (const SettingsError& e) {
    std::string line = e.what();
    if (!Utf8::valid(line)) std::abort();
    for (char c : line)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) std::abort();
  }
  return 0;
}
