#include <cppunit/extensions/HelperMacros.h>

#include <Poco/File.h>

#include <fstream>
#include <regex>
#include <set>

#include "mail/TemplateSet.h"
#include "tests/support/TempDir.h"

using keywarden::mail::TemplateError;
using keywarden::mail::TemplateSet;
using keywarden::test::TempDir;

namespace {
const std::string kShipped = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";

// The names a template reads: {{x}}, {{{x}}}, {{#x}}, {{^x}}, {{&x}} ("." excluded).
std::set<std::string> fields(const std::string& text) {
  std::set<std::string> out;
  static const std::regex tag(R"(\{\{\{?\s*[#^&/]?\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}?\}\})");
  for (std::sregex_iterator it(text.begin(), text.end(), tag), end; it != end; ++it)
    out.insert((*it)[1]);
  return out;
}

// Fields whose value is an English phrase the engine writes (engine/notices): a translation
// may say the same from structured fields instead, listed beside it.
const std::set<std::string> kEnglishPhrases = {"accessText", "approvalText", "levelText"};
const std::set<std::string> kStructured = {"unrestricted", "levelName", "level", "levelCount"};

void copyTree(const std::string& from, const std::string& to) {
  Poco::File(from).copyTo(to);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}
}  // namespace

// Languages as folders (templates/lang/<tag>/ overlaying templates/), and the whole set swapped
// at once by a reload.
class TemplateSetTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TemplateSetTest);
  CPPUNIT_TEST(everyLanguageTranslatesEveryTemplateAndString);
  CPPUNIT_TEST(translationsReadTheFieldsTheEnglishTemplatesRead);
  CPPUNIT_TEST(everyTranslatedMailAndPageRendersInItsLanguage);
  CPPUNIT_TEST(aMissingTranslationFallsBackToEnglishAndSoDoesAnUnknownLanguage);
  CPPUNIT_TEST(aTranslationWithNoEnglishTemplateOrStringIsRefusedNamingTheFile);
  CPPUNIT_TEST(replaceSwapsTheWholeSetAndAHeldSnapshotStaysWhole);
  CPPUNIT_TEST_SUITE_END();

 public:
  // The admin console's templates hold markup, not words: their words are the console.* ids of
  // strings.json (checked below like every other id), so no language needs its own copy.
  static bool adminConsole(const std::string& name) {
    return name.rfind("pages/portal/admin/", 0) == 0;
  }

  void everyLanguageTranslatesEveryTemplateAndString() {
    TemplateSet t(kShipped);
    auto s = t.sources();
    CPPUNIT_ASSERT_EQUAL(std::string("en,zh-TW"), join(t.languages()));
    const auto& en = s->files.at("en");
    for (const auto& [lang, files] : s->files) {
      if (lang == "en") continue;
      for (const auto& [name, text] : en)
        CPPUNIT_ASSERT_MESSAGE(
            lang + " lacks " + name + " (it would be English)",
            files.count(name) || name == "pages/portal/keywarden.css" || adminConsole(name));
      for (const auto& [id, text] : s->strings.at("en"))
        CPPUNIT_ASSERT_MESSAGE(lang + "/strings.json lacks " + id, s->strings.at(lang).count(id));
    }
  }

  void translationsReadTheFieldsTheEnglishTemplatesRead() {
    TemplateSet t(kShipped);
    auto s = t.sources();
    const auto& en = s->files.at("en");
    for (const auto& [lang, files] : s->files) {
      if (lang == "en") continue;
      for (const auto& [name, text] : files) {
        if (name == "pages/portal/keywarden.css") continue;
        auto mine = fields(text), english = fields(en.at(name));
        for (const auto& f : english)
          CPPUNIT_ASSERT_MESSAGE(lang + "/" + name + " leaves out the field " + f,
                                 mine.count(f) || kEnglishPhrases.count(f));
        for (const auto& f : mine)
          CPPUNIT_ASSERT_MESSAGE(lang + "/" + name + " reads " + f + ", which English does not",
                                 english.count(f) || kStructured.count(f));
      }
      for (const auto& [id, text] : s->strings.at(lang))
        CPPUNIT_ASSERT_MESSAGE(lang + "/strings.json " + id + " has other fields than English",
                               fields(text) == fields(s->strings.at("en").at(id)));
    }
  }

  void everyTranslatedMailAndPageRendersInItsLanguage() {
    TemplateSet t(kShipped);
    const std::string ctx =
        R"({"number":"KA-1","keyName":"k","clientName":"Shop","requester":"dev@example.com",)"
        R"("approver":"lead@example.com","recipient":"dev@example.com","level":1,)"
        R"("levelCount":2,"levelName":"Lead","comment":"a & b","isNew":true,"count":1,)"
        R"("valid":true,"signedIn":true})";
    for (const auto& e : TemplateSet::mailEvents()) {
      auto en = t.renderMail(e, ctx, "kw_x", "en");
      auto zh = t.renderMail(e, ctx, "kw_x", "zh-TW");
      CPPUNIT_ASSERT_MESSAGE(e,
                             zh.subject != en.subject && zh.text != en.text && zh.html != en.html);
      CPPUNIT_ASSERT_MESSAGE(e + ": " + zh.text, zh.text.find("您好") != std::string::npos ||
                                                     zh.text.find("申請") != std::string::npos);
      CPPUNIT_ASSERT_MESSAGE(e, zh.html.find("lang=\"zh-TW\"") != std::string::npos);
    }
    for (const auto& p : TemplateSet::pages()) {
      if (adminConsole("pages/" + p)) continue;
      std::string en = t.renderPage(p, ctx, "en"), zh = t.renderPage(p, ctx, "zh-TW");
      CPPUNIT_ASSERT_MESSAGE(p, en != zh);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("審核中"), t.text("state.IN_REVIEW", "zh-TW"));
    CPPUNIT_ASSERT_EQUAL(std::string("KA-1 — Keywarden"),
                         t.text("title.named", "zh-TW", {{"name", "KA-1"}}));
  }

  void aMissingTranslationFallsBackToEnglishAndSoDoesAnUnknownLanguage() {
    TempDir dir("kwtemplates");
    std::string root = dir.file("templates");
    copyTree(kShipped, root);
    Poco::File(root + "/lang/zh-TW/mail/rejected.subject.mustache").remove();
    write(root + "/lang/zh-TW/strings.json", R"({"title.inbox":"待審清單"})");
    TemplateSet t(root);
    CPPUNIT_ASSERT_EQUAL(std::string("Rejected: KA-1 k for Shop"),
                         t.renderMail("rejected",
                                      R"({"number":"KA-1","keyName":"k",)"
                                      R"("clientName":"Shop"})",
                                      "", "zh-TW")
                             .subject);
    CPPUNIT_ASSERT_EQUAL(std::string("待審清單"), t.text("title.inbox", "zh-TW"));
    CPPUNIT_ASSERT_EQUAL(std::string("Keys — Keywarden"), t.text("title.keys", "zh-TW"));
    CPPUNIT_ASSERT_EQUAL(std::string("Keys — Keywarden"), t.text("title.keys", "fr"));
    CPPUNIT_ASSERT_EQUAL(t.renderPage("forged", "{}", "en"), t.renderPage("forged", "{}", "fr"));
    CPPUNIT_ASSERT_EQUAL(std::string("zh-TW"), t.language("ZH-tw"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), t.language("fr"));
  }

  void aTranslationWithNoEnglishTemplateOrStringIsRefusedNamingTheFile() {
    TempDir dir("kwtemplates");
    std::string root = dir.file("templates");
    copyTree(kShipped, root);
    std::string typo = root + "/lang/zh-TW/mail/rejectd.subject.mustache";
    write(typo, "x");
    CPPUNIT_ASSERT_EQUAL(typo +
                             ": no English template of that name (mail/rejectd.subject.mustache) "
                             "to translate",
                         errorOf(root));
    Poco::File(typo).remove();
    write(root + "/lang/zh-TW/strings.json", R"({"title.inbx":"x"})");
    CPPUNIT_ASSERT_EQUAL(root +
                             "/lang/zh-TW/strings.json: title.inbx: no such id in the English "
                             "strings.json",
                         errorOf(root));
    write(root + "/lang/zh-TW/strings.json", R"({"title.inbox":"{{#x}}"})");
    CPPUNIT_ASSERT(errorOf(root).rfind(root + "/lang/zh-TW/strings.json: title.inbox: ", 0) == 0);
    write(root + "/lang/zh-TW/strings.json", "{}");
    write(root + "/lang/zh-TW/pages/used.mustache", "{{#number}}");
    CPPUNIT_ASSERT(errorOf(root).rfind(root + "/lang/zh-TW/pages/used.mustache: ", 0) == 0);
  }

  void replaceSwapsTheWholeSetAndAHeldSnapshotStaysWhole() {
    TempDir dir("kwtemplates");
    std::string root = dir.file("templates");
    copyTree(kShipped, root);
    TemplateSet live(root);
    auto held = live.sources();
    write(root + "/mail/signin.subject.mustache", "New subject");
    write(root + "/lang/zh-TW/mail/signin.subject.mustache", "新的主旨");
    live.replace(TemplateSet(root));
    CPPUNIT_ASSERT_EQUAL(std::string("New subject"), live.renderMail("signin", "{}").subject);
    CPPUNIT_ASSERT_EQUAL(std::string("新的主旨"),
                         live.renderMail("signin", "{}", "", "zh-TW").subject);
    CPPUNIT_ASSERT_EQUAL(std::string("Your Keywarden sign-in link\n"),
                         held->files.at("en").at("mail/signin.subject"));
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  }
  static std::string errorOf(const std::string& root) {
    try {
      TemplateSet t(root);
    } catch (const TemplateError& e) {
      return e.what();
    }
    return "";
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TemplateSetTest);
