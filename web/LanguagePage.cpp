// Portal: a person's language for pages and mails (the picker in the layout).
#include "api/AcceptLanguage.h"
#include "web/Portal.h"

namespace keywarden::web {

std::string Portal::languageFor(const std::string& email, const std::string& acceptLanguage) const {
  if (!email.empty()) {
    std::string saved = _s.templates.language(_s.portal.languageOf(email));
    if (!saved.empty()) return saved;
  }
  std::string asked = api::AcceptLanguage::choose(acceptLanguage, _s.templates.languages());
  if (!asked.empty()) return asked;
  std::string fallback = _s.templates.language(_settings.defaultLanguage);
  return fallback.empty() ? mail::TemplateSet::kEnglish : fallback;
}

void Portal::chooseLanguage(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  std::map<std::string, std::string> form;
  if (!readForm(ex, v, {"language"}, form)) return;
  std::string tag = _s.templates.language(form["language"]);
  if (tag.empty())
    return message(ex, v, 400, tx(v)("message.notSaved"), tx(v)("message.unknownLanguage"));
  if (auto e = _s.portal.setLanguage(*v.session, tag))
    return failed(ex, v, "message.notRecorded", *e);
  redirect(ex, "/");
}

}  // namespace keywarden::web
