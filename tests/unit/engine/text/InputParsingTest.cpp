// Input is checked, never silently altered: strict JSON, integers, text, scopes, e-mail
// addresses, RFC 3339 times and safe quoting of bad input (issue 10 §4).
#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Object.h>

#include "api/BodyReader.h"
#include "api/JsonWriter.h"
#include "engine/base/Rfc3339.h"
#include "engine/flows/FlowParser.h"
#include "engine/text/JsonText.h"
#include "engine/text/StrictJson.h"
#include "engine/text/Utf8.h"
#include "engine/text/Validation.h"

using namespace keywarden;
using engine::Rfc3339;
using engine::StrictJson;
using engine::Utf8;
using engine::Validation;

namespace {
std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

class InputParsingTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(InputParsingTest);
  CPPUNIT_TEST(strictJsonRefusesDuplicateMembersAtAnyDepth);
  CPPUNIT_TEST(strictJsonRefusesWhatRfc8259Refuses);
  CPPUNIT_TEST(strictJsonRefusesIntegersBeyondInt64NamingTheField);
  CPPUNIT_TEST(strictJsonRefusesInvalidUtf8AndNulNamingTheField);
  CPPUNIT_TEST(strictJsonBoundsNesting);
  CPPUNIT_TEST(strictJsonKeepsValuesExactly);
  CPPUNIT_TEST(bodyReaderIntegersAreWholeNumbersInTheirRange);
  CPPUNIT_TEST(bodyReaderStringsHoldNoControlsButTextMayBreakLines);
  CPPUNIT_TEST(nestedErrorsNameTheFullJsonPath);
  CPPUNIT_TEST(lengthsCountCharactersNotBytes);
  CPPUNIT_TEST(emailAddressesAreStrict);
  CPPUNIT_TEST(scopesHoldOnlyTheirCharacters);
  CPPUNIT_TEST(rfc3339AcceptsExactlyTheGrammarWithBoundedValues);
  CPPUNIT_TEST(rfc3339WhatIsPrintedIsAccepted);
  CPPUNIT_TEST(quotedOutputIsAlwaysValidUtf8);
  CPPUNIT_TEST(flowFilesAreReadAsStrictlyAsBodies);
  CPPUNIT_TEST_SUITE_END();

 public:
  void strictJsonRefusesDuplicateMembersAtAnyDepth() {
    auto top = StrictJson::parse(R"({"name":"a","name":"b"})");
    CPPUNIT_ASSERT(top.error);
    CPPUNIT_ASSERT_EQUAL(std::string("name"), top.error->field);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_FIELD"), top.error->code);
    auto nested = StrictJson::parse(R"({"refill":{"amount":1,"amount":2}})");
    CPPUNIT_ASSERT_EQUAL(std::string("refill.amount"), nested.error->field);
    auto inArray = StrictJson::parse(R"({"meta":{"list":[{"x":1,"x":1}]}})");
    CPPUNIT_ASSERT_EQUAL(std::string("meta.list.x"), inArray.error->field);
    // The same name spelt with an escape is the same name.
    auto escaped = StrictJson::parse(R"({"name":"a","n\u0061me":"b"})");
    CPPUNIT_ASSERT_EQUAL(std::string("name"), escaped.error->field);
    CPPUNIT_ASSERT(!StrictJson::parse(R"({"a":{"x":1},"b":{"x":1}})").error);
  }

  void strictJsonRefusesWhatRfc8259Refuses() {
    for (const char* bad : {"",
                            "{",
                            "}",
                            "{\"a\":1,}",
                            "{\"a\":1}x",
                            "{\"a\":1}{}",
                            "{\"a\":1} 1",
                            "[1,]",
                            "{'a':1}",
                            "{a:1}",
                            "{\"a\":01}",
                            "{\"a\":-}",
                            "{\"a\":1.}",
                            "{\"a\":.5}",
                            "{\"a\":1e}",
                            "{\"a\":+1}",
                            "{\"a\":NaN}",
                            "{\"a\":Infinity}",
                            "{\"a\":tru}",
                            "{\"a\":\"\\x\"}",
                            "{\"a\":\"\\u12\"}",
                            "{\"a\":\"tab\there\"}",
                            "{\"a\":1}/**/",
                            "\xEF\xBB\xBF{\"a\":1}",
                            "{\"a\":1e999}",
                            "\x0c{}"}) {
      auto r = StrictJson::parse(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, r.error.has_value());
      CPPUNIT_ASSERT_MESSAGE(bad, Utf8::valid(r.error->message));
    }
    auto bom = StrictJson::parse("\xEF\xBB\xBF{}");
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_JSON"), bom.error->code);
    CPPUNIT_ASSERT(bom.error->message.find("byte order mark") != std::string::npos);
    for (const char* good : {"{}", " {\"a\" : [ 1 , -0, 2.5e3 , true,false,null,\"\"] }\r\n", "[]",
                             "1", "null", "\"x\""})
      CPPUNIT_ASSERT_MESSAGE(good, !StrictJson::parse(good).error);
  }

  void strictJsonRefusesIntegersBeyondInt64NamingTheField() {
    auto q = StrictJson::parse(R"({"quota":18446744073709551617})");
    CPPUNIT_ASSERT_EQUAL(std::string("quota"), q.error->field);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_FIELD"), q.error->code);
    auto c = StrictJson::parse(R"({"cost":9223372036854775808})");
    CPPUNIT_ASSERT_EQUAL(std::string("cost"), c.error->field);
    CPPUNIT_ASSERT(StrictJson::parse(R"({"x":-9223372036854775809})").error);
    CPPUNIT_ASSERT_EQUAL(std::string("meta.f"),
                         StrictJson::parse(R"({"meta":{"f":1e400}})").error->field);
    CPPUNIT_ASSERT_EQUAL(std::string("meta.f"),
                         StrictJson::parse(R"({"meta":{"f":-1e-400}})").error->field);
    CPPUNIT_ASSERT(!StrictJson::parse(R"({"f":1.7976931348623157e308,"g":2.5e-300})").error);
    auto ok = StrictJson::parse(R"({"x":9223372036854775807,"y":-9223372036854775808})");
    CPPUNIT_ASSERT(!ok.error);
    auto o = ok.value.extract<Poco::JSON::Object::Ptr>();
    CPPUNIT_ASSERT_EQUAL(Poco::Int64(9223372036854775807LL), o->get("x").extract<Poco::Int64>());
  }

  void strictJsonRefusesInvalidUtf8AndNulNamingTheField() {
    struct Case {
      std::string body, field;
    } cases[] = {
        {"{\"name\":\"a\xff\"}", "name"},
        {"{\"name\":\"\xc0\xaf\"}", "name"},          // overlong '/'
        {"{\"name\":\"\xed\xa0\x80\"}", "name"},      // a surrogate in UTF-8
        {"{\"name\":\"\xf4\x90\x80\x80\"}", "name"},  // beyond U+10FFFF
        {"{\"name\":\"\xe9\x95\"}", "name"},          // truncated
        {R"({"name":"ops\u0000x"})", "name"},
        {R"({"requesterEmail":"ops\u0000x@example.com"})", "requesterEmail"},
        {R"({"name":"\ud800"})", "name"},
        {R"({"name":"\udc00x"})", "name"},
        {R"({"name":"\ud800\u0041"})", "name"},
        {R"({"meta":{"k":"\u0000"}})", "meta.k"},
        {R"({"scopes":["a","b\u0000"]})", "scopes"},
    };
    for (const auto& c : cases) {
      auto r = StrictJson::parse(c.body);
      CPPUNIT_ASSERT_MESSAGE(c.body, r.error.has_value());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, c.field, r.error->field);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.body, std::string("INVALID_FIELD"), r.error->code);
      CPPUNIT_ASSERT_MESSAGE(c.body, Utf8::valid(r.error->message));
    }
    // A bad member name is blamed on the object that holds it.
    CPPUNIT_ASSERT(StrictJson::parse("{\"a\xff\":1}").error);
    CPPUNIT_ASSERT(StrictJson::parse(R"({"a\u0001":1})").error);
    auto inMeta = StrictJson::parse("{\"meta\":{\"a\xff\":1}}");
    CPPUNIT_ASSERT_EQUAL(std::string("meta"), inMeta.error->field);
  }

  void strictJsonBoundsNesting() {
    std::string deep = repeat("[", StrictJson::kMaxDepth) + repeat("]", StrictJson::kMaxDepth);
    CPPUNIT_ASSERT(!StrictJson::parse(deep).error);
    std::string deeper =
        repeat("[", StrictJson::kMaxDepth + 1) + repeat("]", StrictJson::kMaxDepth + 1);
    CPPUNIT_ASSERT(StrictJson::parse(deeper).error);
    // Far deeper than any stack could recurse: refused, no crash.
    std::string huge = "{\"a\":" + repeat("[", 100000) + repeat("]", 100000) + "}";
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_JSON"), StrictJson::parse(huge).error->code);
  }

  void strictJsonKeepsValuesExactly() {
    auto r = StrictJson::parse(
        R"({"s":"\u9577\ud83d\ude00 \"q\" \\ \/ \n","i":-12,"d":1.5,"e":1e3,"b":true,"n":null})");
    CPPUNIT_ASSERT(!r.error);
    auto o = r.value.extract<Poco::JSON::Object::Ptr>();
    CPPUNIT_ASSERT_EQUAL(std::string("\xe9\x95\xb7\xf0\x9f\x98\x80 \"q\" \\ / \n"),
                         o->get("s").extract<std::string>());
    CPPUNIT_ASSERT(o->get("i").type() == typeid(Poco::Int64));
    CPPUNIT_ASSERT(o->get("d").type() == typeid(double));
    CPPUNIT_ASSERT(o->get("e").type() == typeid(double));
    CPPUNIT_ASSERT(o->isNull("n"));
  }

  void bodyReaderIntegersAreWholeNumbersInTheirRange() {
    for (const char* bad : {R"({"q":1.5})", R"({"q":1e3})", R"({"q":1.0})", R"({"q":"5"})",
                            R"({"q":true})", R"({"q":[1]})", R"({"q":{}})", R"({"q":101})",
                            R"({"q":-2})", R"({"q":18446744073709551617})"}) {
      int64_t q = 7;
      api::BodyReader r(bad, false);
      r.integer("q", q, -1, 100);
      CPPUNIT_ASSERT_MESSAGE(bad, r.error().has_value());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, std::string("q"), r.error()->field);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, std::string("INVALID_FIELD"), r.error()->code);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, int64_t(7), q);
    }
    int64_t q = 0;
    api::BodyReader ok(R"({"a":-1,"b":100,"c":null})", false);
    ok.integer("a", q, -1, 100);
    CPPUNIT_ASSERT_EQUAL(int64_t(-1), q);
    ok.integer("b", q, -1, 100).integer("c", q, -1, 100);
    CPPUNIT_ASSERT(!ok.error());
    CPPUNIT_ASSERT_EQUAL(int64_t(100), q);
  }

  void bodyReaderStringsHoldNoControlsButTextMayBreakLines() {
    std::string s;
    for (const char* bad : {R"({"s":"a\nb"})", R"({"s":"a\tb"})", R"({"s":"a\u001bb"})",
                            R"({"s":"a\u007fb"})", R"({"s":"a\u0085b"})"}) {
      api::BodyReader r(bad, false);
      r.str("s", s);
      CPPUNIT_ASSERT_MESSAGE(bad, r.error().has_value());
      CPPUNIT_ASSERT_EQUAL(std::string("s"), r.error()->field);
    }
    api::BodyReader text(R"({"s":"line 1\r\n\tline 2"})", false);
    text.text("s", s);
    CPPUNIT_ASSERT(!text.error());
    api::BodyReader textEsc(R"({"s":"a\u001bb"})", false);
    textEsc.text("s", s);
    CPPUNIT_ASSERT(textEsc.error());
    std::vector<std::string> list;
    api::BodyReader inList(R"({"apis":["a","b\nc"]})", false);
    inList.strList("apis", list);
    CPPUNIT_ASSERT_EQUAL(std::string("apis"), inList.error()->field);
  }

  void nestedErrorsNameTheFullJsonPath() {
    api::BodyReader b(R"({"changes":{"changes":{"quota":"x"}}})", false);
    auto c = b.child("changes");
    auto cc = c->child("changes");
    int64_t q = 0;
    cc->integer("quota", q, -1, 10);
    c->adopt(*cc);
    b.adopt(*c);
    CPPUNIT_ASSERT_EQUAL(std::string("changes.changes.quota"), b.error()->field);
    api::BodyReader rl(R"({"rateLimit":{"limit":0,"window":"1s"}})", false);
    auto r = rl.child("rateLimit");
    r->integer("limit", q, 1, 10);
    CPPUNIT_ASSERT_EQUAL(std::string("rateLimit.limit"), r->error()->field);
  }

  void lengthsCountCharactersNotBytes() {
    std::string chang = "\xe9\x95\xb7";  // 長: 3 bytes, 1 character
    CPPUNIT_ASSERT(!Validation::name("name", repeat(chang, 67), true));
    CPPUNIT_ASSERT(!Validation::name("name", repeat(chang, 200), true));
    CPPUNIT_ASSERT(Validation::name("name", repeat(chang, 201), true));
    CPPUNIT_ASSERT(!Validation::name("name", repeat("a", 200), true));
    CPPUNIT_ASSERT(Validation::name("name", repeat("a", 201), true));
    CPPUNIT_ASSERT(Validation::name("name", "a\xff", true));
    CPPUNIT_ASSERT(Validation::name("name", "a\nb", true));
    std::string shuo = "\xe8\xaa\xaa";  // 說
    CPPUNIT_ASSERT(!Validation::text("comment", repeat(shuo, 667), 2000, true));
    CPPUNIT_ASSERT(!Validation::text("comment", repeat(shuo, 2000), 2000, true));
    CPPUNIT_ASSERT(Validation::text("comment", repeat(shuo, 2001), 2000, true));
    CPPUNIT_ASSERT(!Validation::text("comment", "a\r\n\tb", 10, true));
    CPPUNIT_ASSERT(Validation::text("comment", std::string("a\0b", 3), 10, true));
    CPPUNIT_ASSERT_EQUAL(size_t(3), Utf8::length("a\xe9\x95\xb7\xf0\x9f\x98\x80"));
  }

  void emailAddressesAreStrict() {
    for (const char* good : {"ops@example.com", "first.last+tag@sub.example.co", "a@b",
                             "o'brien@example.org", "x_y-z@ex-ample.com", "OPS@EXAMPLE.COM"})
      CPPUNIT_ASSERT_MESSAGE(good, !Validation::email("e", good));
    std::string nul("ops\0x@example.com", 17);
    CPPUNIT_ASSERT(Validation::email("e", nul));
    for (const char* bad : {"",
                            "ops",
                            "@example.com",
                            "ops@",
                            "ops@@example.com",
                            "a@b@c",
                            "ops x@example.com",
                            "ops@exa mple.com",
                            "\"ops\"@example.com",
                            "<ops@example.com>",
                            "ops@example.com,b@c",
                            "ops@example.com;b@c",
                            "ops\r\n@example.com",
                            "ops@example.com\n",
                            "ops\t@e.com",
                            ".ops@example.com",
                            "ops.@example.com",
                            "o..ps@example.com",
                            "ops@.example.com",
                            "ops@example..com",
                            "ops@-example.com",
                            "ops@example-.com",
                            "ops@ex_ample.com",
                            "ops@[127.0.0.1]",
                            "ops(comment)@example.com",
                            "\xc3\xa9@example.com",
                            "ops@example.com.",
                            "ops\x7f@example.com"})
      CPPUNIT_ASSERT_MESSAGE(bad, Validation::email("e", bad).has_value());
    CPPUNIT_ASSERT(Validation::email("e", repeat("a", 65) + "@example.com"));
    CPPUNIT_ASSERT(Validation::email("e", "a@" + repeat("b", 64) + ".com"));
  }

  void scopesHoldOnlyTheirCharacters() {
    for (const char* good :
         {"orders:read", "orders:*", "*", "*:write", "a.b_c-d/e:f", "ORDERS:Read9"})
      CPPUNIT_ASSERT_MESSAGE(good, Validation::isScope(good));
    for (const char* bad : {"", "orders:read,admin:all", "has space", "a\tb", "a\nb", "a\"b", "a;b",
                            "caf\xc3\xa9", "a=b", "a\\b", "a\x01"})
      CPPUNIT_ASSERT_MESSAGE(bad, !Validation::isScope(bad));
    CPPUNIT_ASSERT(!Validation::isScope(repeat("a", 129)));
    auto e = Validation::scopes("scopes", {"orders:read", "orders:read,admin:all"});
    CPPUNIT_ASSERT_EQUAL(std::string("scopes"), e->field);
    std::vector<std::string> out;
    api::BodyReader b(R"({"scopes":["orders:read,admin:all"]})", false);
    b.scopeList("scopes", out);
    CPPUNIT_ASSERT_EQUAL(std::string("scopes"), b.error()->field);
    CPPUNIT_ASSERT(out.empty());
  }

  void rfc3339AcceptsExactlyTheGrammarWithBoundedValues() {
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *Rfc3339::parse("2026-11-21T00:00:00Z"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *Rfc3339::parse("2026-11-21t00:00:00z"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *Rfc3339::parse("2026-11-21T02:00:00+02:00"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *Rfc3339::parse("2026-11-20T14:01:00-09:59"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *Rfc3339::parse("2026-11-21T23:59:00+23:59"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *Rfc3339::parse("2026-11-21T00:00:00-00:00"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200250), *Rfc3339::parse("2026-11-21T00:00:00.25Z"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200250), *Rfc3339::parse("2026-11-21T00:00:00.250000000Z"));
    CPPUNIT_ASSERT_EQUAL(int64_t(951782400000), *Rfc3339::parse("2000-02-29T00:00:00Z"));
    CPPUNIT_ASSERT_EQUAL(Rfc3339::kMaxMs, *Rfc3339::parse("9999-12-31T23:59:59.999Z"));
    CPPUNIT_ASSERT_EQUAL(Rfc3339::kMinMs, *Rfc3339::parse("1970-01-01T00:00:00.001Z"));
    for (const char* bad : {"",
                            "2026-11-21",
                            "2026-11-21T00:00:00",
                            "tomorrow",
                            "2026-13-01T00:00:00Z",
                            "2026-11-21T00:00:00+25:00",
                            "2026-11-21T00:00:00+24:00",
                            "2026-11-21T00:00:00+23:60",
                            "2026-11-21T00:00:00-24:00",
                            "2026-11-21T00:00:00+99:99",
                            "2026-11-21T00:00:00+0200",
                            "2026-11-21T00:00:00+02",
                            "9999-12-31T23:59:60Z",
                            "2026-06-30T23:59:60Z",
                            "2026-11-21T24:00:00Z",
                            "2026-11-21T23:60:00Z",
                            "2026-11-21T23:59:61Z",
                            "2026-02-29T00:00:00Z",
                            "1900-02-29T00:00:00Z",
                            "2026-04-31T00:00:00Z",
                            "2026-00-10T00:00:00Z",
                            "2026-01-00T00:00:00Z",
                            "2026-01-32T00:00:00Z",
                            "2026-11-21 00:00:00Z",
                            "2026-11-21T00:00:00.Z",
                            "2026-11-21T00:00:00.1234567890Z",
                            "2026-11-21T00:00:00.0001Z",
                            "2026-11-21T00:00:00.123456Z",
                            "+2026-11-21T00:00:00Z",
                            "20261-11-21T00:00:00Z",
                            "2026-1-21T00:00:00Z",
                            "2026-11-21T0:00:00Z",
                            "2026-11-21T00:00:00ZZ",
                            "2026-11-21T00:00:00Z ",
                            " 2026-11-21T00:00:00Z",
                            "1970-01-01T00:00:00Z",
                            "1969-12-31T23:59:59Z",
                            "1970-01-01T00:30:00+01:00",
                            "0000-01-01T00:00:00Z",
                            "9999-12-31T23:00:00-01:00",
                            "9999-12-31T23:59:59.9995Z",
                            "10000-01-01T00:00:00Z",
                            "2026-11-21T00:00:00\xef\xbc\xba",
                            "２026-11-21T00:00:00Z"})
      CPPUNIT_ASSERT_MESSAGE(bad, !Rfc3339::parse(bad));
    std::string why;
    CPPUNIT_ASSERT(!Rfc3339::parse("2026-11-21T00:00:00+25:00", &why));
    CPPUNIT_ASSERT(why.find("offset") != std::string::npos);
  }

  void rfc3339WhatIsPrintedIsAccepted() {
    for (int64_t ms : {Rfc3339::kMinMs, int64_t(1000), int64_t(68255999999), int64_t(951782400000),
                       int64_t(951868799999), int64_t(1795219200250), int64_t(4102444799999),
                       Rfc3339::kMaxMs - 999, Rfc3339::kMaxMs}) {
      std::string text = Rfc3339::format(ms);
      auto back = Rfc3339::parse(text);
      CPPUNIT_ASSERT_MESSAGE(text, back.has_value());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(text, ms, *back);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("9999-12-31T23:59:59.999Z"), Rfc3339::format(Rfc3339::kMaxMs));
    CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00.001Z"), Rfc3339::format(Rfc3339::kMinMs));
    CPPUNIT_ASSERT_EQUAL(std::string("2000-02-29T23:59:59.999Z"), Rfc3339::format(951868799999));
    // Every parsed value formats back to a time that parses to the same instant.
    for (const char* t : {"2026-11-21T02:00:00+02:00", "2024-02-29T12:00:00.5-11:30",
                          "1970-01-01T01:00:00.001+01:00", "9999-12-31T23:59:59.999Z"}) {
      auto ms = Rfc3339::parse(t);
      CPPUNIT_ASSERT_MESSAGE(t, ms.has_value());
      CPPUNIT_ASSERT_EQUAL_MESSAGE(t, *ms, *Rfc3339::parse(Rfc3339::format(*ms)));
    }
  }

  void quotedOutputIsAlwaysValidUtf8() {
    std::string out = engine::JsonText::quoted("a\xff\xc3\xa9\xe9\x95\x01\x7f\xf0\x9f\x98\x80");
    CPPUNIT_ASSERT(Utf8::valid(out));
    CPPUNIT_ASSERT_EQUAL(std::string("\"a\\ufffd\xc3\xa9\\ufffd\\ufffd\\u0001\\u007f"
                                     "\xf0\x9f\x98\x80\""),
                         out);
    api::JsonWriter w;
    w.beginObject().field("message", std::string("unknown field '\xef\xbb\xbf\xff'")).endObject();
    CPPUNIT_ASSERT(Utf8::valid(w.str()));
    CPPUNIT_ASSERT(!StrictJson::parse(w.str()).error);
  }

  void flowFilesAreReadAsStrictlyAsBodies() {
    auto errorOf = [](const std::string& json) -> std::string {
      try {
        engine::FlowParser::parse(json, "flows/x.json");
      } catch (const engine::FlowError& e) {
        return e.what();
      }
      return "";
    };
    auto flow = [](const std::string& match, const std::string& approvers = "\"a@example.com\"") {
      return R"({"id":"x","match":)" + match + R"(,"levels":[{"name":"L","approvers":[)" +
             approvers + R"(],"policy":"any"}]})";
    };
    CPPUNIT_ASSERT_EQUAL(std::string(), errorOf(flow(R"({"scopes":["orders:*","*:write"]})")));
    for (const std::string& bad : {
             flow(R"({"scopes":["orders:read,admin:all"]})"),
             flow(R"({"scopes":["a b"]})"),
             flow(R"({"scopes":["a\u0000"]})"),
             flow(R"({"minQuota":18446744073709551617})"),
             flow(R"({"minQuota":1000000000000001})"),
             flow(R"({"minQuota":1.5})"),
             flow(R"({"maxLifetimeDays":1e3})"),
             flow("{}", R"("ops\u0000x@example.com")"),
             flow("{}", R"("ops x@example.com")"),
             flow("{}", R"("ops@example.com,b@example.com")"),
             std::string(R"({"id":"x","id":"y","levels":[]})"),
             std::string("\xEF\xBB\xBF{\"id\":\"x\",\"levels\":[]}"),
             std::string(R"({"id":"x","levels":[{"name":"L","approvers":["a@example.com"],)"
                         R"("policy":{"quorum":4294967297}}]})"),
         }) {
      std::string e = errorOf(bad);
      CPPUNIT_ASSERT_MESSAGE(bad, !e.empty());
      CPPUNIT_ASSERT_MESSAGE(e, e.rfind("flows/x.json: ", 0) == 0);
      CPPUNIT_ASSERT_MESSAGE(e, Utf8::valid(e));
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(InputParsingTest);
