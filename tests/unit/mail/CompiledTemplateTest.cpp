#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "mail/CompiledTemplate.h"

using keywarden::mail::CompiledTemplate;
using Data = kainjow::mustache::data;

namespace {
// What a template parsed afresh for this one render gives (what TemplateSet did before
// templates were parsed once).
std::string fresh(const std::string& source, const Data& data, bool html) {
  kainjow::mustache::mustache t(source);
  if (!html) t.set_custom_escape([](const std::string& x) { return x; });
  return t.render(data);
}

Data values(const std::string& name, const std::string& partial) {
  Data d;
  d.set("name", name);
  d.set("p", partial);  // {{>p}} renders this string as a template
  Data items(Data::type::list);
  items.push_back(Data(name + "1"));
  items.push_back(Data(name + "2"));
  d.set("items", items);
  return d;
}
}  // namespace

// A template parsed once and rendered many times, from many threads: the same bytes as parsing
// it afresh each time, and a partial that fails in one render does not spoil the next.
class CompiledTemplateTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(CompiledTemplateTest);
  CPPUNIT_TEST(aPlainTemplateRendersWhatAFreshParseRendersEscapedOrNot);
  CPPUNIT_TEST(aTemplateWithAPartialRendersFromACopySoABadPartialSpoilsOnlyItsOwnRender);
  CPPUNIT_TEST(aDelimiterChangeRendersLikeAFreshParse);
  CPPUNIT_TEST(aSyntaxErrorIsInvalidNamingTheProblemAndRendersNothing);
  CPPUNIT_TEST(eightThreadsRenderingOneTemplateEachGetTheirOwnValues);
  CPPUNIT_TEST_SUITE_END();

 public:
  void aPlainTemplateRendersWhatAFreshParseRendersEscapedOrNot() {
    const std::string src =
        "Hi {{name}} & {{{name}}}\n{{#items}}- {{.}}\n{{/items}}{{^none}}!{{/none}}";
    Data d = values("<Tom & \"Jerry\">", "");
    CompiledTemplate html(src, CompiledTemplate::Escape::Html);
    CompiledTemplate text(src, CompiledTemplate::Escape::None);
    CPPUNIT_ASSERT(html.valid());
    CPPUNIT_ASSERT(!html.rendersFromCopy());
    CPPUNIT_ASSERT_EQUAL(fresh(src, d, true), html.render(d));
    CPPUNIT_ASSERT_EQUAL(fresh(src, d, false), text.render(d));
    CPPUNIT_ASSERT(html.render(d).find("&lt;Tom &amp;") != std::string::npos);
    CPPUNIT_ASSERT(text.render(d).find("Hi <Tom & \"Jerry\">") == 0);
  }

  void aTemplateWithAPartialRendersFromACopySoABadPartialSpoilsOnlyItsOwnRender() {
    const std::string src = "[{{> p }}] {{name}}";
    CompiledTemplate t(src, CompiledTemplate::Escape::None);
    CPPUNIT_ASSERT(t.rendersFromCopy());
    CPPUNIT_ASSERT_EQUAL(std::string("[x=a] a"), t.render(values("a", "x={{name}}")));
    // An unclosed section in the partial: kainjow stops and records the error in the template
    // it renders — a copy, so the next render is whole again.
    CPPUNIT_ASSERT_EQUAL(fresh(src, values("b", "{{#open}}"), false),
                         t.render(values("b", "{{#open}}")));
    CPPUNIT_ASSERT(t.valid());
    CPPUNIT_ASSERT_EQUAL(std::string("[y=c] c"), t.render(values("c", "y={{name}}")));
  }

  void aDelimiterChangeRendersLikeAFreshParse() {
    const std::string src = "{{name}} {{=<% %>=}}<% name %> {{name}} <%={{ }}=%>{{name}}";
    CompiledTemplate t(src, CompiledTemplate::Escape::Html);
    CPPUNIT_ASSERT(t.rendersFromCopy());
    Data d = values("a&b", "");
    CPPUNIT_ASSERT_EQUAL(fresh(src, d, true), t.render(d));
    CPPUNIT_ASSERT_EQUAL(std::string("a&amp;b a&amp;b {{name}} a&amp;b"), t.render(d));
  }

  void aSyntaxErrorIsInvalidNamingTheProblemAndRendersNothing() {
    CompiledTemplate t("{{#open}} never closed", CompiledTemplate::Escape::None);
    CPPUNIT_ASSERT(!t.valid());
    CPPUNIT_ASSERT(t.error().find("open") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(std::string(), t.render(values("a", "")));
  }

  void eightThreadsRenderingOneTemplateEachGetTheirOwnValues() {
    const std::string plainSrc = "{{name}}:{{#items}}<{{.}}>{{/items}}";
    const std::string partialSrc = "{{name}}:{{>p}}";
    CompiledTemplate plain(plainSrc, CompiledTemplate::Escape::Html);
    CompiledTemplate partial(partialSrc, CompiledTemplate::Escape::None);
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int n = 0; n < 8; ++n)
      threads.emplace_back([&, n] {
        for (int i = 0; i < 400; ++i) {
          std::string name = "t" + std::to_string(n) + "_" + std::to_string(i);
          // Every third render of the partial template fails inside its partial.
          std::string p = i % 3 == 0 ? "{{#open}}" : "ok {{name}}";
          Data d = values(name, p);
          if (plain.render(d) != fresh(plainSrc, d, true)) ++wrong;
          if (partial.render(d) != fresh(partialSrc, d, false)) ++wrong;
        }
      });
    for (auto& t : threads) t.join();
    CPPUNIT_ASSERT_EQUAL(0, wrong.load());
    CPPUNIT_ASSERT(plain.valid() && partial.valid());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(CompiledTemplateTest);
