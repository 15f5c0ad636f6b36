// The api module's pure pieces: error mapping, body reading, times, JSON writing, routing.
#include <cppunit/extensions/HelperMacros.h>

#include "api/BodyReader.h"
#include "api/ErrorMapper.h"
#include "api/GatewaySettings.h"
#include "api/JsonWriter.h"
#include "api/OriginalRequest.h"
#include "api/ProtocolError.h"
#include "engine/base/Rfc3339.h"

using namespace keywarden;
using engine::ErrorKind;

class ApiPiecesTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ApiPiecesTest);
  CPPUNIT_TEST(everyErrorKindMapsToItsStatus);
  CPPUNIT_TEST(bodyReaderNamesTheFieldThatIsWrong);
  CPPUNIT_TEST(bodyReaderRefusesUnknownFieldsAndNonObjects);
  CPPUNIT_TEST(rfc3339ParsesOffsetsAndFormatsUtc);
  CPPUNIT_TEST(jsonWriterEscapesAndNests);
  CPPUNIT_TEST(gatewayKeySourcesParse);
  CPPUNIT_TEST_SUITE_END();

 public:
  void everyErrorKindMapsToItsStatus() {
    CPPUNIT_ASSERT_EQUAL(400, api::ErrorMapper::status(ErrorKind::BadInput));
    CPPUNIT_ASSERT_EQUAL(401, api::ErrorMapper::status(ErrorKind::Unauthenticated));
    CPPUNIT_ASSERT_EQUAL(403, api::ErrorMapper::status(ErrorKind::Forbidden));
    CPPUNIT_ASSERT_EQUAL(404, api::ErrorMapper::status(ErrorKind::NotFound));
    CPPUNIT_ASSERT_EQUAL(409, api::ErrorMapper::status(ErrorKind::Conflict));
    CPPUNIT_ASSERT_EQUAL(422, api::ErrorMapper::status(ErrorKind::Unprocessable));
    CPPUNIT_ASSERT_EQUAL(500, api::ErrorMapper::status(ErrorKind::Internal));
    CPPUNIT_ASSERT_EQUAL(503, api::ErrorMapper::status(ErrorKind::Unavailable));
    // The statuses only HTTP knows belong to api: a Protocol error carries its code.
    CPPUNIT_ASSERT_EQUAL(
        405, api::ErrorMapper::status(api::ProtocolError::methodNotAllowed("PUT", "/x")));
    CPPUNIT_ASSERT_EQUAL(413, api::ErrorMapper::status(api::ProtocolError::bodyTooLarge(10)));
    CPPUNIT_ASSERT_EQUAL(415, api::ErrorMapper::status(api::ProtocolError::unsupportedMedia("m")));
    CPPUNIT_ASSERT_EQUAL(400,
                         api::ErrorMapper::status(engine::Error{ErrorKind::Protocol, "X", "", ""}));
    CPPUNIT_ASSERT_EQUAL(404, api::ErrorMapper::status(engine::Error::notFound("key", "k")));
    // The forward-auth paths: the prefix or under it, never a longer name.
    CPPUNIT_ASSERT(api::OriginalRequest::isForwardAuth("/v1/gateway/auth"));
    CPPUNIT_ASSERT(api::OriginalRequest::isForwardAuth("/v1/gateway/auth/orders/1"));
    CPPUNIT_ASSERT(!api::OriginalRequest::isForwardAuth("/v1/gateway/authx"));
    CPPUNIT_ASSERT(!api::OriginalRequest::isForwardAuth("/v1/gateway/aut"));
  }

  void bodyReaderNamesTheFieldThatIsWrong() {
    std::string name;
    int64_t quota = 0;
    std::vector<std::string> scopes;
    api::BodyReader ok(R"({"name":"a","quota":5,"scopes":["x","y"]})", false);
    ok.str("name", name, true).integer("quota", quota, -1, 100).strList("scopes", scopes);
    CPPUNIT_ASSERT(!ok.error());
    CPPUNIT_ASSERT_EQUAL(std::string("a"), name);
    CPPUNIT_ASSERT_EQUAL(int64_t(5), quota);
    CPPUNIT_ASSERT_EQUAL(size_t(2), scopes.size());

    api::BodyReader wrongType(R"({"name":"a","quota":"5"})", false);
    wrongType.str("name", name, true).integer("quota", quota, -1, 100);
    CPPUNIT_ASSERT_EQUAL(std::string("quota"), wrongType.error()->field);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_FIELD"), wrongType.error()->code);

    api::BodyReader missing(R"({"quota":1})", false);
    missing.str("name", name, true);
    CPPUNIT_ASSERT_EQUAL(std::string("MISSING_FIELD"), missing.error()->code);

    api::BodyReader fraction(R"({"quota":1.5})", false);
    fraction.integer("quota", quota, -1, 100);
    CPPUNIT_ASSERT(fraction.error());

    api::BodyReader nested(R"({"refill":{"amount":"x"}})", false);
    auto child = nested.child("refill");
    int64_t amount = 0;
    child->integer("amount", amount, 1, 100);
    CPPUNIT_ASSERT_EQUAL(std::string("refill.amount"), child->error()->field);

    api::BodyReader badList(R"({"scopes":["a",1]})", false);
    badList.strList("scopes", scopes);
    CPPUNIT_ASSERT_EQUAL(std::string("scopes"), badList.error()->field);
  }

  void bodyReaderRefusesUnknownFieldsAndNonObjects() {
    api::BodyReader unknown(R"({"name":"a","nmae":"b"})", false);
    unknown.onlyFields({"name"});
    CPPUNIT_ASSERT_EQUAL(std::string("UNKNOWN_FIELD"), unknown.error()->code);
    CPPUNIT_ASSERT_EQUAL(std::string("nmae"), unknown.error()->field);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_JSON"), api::BodyReader("{", false).error()->code);
    CPPUNIT_ASSERT_EQUAL(std::string("INVALID_JSON"), api::BodyReader("[1]", false).error()->code);
    CPPUNIT_ASSERT_EQUAL(std::string("MISSING_BODY"), api::BodyReader("", false).error()->code);
    CPPUNIT_ASSERT(!api::BodyReader("", true).error());
  }

  void rfc3339ParsesOffsetsAndFormatsUtc() {
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000), *engine::Rfc3339::parse("2026-11-21T00:00:00Z"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200000),
                         *engine::Rfc3339::parse("2026-11-21T02:00:00+02:00"));
    CPPUNIT_ASSERT_EQUAL(int64_t(1795219200250),
                         *engine::Rfc3339::parse("2026-11-21T00:00:00.25Z"));
    for (const char* bad :
         {"", "2026-11-21", "2026-11-21T00:00:00", "tomorrow", "2026-13-01T00:00:00Z"})
      CPPUNIT_ASSERT_MESSAGE(bad, !engine::Rfc3339::parse(bad));
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-21T00:00:00Z"),
                         engine::Rfc3339::format(1795219200000));
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-21T00:00:00.250Z"),
                         engine::Rfc3339::format(1795219200250));
  }

  void jsonWriterEscapesAndNests() {
    api::JsonWriter w;
    w.beginObject()
        .field("s", "a\"b\\c\n<")
        .field("n", int64_t(-1))
        .field("b", false)
        .field("l", std::vector<std::string>{"x", "y"})
        .objectField("o")
        .nullField("z")
        .endObject()
        .timeField("t", 0)
        .endObject();
    CPPUNIT_ASSERT_EQUAL(
        std::string(R"({"s":"a\"b\\c\n<","n":-1,"b":false,"l":["x","y"],"o":{"z":null},"t":null})"),
        w.str());
  }

  void gatewayKeySourcesParse() {
    std::vector<api::GatewaySettings::KeySource> s;
    std::string why;
    CPPUNIT_ASSERT(api::GatewaySettings::parseSources(
        "X-API-Key, cookie:mia_client_key,bearer,query:k", s, why));
    CPPUNIT_ASSERT_EQUAL(size_t(4), s.size());
    CPPUNIT_ASSERT(s[1].kind == api::GatewaySettings::KeySource::Cookie);
    CPPUNIT_ASSERT_EQUAL(std::string("mia_client_key"), s[1].name);
    CPPUNIT_ASSERT(s[2].kind == api::GatewaySettings::KeySource::Bearer);
    CPPUNIT_ASSERT(s[3].kind == api::GatewaySettings::KeySource::Query);
    CPPUNIT_ASSERT(!api::GatewaySettings::parseSources("cookie:", s, why));
    CPPUNIT_ASSERT(!api::GatewaySettings::parseSources("", s, why));
    CPPUNIT_ASSERT(!api::GatewaySettings::parseSources("bad header", s, why));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ApiPiecesTest);
