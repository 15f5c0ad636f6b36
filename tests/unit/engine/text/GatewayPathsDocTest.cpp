// docs/GATEWAY-PATHS.md's two tables of inputs and answers are this test: every row is checked
// against engine::RequestTarget, so the page and the code cannot drift apart.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/text/RequestTarget.h"

using keywarden::engine::RequestTarget;

namespace {

struct Row {
  int line;
  std::string input, answer;
};

// The cells of one Markdown table row; `\|` inside a cell is a `|`.
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 1; i < line.size(); ++i) {  // line[0] is the leading '|'
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cur.push_back('|');
      ++i;
    } else if (line[i] == '|') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(line[i]);
    }
  }
  return out;
}

// `text` between its backticks, "(empty)" read as "". Returns false when the cell is not code.
bool code(std::string text, std::string& out) {
  size_t a = text.find('`'), b = text.rfind('`');
  if (a == std::string::npos || b == a) return false;
  out = text.substr(a + 1, b - a - 1);
  if (out == "(empty)") out.clear();
  return true;
}

// The rows of the table that follows the line `<!-- table:NAME -->`.
std::vector<Row> table(const std::string& name) {
  std::string path = std::string(KEYWARDEN_SOURCE_DIR) + "/docs/GATEWAY-PATHS.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  bool inside = false;
  while (std::getline(in, line)) {
    ++n;
    if (line == "<!-- table:" + name + " -->") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty() || line[0] != '|') {
      if (!rows.empty()) break;
      continue;
    }
    std::vector<std::string> c = cells(line);
    Row r{n, {}, {}};
    if (c.size() < 2 || !code(c[0], r.input) || !code(c[1], r.answer)) continue;  // header
    rows.push_back(r);
  }
  return rows;
}

std::string where(const Row& r) {
  return "docs/GATEWAY-PATHS.md:" + std::to_string(r.line) + " `" + r.input + "` -> `" + r.answer +
         "`";
}

}  // namespace

class GatewayPathsDocTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(GatewayPathsDocTest);
  CPPUNIT_TEST(everyPathRowOfTheDocIsWhatRequestTargetAnswers);
  CPPUNIT_TEST(everyMethodRowOfTheDocIsWhatRequestTargetAnswers);
  CPPUNIT_TEST_SUITE_END();

 public:
  void everyPathRowOfTheDocIsWhatRequestTargetAnswers() {
    std::vector<Row> rows = table("paths");
    CPPUNIT_ASSERT_MESSAGE("the paths table has " + std::to_string(rows.size()) + " rows",
                           rows.size() >= 40);
    int accepted = 0, refused = 0;
    for (const Row& r : rows) {
      RequestTarget t;
      bool ok = t.parse(r.input);
      if (!r.answer.empty() && r.answer[0] == '/') {
        ++accepted;
        CPPUNIT_ASSERT_MESSAGE(where(r) + ": refused (" + t.why() + ")", ok);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(r), r.answer, std::string(t.path()));
        // What it answers is itself normal: judged again, it stays the same.
        CPPUNIT_ASSERT_MESSAGE(where(r), RequestTarget::isNormal(t.path()));
      } else {
        ++refused;
        CPPUNIT_ASSERT_MESSAGE(where(r) + ": accepted as " + std::string(t.path()), !ok);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(r), r.answer,
                                     std::string(RequestTarget::refusalName(t.refusal())));
        CPPUNIT_ASSERT_MESSAGE(where(r), std::string(t.why()).size() > 0);
      }
    }
    CPPUNIT_ASSERT(accepted >= 10 && refused >= 30);
  }

  void everyMethodRowOfTheDocIsWhatRequestTargetAnswers() {
    std::vector<Row> rows = table("methods");
    CPPUNIT_ASSERT(rows.size() >= 8);
    for (const Row& r : rows) {
      RequestTarget t;
      bool ok = t.checkMethod(r.input);
      if (r.answer == "AMBIGUOUS_METHOD") {
        CPPUNIT_ASSERT_MESSAGE(where(r), !ok);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(r), r.answer,
                                     std::string(RequestTarget::refusalName(t.refusal())));
      } else {
        CPPUNIT_ASSERT_MESSAGE(where(r), ok);
        CPPUNIT_ASSERT_EQUAL_MESSAGE(where(r), r.answer, std::string(t.method()));
      }
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(GatewayPathsDocTest);
