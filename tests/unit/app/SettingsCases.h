#pragma once

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <utility>
#include <vector>

#include "app/Settings.h"
#include "engine/text/Utf8.h"
#include "tests/support/TempDir.h"

namespace keywarden::test {

// Settings files and what the refusal of each must name.
using SettingsCases = std::vector<std::pair<std::string, std::string>>;

// Each file content (one or more lines), written to a properties file in `dir`, stops the
// start-up with one line (a SettingsError without a line break, in UTF-8) that contains the
// text given with it. Fails the calling test otherwise.
inline void eachSettingIsRefusedNaming(const TempDir& dir, const SettingsCases& cases) {
  for (const auto& [content, named] : cases) {
    writeFile(dir.file("k.properties"), content + "\n");
    try {
      app::Settings::load(dir.file("k.properties"));
      CPPUNIT_FAIL("accepted: " + content);
    } catch (const app::SettingsError& e) {
      std::string msg = e.what();
      CPPUNIT_ASSERT_MESSAGE(content + " -> " + msg, msg.find(named) != std::string::npos);
      for (char c : msg)  // one line of text, whatever the value quoted in it holds
        CPPUNIT_ASSERT_MESSAGE(msg, static_cast<unsigned char>(c) >= 0x20 && c != 0x7F);
      CPPUNIT_ASSERT_MESSAGE(msg, engine::Utf8::valid(msg));
    }
  }
}

}  // namespace keywarden::test
