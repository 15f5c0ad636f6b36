#pragma once

#include <kainjow/mustache.hpp>

#include <string>

namespace keywarden::mail {

// One mustache template, parsed once (kainjow) and rendered many times. `Escape::Html` escapes
// {{x}} for HTML (mail HTML parts, pages); `Escape::None` leaves values as they are (subjects,
// text parts, strings). The output is byte for byte what parsing the source afresh and rendering
// it would give.
//
// Thread-safe: render() may run from any number of threads at once on one object. kainjow's
// render is not const — a partial ({{>name}}) or a lambda can write the template's error state —
// so a template whose source holds a partial or a delimiter change ({{=<% %>=}}) is rendered
// from a private copy of the parsed form each time; every other one renders from the shared
// parsed form, which its render only reads. Immutable after construction; copyable.
class CompiledTemplate {
 public:
  enum class Escape { Html, None };

  // Parses `source`; valid() says whether it parsed, error() why not.
  CompiledTemplate(const std::string& source, Escape escape);

  bool valid() const { return _parsed.is_valid(); }
  // kainjow's message ("Unclosed section \"x\" at 12"), "" when valid.
  const std::string& error() const { return _parsed.error_message(); }
  // True when renders work on a private copy (a partial or a delimiter change in the source).
  bool rendersFromCopy() const { return _copyEachRender; }

  // The template filled with `data`; "" when the template is not valid.
  // REQUIRES: `data` holds no lambda (kainjow reports a lambda's failure by writing the
  // template's error state). Data built from JSON never does.
  std::string render(const kainjow::mustache::data& data) const;

 private:
  // kainjow's render is not const; see the class comment for why calling it here is safe.
  mutable kainjow::mustache::mustache _parsed;
  bool _copyEachRender;
};

}  // namespace keywarden::mail
