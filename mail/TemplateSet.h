#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace keywarden::mail {

// A template that cannot be used: what() names the file and the problem.
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RenderedMail {
  std::string subject;
  std::string text;
  std::string html;
};

// The mail templates (templates/mail/<event>.{subject,txt,html}.mustache), the approver
// link pages (templates/pages/<page>.mustache) and the portal's (templates/pages/portal/), read and
// parsed once at start-up so a missing file or a syntax error stops start-up naming the file;
// wording changes need no rebuild. Values are HTML-escaped in HTML parts and pages, and left as
// they are in subjects and text. An empty string counts as false in a section
// ({{#comment}}…{{/comment}}). Thread-safe.
class TemplateSet {
 public:
  static const std::vector<std::string>& mailEvents();
  static const std::vector<std::string>& pages();

  explicit TemplateSet(const std::string& dir);

  // `contextJson` is a JSON object; `secret`, when not empty, is available as {{key}}.
  RenderedMail renderMail(const std::string& event, const std::string& contextJson,
                          const std::string& secret = "") const;
  std::string renderPage(const std::string& page, const std::string& contextJson) const;

 private:
  std::string render(const std::string& name, const std::string& contextJson,
                     const std::string& secret, bool html) const;
  std::map<std::string, std::string> _sources;  // name -> template text
};

}  // namespace keywarden::mail
