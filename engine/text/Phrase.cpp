#include "engine/text/Phrase.h"

namespace keywarden::engine {

namespace {
Poco::JSON::Array::Ptr array(const std::vector<Poco::Dynamic::Var>& items) {
  Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
  for (const auto& v : items) a->add(v);
  return a;
}
std::vector<Poco::Dynamic::Var> vars(const std::vector<std::string>& items) {
  return std::vector<Poco::Dynamic::Var>(items.begin(), items.end());
}
}  // namespace

Phrase::Ptr Phrase::text(const std::string& id, Values values) {
  Ptr p = new Poco::JSON::Object;
  p->set("@", id);
  for (const auto& [name, value] : values) p->set(name, value);
  return p;
}

Phrase::Ptr Phrase::duration(int64_t ms) {
  Ptr p = new Poco::JSON::Object;
  p->set("@duration", ms);
  return p;
}

Phrase::Ptr Phrase::shortDuration(int64_t ms) {
  Ptr p = new Poco::JSON::Object;
  p->set("@short", ms);
  return p;
}

Phrase::Ptr Phrase::relative(int64_t at, int64_t now) {
  Ptr p = new Poco::JSON::Object;
  p->set("@relative", at);
  p->set("now", now);
  return p;
}

Phrase::Ptr Phrase::calls(int64_t n, bool grouped) {
  Ptr p = new Poco::JSON::Object;
  p->set("@calls", n);
  if (!grouped) p->set("grouped", false);
  return p;
}

Phrase::Ptr Phrase::list(const std::vector<Poco::Dynamic::Var>& items,
                         const Poco::Dynamic::Var& none, const std::string& separator) {
  Ptr p = new Poco::JSON::Object;
  p->set("@list", array(items));
  p->set("none", none);
  if (!separator.empty()) p->set("sep", separator);
  return p;
}

Phrase::Ptr Phrase::list(const std::vector<std::string>& items, const Poco::Dynamic::Var& none,
                         const std::string& separator) {
  return list(vars(items), none, separator);
}

Phrase::Ptr Phrase::andList(const std::vector<Poco::Dynamic::Var>& items) {
  Ptr p = new Poco::JSON::Object;
  p->set("@and", array(items));
  return p;
}

Phrase::Ptr Phrase::andList(const std::vector<std::string>& items) {
  return andList(vars(items));
}

Phrase::Ptr Phrase::error(const std::string& code, const std::string& field,
                          const std::string& message) {
  Ptr p = text("error.code." + code, {{"field", field}, {"message", message}});
  p->set("@else", message);
  return p;
}

}  // namespace keywarden::engine
