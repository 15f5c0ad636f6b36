#include "mail/CompiledTemplate.h"

#include <cctype>

namespace keywarden::mail {

namespace {
// A tag that can make kainjow write into the template while rendering: a partial ({{>x}}, whose
// failure sets the template's error) or a delimiter change ({{=<% %>=}}, after which partials can
// hide behind other delimiters). kainjow trims a tag's contents, so space may come first. Errs on
// the safe side: "{{{>x}}}" (a variable named ">x") counts too.
bool mayWriteWhileRendering(const std::string& source) {
  for (size_t at = source.find("{{"); at != std::string::npos; at = source.find("{{", at + 1)) {
    size_t i = at + 2;
    while (i < source.size() && std::isspace(static_cast<unsigned char>(source[i]))) ++i;
    if (i < source.size() && (source[i] == '>' || source[i] == '=')) return true;
  }
  return false;
}
}  // namespace

CompiledTemplate::CompiledTemplate(const std::string& source, Escape escape)
    : _parsed(source), _copyEachRender(mayWriteWhileRendering(source)) {
  if (escape == Escape::None) _parsed.set_custom_escape([](const std::string& x) { return x; });
}

std::string CompiledTemplate::render(const kainjow::mustache::data& data) const {
  std::string out;
  const kainjow::mustache::mustache::render_handler append = [&out](const std::string& piece) {
    out += piece;
  };
  if (_copyEachRender) {
    kainjow::mustache::mustache copy = _parsed;
    copy.render(data, append);
  } else {
    // Only reads the parsed form: no partial or lambda can run (lambdas come from data, and the
    // data built from JSON holds none), so kainjow's error state is never written.
    _parsed.render(data, append);
  }
  return out;
}

}  // namespace keywarden::mail
