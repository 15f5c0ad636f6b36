#include "mail/PhraseText.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <vector>

namespace keywarden::mail {

namespace {
using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr objectOf(const Poco::Dynamic::Var& v) {
  return v.type() == typeid(Object::Ptr) ? v.extract<Object::Ptr>() : Object::Ptr();
}

std::string number(int64_t n) {
  return std::to_string(n);
}

// "1,234" (digit groups of three).
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string counted(const PhraseText::Lookup& t, const std::string& id, int64_t n,
                    const std::string& shown) {
  return t(id, {{"n", shown}, {"many", n == 1 ? "" : "yes"}});
}

// The two largest units, rounded down (engine::Words::duration in the reader's words).
std::string duration(int64_t ms, const PhraseText::Lookup& t) {
  if (ms < 0) ms = -ms;
  static const std::pair<int64_t, const char*> units[] = {{86400000, "unit.day"},
                                                          {3600000, "unit.hour"},
                                                          {60000, "unit.minute"},
                                                          {1000, "unit.second"}};
  for (size_t i = 0; i < 4; ++i) {
    if (ms < units[i].first) continue;
    int64_t n = ms / units[i].first;
    std::string out = counted(t, units[i].second, n, number(n));
    int64_t rest = ms % units[i].first;
    if (i + 1 < 4 && rest >= units[i + 1].first) {
      int64_t m = rest / units[i + 1].first;
      out = t("unit.join", {{"a", out}, {"b", counted(t, units[i + 1].second, m, number(m))}});
    }
    return out;
  }
  return t("unit.lessThanSecond", {});
}

// One exact unit, as flows write durations (engine::Duration::format in the reader's words).
std::string shortDuration(int64_t ms, const PhraseText::Lookup& t) {
  static const std::pair<int64_t, const char*> units[] = {
      {86400000, "short.d"}, {3600000, "short.h"}, {60000, "short.m"}, {1000, "short.s"}};
  for (const auto& [unit, id] : units)
    if (ms != 0 && ms % unit == 0) return counted(t, id, ms / unit, number(ms / unit));
  return counted(t, "short.ms", ms, number(ms));
}

std::string separator(const Object::Ptr& p, const PhraseText::Lookup& t) {
  std::string sep = p->optValue<std::string>("sep", "");
  if (sep == "newline") return "\n";
  if (sep == "space") return " ";
  return t(sep == "semicolon" ? "list.semicolon" : "list.comma", {});
}
}  // namespace

namespace {
// What makes an object a phrase, in the order say() looks for them.
enum Marks : unsigned {
  kId = 1,
  kDuration = 2,
  kShort = 4,
  kRelative = 8,
  kCalls = 16,
  kList = 32,
  kAnd = 64
};

// The phrase marks `p` holds, in one pass over its keys: they all begin with '@', and the keys
// of a Poco JSON object come in byte order, so the walk stops at the first key past them.
unsigned marksOf(const Object& p) {
  static const std::pair<const char*, Marks> kMarks[] = {
      {"@", kId},         {"@duration", kDuration}, {"@short", kShort}, {"@relative", kRelative},
      {"@calls", kCalls}, {"@list", kList},         {"@and", kAnd}};
  unsigned marks = 0;
  for (const auto& kv : p) {
    const std::string& key = kv.first;
    if (key.empty() || key[0] < '@') continue;
    if (key[0] > '@') break;
    for (const auto& [name, mark] : kMarks)
      if (key == name) marks |= mark;
  }
  return marks;
}
}  // namespace

bool PhraseText::isPhrase(const Poco::Dynamic::Var& v) {
  auto p = objectOf(v);
  return p && marksOf(*p) != 0;
}

std::string PhraseText::say(const Poco::Dynamic::Var& v, const Lookup& t) {
  if (v.isEmpty()) return "";
  auto p = objectOf(v);
  unsigned marks = p ? marksOf(*p) : 0;
  if (marks == 0) return v.convert<std::string>();
  if (marks & kId) {
    std::string id = p->getValue<std::string>("@");
    std::map<std::string, std::string> values;
    for (const auto& [name, value] : *p)
      if (name != "@" && name != "@else") values[name] = say(value, t);
    std::string out = t(id, values);
    if (out == id && p->has("@else")) return say(p->get("@else"), t);
    return out;
  }
  if (marks & kDuration) return duration(p->getValue<int64_t>("@duration"), t);
  if (marks & kShort) return shortDuration(p->getValue<int64_t>("@short"), t);
  if (marks & kRelative) {
    int64_t d = p->getValue<int64_t>("@relative") - p->optValue<int64_t>("now", 0);
    if (d > -60000 && d < 60000) return t("time.justNow", {});
    return t(d > 0 ? "time.in" : "time.ago", {{"duration", duration(d, t)}});
  }
  if (marks & kCalls) {
    int64_t n = p->getValue<int64_t>("@calls");
    if (n < 0) return t("amount.unlimited", {});
    return counted(t, "amount.calls", n,
                   p->optValue<bool>("grouped", true) ? grouped(n) : number(n));
  }
  bool sentence = (marks & kAnd) != 0;
  Array::Ptr items = p->getArray(sentence ? "@and" : "@list");
  std::vector<std::string> said;
  if (items)
    for (unsigned i = 0; i < items->size(); ++i) said.push_back(say(items->get(i), t));
  if (said.empty()) return sentence ? "" : say(p->get("none"), t);
  std::string sep = separator(p, t), out;
  for (size_t i = 0; i < said.size(); ++i) {
    if (i > 0) out += sentence && i + 1 == said.size() ? t("list.and", {}) : sep;
    out += said[i];
  }
  return out;
}

Poco::Dynamic::Var PhraseText::resolve(const Poco::Dynamic::Var& v, const Lookup& t) {
  auto o = objectOf(v);
  if (o && marksOf(*o) != 0) return say(v, t);
  if (o) {
    Object::Ptr copy = new Object;
    for (const auto& [name, value] : *o) copy->set(name, resolve(value, t));
    return copy;
  }
  if (v.type() == typeid(Array::Ptr)) {
    auto a = v.extract<Array::Ptr>();
    Array::Ptr copy = new Array;
    for (unsigned i = 0; i < a->size(); ++i) copy->add(resolve(a->get(i), t));
    return copy;
  }
  return v;
}

}  // namespace keywarden::mail
