// libFuzzer target: mail::TemplateSet loading untrusted template files — an operator's edited
// templates/, or a translation. The first byte's bit 1 picks what the rest becomes, in a copy
// of the source tree's templates with a language folder `fz` of its own: clear —
// templates/lang/fz/pages/done.mustache; set — the text of one id (title.home) of
// templates/lang/fz/strings.json. Invariants: the set either loads or throws TemplateError (the
// start-up line naming the file); what loads renders without throwing. Each input loads a whole
// set, so this target is slow by nature (about 16 executions a second under ASan); the values
// people type are TemplateFuzz's, which renders without reloading.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "mail/TemplateSet.h"

using keywarden::mail::TemplateError;
using keywarden::mail::TemplateSet;

namespace {
const std::string kSource = std::string(KEYWARDEN_SOURCE_DIR) + "/templates";

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// A copy of the source tree's templates with an empty language folder `fz`.
const std::string& scratchDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/kw-fuzz-templates-XXXXXX";
    if (!mkdtemp(tmpl)) std::abort();
    std::string d = std::string(tmpl) + "/templates";
    Poco::File(kSource).copyTo(d);
    Poco::File(d + "/lang/fz/pages").createDirectories();
    return d;
  }();
  return dir;
}

void untrustedTemplate(uint8_t pick, const std::string& text) {
  const std::string& dir = scratchDir();
  const std::string page = dir + "/lang/fz/pages/done.mustache";
  const std::string strings = dir + "/lang/fz/strings.json";
  std::remove(page.c_str());
  std::remove(strings.c_str());
  if (pick & 2) {
    // Any bytes: a strings.json Poco's parser refuses is a TemplateError like any other.
    Poco::JSON::Object o;
    o.set("title.home", text);
    std::ostringstream s;
    o.stringify(s);
    writeFile(strings, s.str());
  } else {
    writeFile(page, text);
  }
  std::unique_ptr<TemplateSet> set;
  try {
    set = std::make_unique<TemplateSet>(dir);
  } catch (const TemplateError&) {
    return;  // the start-up line naming the file
  }
  (void)set->renderPage("done", R"({"title":"t","message":"m"})", "fz");
  (void)set->text("title.home", "fz", {{"name", "n"}});
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  untrustedTemplate(data[0], std::string(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
