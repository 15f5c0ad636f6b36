// The direction of dependencies, checked on the sources: docs/ARCHITECTURE.md declares which
// module may include which (table `modules`) and the layer of every engine folder (table
// `layers`); an engine folder may include only folders of a lower layer (and itself), so no two
// folders include each other. Every `#include "<module>/…"` and `#include <<module>/…>` of
// every .h/.cpp under each module's folder is checked; a forbidden one fails this test naming
// the file, the line and the rule. A top-level folder of sources that is not in the table
// fails it too (tests/, bench/, fuzz/ may include anything).
#include <cppunit/extensions/HelperMacros.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const std::string kRoot = KEYWARDEN_SOURCE_DIR;
// Top-level folders with sources that are not modules: they may include anything.
const std::set<std::string> kNotModules = {"tests", "bench", "fuzz", "scripts", "packaging"};

// The cells of one Markdown table row, trimmed.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream in(line.substr(1));
  std::string cell;
  while (std::getline(in, cell, '|')) {
    size_t a = cell.find_first_not_of(' '), b = cell.find_last_not_of(' ');
    out.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
  }
  return out;
}

// The backticked words of a cell: "`engine`, `mail`" -> {engine, mail}.
std::vector<std::string> codes(const std::string& cell) {
  std::vector<std::string> out;
  std::regex word("`([^`]*)`");
  for (std::sregex_iterator it(cell.begin(), cell.end(), word), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

// The body rows of the table that follows `<!-- table:NAME -->` in docs/ARCHITECTURE.md.
std::vector<std::vector<std::string>> table(const std::string& name) {
  std::string path = kRoot + "/docs/ARCHITECTURE.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool inside = false;
  int seen = 0;
  while (std::getline(in, line)) {
    if (line == "<!-- table:" + name + " -->") {
      inside = true;
    } else if (inside && !line.empty() && line[0] == '|') {
      if (++seen > 2) rows.push_back(cells(line));  // header and separator rows skipped
    } else if (inside && seen > 0) {
      break;
    }
  }
  if (rows.empty()) throw std::runtime_error("no table '" + name + "' in " + path);
  return rows;
}

struct Include {
  std::string file;  // relative to the source root
  int line;
  std::string target;  // as written, e.g. engine/keys/KeyService.h
};

// The top-level folders of the source root that hold C++ sources (build trees excluded).
std::set<std::string> sourceFolders() {
  std::set<std::string> out;
  for (const auto& top : fs::directory_iterator(kRoot)) {
    std::string name = top.path().filename().string();
    if (!top.is_directory() || name[0] == '.' || name.rfind("build", 0) == 0) continue;
    for (const auto& e : fs::recursive_directory_iterator(top.path())) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".h" || ext == ".cpp")) {
        out.insert(name);
        break;
      }
    }
  }
  return out;
}

// Every include of a module's header (`modules`: the first path segments that name one) in
// the sources under `module`.
std::vector<Include> includesOf(const std::string& module, const std::set<std::string>& modules) {
  std::vector<Include> out;
  std::regex inc(R"(^\s*#\s*include\s*[<"]([^">]+)[">])");
  for (const auto& e : fs::recursive_directory_iterator(kRoot + "/" + module)) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".h" && ext != ".cpp")) continue;
    std::ifstream in(e.path());
    std::string line, rel = fs::relative(e.path(), kRoot).generic_string();
    int n = 0;
    std::smatch m;
    while (std::getline(in, line)) {
      ++n;
      if (!std::regex_search(line, m, inc)) continue;
      std::string target = m[1];
      if (target.find('/') != std::string::npos &&
          modules.count(target.substr(0, target.find('/'))))
        out.push_back({rel, n, target});
    }
  }
  return out;
}

// "engine/keys/KeyService.h" -> "keys"; "" for a file directly in engine/.
std::string engineFolder(const std::string& path) {
  size_t a = path.find('/'), b = path.find('/', a + 1);
  return b == std::string::npos ? "" : path.substr(a + 1, b - a - 1);
}

std::string head(const std::string& path) {
  return path.substr(0, path.find('/'));
}

std::string list(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += "\n  " + s;
  return out;
}

}  // namespace

class LayeringTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(LayeringTest);
  CPPUNIT_TEST(modulesIncludeOnlyTheModulesTheyDependOn);
  CPPUNIT_TEST(engineFoldersIncludeOnlyLowerLayers);
  CPPUNIT_TEST(everyEngineSourceIsInADeclaredFolder);
  CPPUNIT_TEST(everySourceFolderIsADeclaredModule);
  CPPUNIT_TEST(theRulesReadFromTheDocumentAreTheIntendedOnes);
  CPPUNIT_TEST_SUITE_END();

 public:
  // engine includes nothing else; store and mail include engine; api includes engine; app any.
  void modulesIncludeOnlyTheModulesTheyDependOn() {
    std::vector<std::string> bad;
    for (const auto& [module, allowed] : allowedModules())
      for (const auto& i : includesOf(module, moduleNames()))
        if (!allowed.count(head(i.target)))
          bad.push_back(i.file + ":" + std::to_string(i.line) + " includes " + i.target + " (" +
                        module + " may include only what docs/ARCHITECTURE.md allows)");
    CPPUNIT_ASSERT_MESSAGE("forbidden includes between modules:" + list(bad), bad.empty());
  }

  void engineFoldersIncludeOnlyLowerLayers() {
    auto layer = layers();
    std::vector<std::string> bad;
    for (const auto& i : includesOf("engine", {"engine"})) {
      std::string from = engineFolder(i.file), to = engineFolder(i.target);
      if (!layer.count(from) || !layer.count(to)) continue;  // everyEngineSource… reports it
      if (from != to && layer[to] >= layer[from])
        bad.push_back(i.file + ":" + std::to_string(i.line) + " includes " + i.target + " (" +
                      from + " is layer " + std::to_string(layer[from]) + ", " + to + " is layer " +
                      std::to_string(layer[to]) + ")");
    }
    CPPUNIT_ASSERT_MESSAGE("engine folders including a folder not below them:" + list(bad),
                           bad.empty());
  }

  // A source directly in engine/ or in a folder the layer table does not name has no place in
  // the order: give it one (a new folder needs a row in docs/ARCHITECTURE.md).
  void everyEngineSourceIsInADeclaredFolder() {
    auto layer = layers();
    std::vector<std::string> bad;
    for (const auto& e : fs::recursive_directory_iterator(kRoot + "/engine")) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), kRoot).generic_string();
      if (!layer.count(engineFolder(rel))) bad.push_back(rel);
    }
    for (const auto& [folder, n] : layer)
      if (!fs::is_directory(kRoot + "/engine/" + folder))
        bad.push_back("engine/" + folder + " (in the table, not on disk)");
    for (const auto& i : includesOf("engine", {"engine"}))
      if (!layer.count(engineFolder(i.target)))
        bad.push_back(i.file + ":" + std::to_string(i.line) + " includes " + i.target);
    CPPUNIT_ASSERT_MESSAGE("engine sources outside the declared folders:" + list(bad), bad.empty());
  }

  // A new top-level folder of sources (a new module) needs its row in the modules table, or
  // nothing would check what it includes and who includes it.
  void everySourceFolderIsADeclaredModule() {
    auto modules = moduleNames();
    std::vector<std::string> bad;
    for (const auto& f : sourceFolders())
      if (!modules.count(f) && !kNotModules.count(f)) bad.push_back(f + "/");
    CPPUNIT_ASSERT_MESSAGE(
        "source folders missing from docs/ARCHITECTURE.md's module table:" + list(bad),
        bad.empty());
  }

  // The tables say what the architecture is; this pins the parts that must not quietly change
  // with an edit to the document.
  void theRulesReadFromTheDocumentAreTheIntendedOnes() {
    auto m = allowedModules();
    CPPUNIT_ASSERT(m.size() >= 5);
    CPPUNIT_ASSERT(m["engine"] == std::set<std::string>({"engine"}));
    CPPUNIT_ASSERT(m["store"] == std::set<std::string>({"store", "engine"}));
    CPPUNIT_ASSERT(m["mail"] == std::set<std::string>({"mail", "engine"}));
    CPPUNIT_ASSERT(m["api"] == std::set<std::string>({"api", "engine"}));
    auto layer = layers();
    CPPUNIT_ASSERT(layer.size() >= 10);
    CPPUNIT_ASSERT(layer["check"] < layer["keys"]);
  }

 private:
  // Table `modules`: | `module` | `may`, `include` | … |.
  static std::map<std::string, std::set<std::string>> allowedModules() {
    std::map<std::string, std::set<std::string>> out;
    auto rows = table("modules");
    for (const auto& row : rows) {
      auto name = codes(row.at(0));
      if (name.size() != 1 || name[0].empty() || name[0].find('/') != std::string::npos)
        throw std::runtime_error("modules table: bad module cell '" + row.at(0) + "'");
      out[name[0]].insert(name[0]);
    }
    for (const auto& row : rows)
      for (const auto& a : codes(row.at(1))) {
        if (!out.count(a)) throw std::runtime_error("modules table: unknown module " + a);
        out[codes(row.at(0))[0]].insert(a);
      }
    return out;
  }
  static std::set<std::string> moduleNames() {
    std::set<std::string> out;
    for (const auto& [name, allowed] : allowedModules()) out.insert(name);
    return out;
  }

  // Table `layers`: | layer number | `engine/folder` | … |.
  static std::map<std::string, int> layers() {
    std::map<std::string, int> out;
    for (const auto& row : table("layers")) {
      auto folder = codes(row.at(1));
      if (folder.size() != 1 || folder[0].rfind("engine/", 0) != 0)
        throw std::runtime_error("layers table: bad folder cell '" + row.at(1) + "'");
      out[folder[0].substr(7)] = std::stoi(row.at(0));
    }
    return out;
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LayeringTest);
