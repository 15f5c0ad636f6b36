#include <cppunit/extensions/HelperMacros.h>

#include <Poco/File.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mail/TemplateSet.h"
#include "tests/support/TempDir.h"

using keywarden::mail::RenderedMail;
using keywarden::mail::TemplateSet;
using keywarden::test::TempDir;

namespace {
const std::string kShipped = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// The shipped templates with the sign-in mail's three parts saying `mark`.
std::string variant(TempDir& dir, const std::string& mark) {
  std::string root = dir.file("templates-" + mark);
  Poco::File(kShipped).copyTo(root);
  write(root + "/mail/signin.subject.mustache", mark + " subject {{who}}");
  write(root + "/mail/signin.txt.mustache", mark + " text {{who}}");
  write(root + "/mail/signin.html.mustache", "<p>" + mark + " html {{who}}</p>");
  return root;
}
}  // namespace

// A reload (TemplateSet::replace) while sender threads render: each mail comes whole from one
// set — never a subject of the old set with a body of the new — and nothing crashes or locks.
class TemplateReloadTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TemplateReloadTest);
  CPPUNIT_TEST(mailsRenderedDuringReloadsComeWholeFromOneSet);
  CPPUNIT_TEST_SUITE_END();

 public:
  void mailsRenderedDuringReloadsComeWholeFromOneSet() {
    TempDir dir("kwreload");
    const std::string a = variant(dir, "A"), b = variant(dir, "B");
    TemplateSet live(a);
    std::atomic<bool> done{false};
    std::atomic<int> torn{0}, rendered{0}, sawA{0}, sawB{0};
    std::vector<std::thread> senders;
    for (int n = 0; n < 4; ++n)
      senders.emplace_back([&, n] {
        std::string who = "w" + std::to_string(n);
        std::string context = "{\"who\":\"" + who + "\"}";
        while (!done.load() || rendered.load() < 200) {
          RenderedMail m = live.renderMail("signin", context);
          std::string mark = m.subject.substr(0, 1);
          bool whole = m.subject == mark + " subject " + who && m.text == mark + " text " + who &&
                       m.html == "<p>" + mark + " html " + who + "</p>";
          if (!whole) ++torn;
          (mark == "A" ? sawA : sawB)++;
          ++rendered;
        }
      });
    for (int i = 0; i < 20; ++i) live.replace(TemplateSet(i % 2 ? a : b));  // each set a temporary
    done = true;
    for (auto& t : senders) t.join();
    CPPUNIT_ASSERT_EQUAL(0, torn.load());
    CPPUNIT_ASSERT(sawA.load() + sawB.load() == rendered.load());
    // The last replace left set A in place.
    CPPUNIT_ASSERT_EQUAL(std::string("A subject x"),
                         live.renderMail("signin", R"({"who":"x"})").subject);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TemplateReloadTest);
