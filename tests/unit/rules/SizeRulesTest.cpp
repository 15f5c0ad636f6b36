// The sizes docs/ARCHITECTURE.md ("Sizes") promises, so that a room does not quietly grow back
// into a hall (issue 12): no source or test file over 500 lines, no engine folder over 20
// files. A failure names every file or folder over its bound.
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

class SizeRulesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SizeRulesTest);
  CPPUNIT_TEST(noSourceFileIsOver500Lines);
  CPPUNIT_TEST(noEngineFolderHoldsMoreThan20Files);
  CPPUNIT_TEST_SUITE_END();

 public:
  static constexpr int kMaxLines = 500;
  static constexpr int kMaxFilesPerFolder = 20;

  void noSourceFileIsOver500Lines() {
    std::string over;
    int files = 0;
    for (const char* dir :
         {"api", "web", "app", "engine", "mail", "store", "tests", "fuzz", "bench"}) {
      fs::path root = fs::path(KEYWARDEN_SOURCE_DIR) / dir;
      if (!fs::exists(root)) continue;
      for (auto it = fs::recursive_directory_iterator(root); it != fs::end(it); ++it) {
        if (it->is_directory() && it->path().filename() == "node_modules") {
          it.disable_recursion_pending();
          continue;
        }
        auto ext = it->path().extension();
        if (ext != ".cpp" && ext != ".h") continue;
        ++files;
        int n = lines(it->path());
        if (n > kMaxLines) over += "\n  " + it->path().string() + ": " + std::to_string(n);
      }
    }
    CPPUNIT_ASSERT(files > 100);
    CPPUNIT_ASSERT_MESSAGE("source files over 500 lines (split them by subject):" + over,
                           over.empty());
  }

  void noEngineFolderHoldsMoreThan20Files() {
    std::string over;
    int folders = 0;
    for (const auto& d : fs::directory_iterator(fs::path(KEYWARDEN_SOURCE_DIR) / "engine")) {
      if (!d.is_directory()) continue;
      ++folders;
      int n = 0;
      for (const auto& f : fs::directory_iterator(d.path())) n += f.is_regular_file();
      if (n > kMaxFilesPerFolder) over += "\n  " + d.path().string() + ": " + std::to_string(n);
    }
    CPPUNIT_ASSERT(folders >= 10);
    CPPUNIT_ASSERT_MESSAGE(
        "engine folders over 20 files (move what belongs elsewhere, docs/ARCHITECTURE.md):" + over,
        over.empty());
  }

 private:
  static int lines(const fs::path& p) {
    std::ifstream in(p);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) ++n;
    return n;
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SizeRulesTest);
