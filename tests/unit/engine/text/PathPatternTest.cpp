#include <cppunit/extensions/HelperMacros.h>

#include "engine/text/PathPattern.h"

using keywarden::engine::PathPattern;

class PathPatternTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PathPatternTest);
  CPPUNIT_TEST(literalPathMatchesOnlyItself);
  CPPUNIT_TEST(paramMatchesExactlyOneNonEmptySegment);
  CPPUNIT_TEST(trailingStarMatchesAnyRestIncludingNothing);
  CPPUNIT_TEST(queryStringIsIgnored);
  CPPUNIT_TEST(invalidPatternsAreRefusedWithAReason);
  CPPUNIT_TEST(dotSegmentsAndBackslashesAreNotCanonical);
  CPPUNIT_TEST_SUITE_END();

 public:
  void literalPathMatchesOnlyItself() {
    PathPattern p("/orders");
    CPPUNIT_ASSERT(p.matches("/orders"));
    CPPUNIT_ASSERT(!p.matches("/orders/1"));
    CPPUNIT_ASSERT(!p.matches("/order"));
    CPPUNIT_ASSERT(!p.matches("/orders/"));
    CPPUNIT_ASSERT(!p.matches("orders"));
    CPPUNIT_ASSERT(PathPattern("/").matches("/"));
    CPPUNIT_ASSERT(!PathPattern("/").matches("/x"));
  }

  void paramMatchesExactlyOneNonEmptySegment() {
    PathPattern p("/orders/{id}/items");
    CPPUNIT_ASSERT(p.matches("/orders/42/items"));
    CPPUNIT_ASSERT(!p.matches("/orders//items"));
    CPPUNIT_ASSERT(!p.matches("/orders/42/7/items"));
    CPPUNIT_ASSERT(!p.matches("/orders/42"));
    CPPUNIT_ASSERT_EQUAL(2, p.specificity());
  }

  void trailingStarMatchesAnyRestIncludingNothing() {
    PathPattern p("/files/*");
    CPPUNIT_ASSERT(p.matches("/files"));
    CPPUNIT_ASSERT(p.matches("/files/a"));
    CPPUNIT_ASSERT(p.matches("/files/a/b/c"));
    CPPUNIT_ASSERT(!p.matches("/filesystem"));
    CPPUNIT_ASSERT(PathPattern("/*").matches("/anything/at/all"));
    CPPUNIT_ASSERT(PathPattern("/v1/{tenant}/*").matches("/v1/acme/x/y"));
    CPPUNIT_ASSERT(!PathPattern("/v1/{tenant}/*").matches("/v2/acme/x"));
  }

  void queryStringIsIgnored() {
    CPPUNIT_ASSERT(PathPattern("/orders/{id}").matches("/orders/1?expand=items"));
    CPPUNIT_ASSERT(PathPattern("/orders").matches("/orders#frag"));
  }

  void invalidPatternsAreRefusedWithAReason() {
    std::string why;
    CPPUNIT_ASSERT(PathPattern::validate("/orders/{id}/*", why));
    for (const char* good :
         {"/", "/*", "/orders", "/orders/", "/v1/orders/{order_id}/items/{n}",
          "/a-b.c_d~e/x:y@z/!$&'()+,=", "/files/*", "/a/..b/b..", "/a/.x", "/a/+x", "/a/x+"})
      CPPUNIT_ASSERT_MESSAGE(good, PathPattern::validate(good, why));
    for (const char* bad :
         {"", "orders", "/a/*/b", "/a*", "/a/{id", "/a/x{id}", "/a/{}", "/a b", "/a?b=1",
          // Patterns no canonical request path can match, or that an upstream reads as
          // another path: dot segments, empty segments, escapes, backslashes, controls.
          "/a/../b", "/a/./b", "/..", "/.", "//a", "/a//b", "/a%2Fb", "/a%41", "/%", "/a#b",
          "/a\\b", "/a\tb", "/a\x01b", "/a\x7f", "/a;b", "/caf\xc3\xa9", "/a/{}/b", "/a/{id}/{id}",
          "/a/{i d}", "/a/{{id}}", "/a/{id}x", "/*/a", "/a/**",
          // Segments RequestTarget refuses in every request: the API could never match.
          "/a/.../b", "/a/+", "/a/.+/b", "/+", "/a/+.+"}) {
      why.clear();
      CPPUNIT_ASSERT_MESSAGE(bad, !PathPattern::validate(bad, why));
      CPPUNIT_ASSERT_MESSAGE(bad, !why.empty());
    }
  }

  void dotSegmentsAndBackslashesAreNotCanonical() {
    CPPUNIT_ASSERT(PathPattern::isCanonical("/orders/1"));
    CPPUNIT_ASSERT(PathPattern::isCanonical("/orders/..x/1?a=../b"));
    for (const char* bad : {"/orders/../admin", "/./x", "/x/..", "/a\\b", "/a%2e%2e/x", "/a/%3F",
                            "/a//b", "/a;x", "/a/%61", "", "x", "/a/.../b"})
      CPPUNIT_ASSERT_MESSAGE(bad, !PathPattern::isCanonical(bad));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PathPatternTest);
