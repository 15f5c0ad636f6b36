// Rules about the source itself that no compiler warning enforces, each from a real fault.
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

class SourceRulesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SourceRulesTest);
  CPPUNIT_TEST(noReferenceIsBoundToATemporaryDefaultOfGet);
  CPPUNIT_TEST_SUITE_END();

 public:
  // Poco's NameValueCollection::get(name, defaultValue) returns `defaultValue` itself when the
  // name is absent; `const std::string& v = req.get("X", "")` then refers to a temporary that
  // is gone at the end of the statement (ASan: stack-use-after-scope on the forward-auth path
  // with no key header). Bind a reference only with a default that outlives it.
  void noReferenceIsBoundToATemporaryDefaultOfGet() {
    std::regex bad(
        R"((const\s+std::string\s*&|auto\s*&|const\s+auto\s*&|std::string_view)\s+\w+\s*=\s*[^;]*\bget\([^;]*,\s*("[^"]*"|std::string\(\))\s*\)\s*;)");
    int files = 0;
    for (const char* dir : {"api", "web", "app", "engine", "mail", "store"}) {
      std::filesystem::path root = std::filesystem::path(KEYWARDEN_SOURCE_DIR) / dir;
      if (!std::filesystem::exists(root)) continue;
      for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.path().extension() != ".cpp" && e.path().extension() != ".h") continue;
        ++files;
        std::ifstream in(e.path());
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
          ++n;
          CPPUNIT_ASSERT_MESSAGE(e.path().string() + ":" + std::to_string(n) + ": " + line,
                                 !std::regex_search(line, bad));
        }
      }
    }
    CPPUNIT_ASSERT(files > 50);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SourceRulesTest);
