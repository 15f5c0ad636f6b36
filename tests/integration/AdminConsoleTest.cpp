// The admin console's guard and forms (issue 15, contract §7 `GET /admin…`), against the real
// server: who may enter (admins of portal.admins; `address:tenant` = a tenant admin, scoped to
// it), CSRF refusals that change nothing, and refusals shown next to the field they name.
// People are signed in as ConsoleFixture.h says; the trails are in AdminTrailTest.
#include <regex>

#include "tests/integration/ConsoleFixture.h"

using namespace keywarden::test;

class AdminConsoleTest : public ConsoleFixture {
  CPPUNIT_TEST_SUITE(AdminConsoleTest);
  CPPUNIT_TEST(noSessionIsSentToSignIn);
  CPPUNIT_TEST(someoneWhoIsNotAnAdminGets403AndChangesNothing);
  CPPUNIT_TEST(anAdminEntersAndNavigates);
  CPPUNIT_TEST(answersWithoutARouteCarryThePageHeadersToo);
  CPPUNIT_TEST(aTenantAdminSeesAndChangesOnlyItsTenant);
  CPPUNIT_TEST(aFormWithoutThisBrowsersCsrfTokenIsRefusedAndChangesNothing);
  CPPUNIT_TEST(catalogRefusalsNameTheFieldAndKeepWhatWasTyped);
  CPPUNIT_TEST(keyRefusalsNameTheField);
  CPPUNIT_TEST(keyActionsWaitForConfirmation);
  CPPUNIT_TEST(tokenRefusalsNameTheField);
  CPPUNIT_TEST(aDecisionOnBehalfIsConfirmedCheckedAndRecordedAsSuch);
  CPPUNIT_TEST(badAttemptsShowWhatTheDefenceCountsAndBlocks);
  CPPUNIT_TEST_SUITE_END();

 public:
  void noSessionIsSentToSignIn() {
    HttpResponse r = server->client().request("GET", "/admin");
    CPPUNIT_ASSERT_EQUAL(303, r.status);
    CPPUNIT_ASSERT_EQUAL(std::string("/signin"), r.header("location"));
  }

  void someoneWhoIsNotAnAdminGets403AndChangesNothing() {
    Browser dev = browser("dev@dev.example");
    for (const char* path : {"/admin", "/admin/keys", "/admin/clients", "/admin/mail",
                             "/admin/tokens", "/admin/keys/new"}) {
      HttpResponse r = dev.get(path);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 403, r.status);
      CPPUNIT_ASSERT_MESSAGE(path, has(r.body, "Admins only"));
      CPPUNIT_ASSERT_MESSAGE(path, !has(r.body, "console-nav"));
    }
    dev.get("/");
    HttpResponse post = dev.post("/admin/clients", "id=sneaky&name=Sneaky");
    CPPUNIT_ASSERT_EQUAL(403, post.status);
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/sneaky").status);
    HttpResponse token = dev.post("/admin/tokens", "role=admin&name=mine");
    CPPUNIT_ASSERT_EQUAL(403, token.status);
    CPPUNIT_ASSERT(!has(token.body, "kwt_"));
  }

  void anAdminEntersAndNavigates() {
    Browser root = browser("root@ops.example");
    HttpResponse r = root.get("/admin");
    CPPUNIT_ASSERT_EQUAL(200, r.status);
    CPPUNIT_ASSERT(has(r.body, "aria-current=\"page\">Overview"));
    CPPUNIT_ASSERT(has(r.header("content-security-policy"), "frame-ancestors 'none'"));
    CPPUNIT_ASSERT(!has(r.body, "<script"));
    for (const char* path :
         {"/admin/keys", "/admin/keys/new", "/admin/clients", "/admin/apis", "/admin/groups",
          "/admin/mail", "/admin/tokens", "/admin/flows", "/admin/applications"})
      CPPUNIT_ASSERT_EQUAL_MESSAGE(path, 200, root.get(path).status);
    // The routing tester answers with the flow routing would choose, and names a bad field.
    HttpResponse write = root.get("/admin/flows?test=yes&kind=new&scopes=orders%3Awrite&quota=10");
    CPPUNIT_ASSERT(has(write.body, "(<span class=\"mono\">write-access</span>)"));
    HttpResponse bad = root.get("/admin/flows?test=yes&kind=new&quota=lots");
    CPPUNIT_ASSERT_EQUAL(400, bad.status);
    CPPUNIT_ASSERT(has(bad.body, "id=\"quota-error\""));
  }

  // A mistyped console or portal address (404) or method (405) is answered by the server, not a
  // page handler: it carries the pages' headers all the same (CSP, no framing, no sniffing).
  void answersWithoutARouteCarryThePageHeadersToo() {
    Browser root = browser("root@ops.example");
    struct Case {
      const char* method;
      const char* path;
      int status;
    };
    for (const Case& c : {Case{"GET", "/admin/nope", 404}, Case{"GET", "/nope", 404},
                          Case{"GET", "/static/nope.css", 404}, Case{"DELETE", "/", 405},
                          Case{"PUT", "/admin/keys", 405}, Case{"GET", "/v1/nope", 404}}) {
      HttpResponse r = server->client().request(c.method, c.path, "", root.headers(), "");
      std::string what = std::string(c.method) + " " + c.path;
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, c.status, r.status);
      CPPUNIT_ASSERT_MESSAGE(what,
                             has(r.header("content-security-policy"), "frame-ancestors 'none'"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("nosniff"),
                                   r.header("x-content-type-options"));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(what, std::string("DENY"), r.header("x-frame-options"));
    }
  }

  void aTenantAdminSeesAndChangesOnlyItsTenant() {
    auto [keyId, plaintext] =
        newKey(R"({"clientId":"c1","name":"default key"})");  // tenant default
    CPPUNIT_ASSERT_EQUAL(
        201,
        admin("POST", "/v1/clients", R"({"id":"a1","name":"Acme client","tenant":"acme"})").status);
    Browser ten = browser("ten@acme.example");
    HttpResponse list = ten.get("/admin/clients");
    CPPUNIT_ASSERT_EQUAL(200, list.status);
    CPPUNIT_ASSERT(has(list.body, "Acme client"));
    CPPUNIT_ASSERT(!has(list.body, "Client One"));
    CPPUNIT_ASSERT(has(list.body, "You administer the tenant <strong>acme</strong> only"));
    CPPUNIT_ASSERT_EQUAL(404, ten.get("/admin/clients/c1").status);
    CPPUNIT_ASSERT_EQUAL(404, ten.get("/admin/keys/" + keyId).status);
    CPPUNIT_ASSERT(!has(ten.get("/admin/keys").body, "default key"));
    // Its changes to another tenant's things are refused, and change nothing.
    ten.get("/admin/keys/" + keyId);
    CPPUNIT_ASSERT_EQUAL(
        404, ten.post("/admin/keys/" + keyId + "/disable", "confirm=yes&reason=x").status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plaintext));
    CPPUNIT_ASSERT_EQUAL(404, ten.post("/admin/clients/c1", "name=Taken").status);
    CPPUNIT_ASSERT_EQUAL(404, ten.post("/admin/clients/c1/delete", "confirm=yes").status);
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/clients/c1").status);
    // What it creates lands in its tenant.
    HttpResponse made = ten.post("/admin/clients", "id=a2&name=Acme+two&clientType=web");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(made.body, 303, made.status);
    CPPUNIT_ASSERT_EQUAL(std::string("acme"),
                         admin("GET", "/v1/clients/a2").json()->getValue<std::string>("tenant"));
    // Tokens: only of its tenant, never an admin of another; the mail log crosses tenants.
    ten.get("/admin/tokens");
    HttpResponse other = ten.post("/admin/tokens", "role=admin&name=x&tenant=default");
    CPPUNIT_ASSERT_EQUAL(403, other.status);
    CPPUNIT_ASSERT(has(other.body, "id=\"tenant-error\""));
    CPPUNIT_ASSERT(!has(other.body, "kwt_"));
    HttpResponse own = ten.post("/admin/tokens", "role=admin&name=acme-admin");
    CPPUNIT_ASSERT_EQUAL(201, own.status);
    std::smatch m;
    CPPUNIT_ASSERT(std::regex_search(own.body, m, std::regex("(kwt_[A-Za-z0-9]+)")));
    CPPUNIT_ASSERT_EQUAL(403, as(m[1].str(), "GET", "/v1/clients?tenant=default").status);
    CPPUNIT_ASSERT_EQUAL(403, ten.get("/admin/mail").status);
  }

  void aFormWithoutThisBrowsersCsrfTokenIsRefusedAndChangesNothing() {
    auto [keyId, plaintext] = newKey();
    Browser root = browser("root@ops.example");
    Browser other = browser("dev@dev.example");  // another session's token is no good either
    root.get("/admin/clients");
    std::string forged(64, '0'), empty;
    for (const std::string* token : {&forged, &empty, &other.csrf}) {
      CPPUNIT_ASSERT_EQUAL(403, root.post("/admin/clients", "id=x1&name=X", token).status);
      CPPUNIT_ASSERT_EQUAL(
          403,
          root.post("/admin/keys/" + keyId + "/disable", "confirm=yes&reason=r", token).status);
      CPPUNIT_ASSERT_EQUAL(403, root.post("/admin/tokens", "role=admin&name=t", token).status);
      CPPUNIT_ASSERT_EQUAL(403, root.post("/admin/clients/c1/delete", "confirm=yes", token).status);
    }
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/x1").status);
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/clients/c1").status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plaintext));
    // With the page's own token the same form works.
    root.get("/admin/clients");
    CPPUNIT_ASSERT_EQUAL(303, root.post("/admin/clients", "id=x1&name=X").status);
  }

  void catalogRefusalsNameTheFieldAndKeepWhatWasTyped() {
    Browser root = browser("root@ops.example");
    root.get("/admin/clients");
    HttpResponse r = root.post("/admin/clients", "id=c9&name=Nine&contactEmail=not+an+address");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"contactEmail-error\""));
    CPPUNIT_ASSERT(
        has(r.body, "name=\"contactEmail\" value=\"not an address\" aria-invalid=\"true\""));
    CPPUNIT_ASSERT(has(r.body, "value=\"Nine\""));
    CPPUNIT_ASSERT_EQUAL(404, admin("GET", "/v1/clients/c9").status);
    r = root.post("/admin/clients", "id=bad+id&name=Nine");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"id-error\""));
    root.get("/admin/apis");
    r = root.post("/admin/apis", "id=a1&name=Orders&method=GET&path=orders");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"path-error\""));
    r = root.post("/admin/apis",
                  "id=a1&name=Orders&method=GET&path=%2Forders&scopes=not+a+scope%21");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"scopes-error\""));
    root.get("/admin/groups");
    r = root.post("/admin/groups", "id=g1&name=G&apis=nosuchapi");
    CPPUNIT_ASSERT(r.status == 400 || r.status == 422);
    CPPUNIT_ASSERT(has(r.body, "id=\"apis-error\""));
    // A duplicate id: 409, said on the form.
    CPPUNIT_ASSERT_EQUAL(303, root.post("/admin/clients", "id=c9&name=Nine").status);
    root.get("/admin/clients");
    r = root.post("/admin/clients", "id=c9&name=Again");
    CPPUNIT_ASSERT_EQUAL(409, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"id-error\""));
    // Editing: the same rules.
    root.get("/admin/clients/c9");
    r = root.post("/admin/clients/c9", "name=&contactEmail=");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"name-error\""));
    // Deleting needs the box ticked.
    r = root.post("/admin/clients/c9/delete", "");
    CPPUNIT_ASSERT_EQUAL(400, r.status);
    CPPUNIT_ASSERT(has(r.body, "id=\"confirm-error\""));
    CPPUNIT_ASSERT_EQUAL(200, admin("GET", "/v1/clients/c9").status);
  }

  void keyRefusalsNameTheField() {
    CPPUNIT_ASSERT_EQUAL(201, admin("POST", "/v1/clients", R"({"id":"c1","name":"C"})").status);
    Browser root = browser("root@ops.example");
    root.get("/admin/keys/new");
    struct Case {
      std::string form, field;
    } cases[] = {
        {"clientId=c1&name=k&quota=ten", "quota"},
        {"clientId=c1&name=k&quota=-5", "quota"},
        {"clientId=c1&name=k&quota=1.5", "quota"},
        {"clientId=c1&name=&quota=5", "name"},
        {"clientId=nosuch&name=k", "clientId"},
        {"clientId=c1&name=k&expiresAt=31%2F12%2F2027", "expiresAt"},
        {"clientId=c1&name=k&expiresAt=2001-01-01", "expiresAt"},
        {"clientId=c1&name=k&scopes=bad%21scope", "scopes"},
        {"clientId=c1&name=k&apis=nosuchapi", "apis"},
    };
    for (const auto& c : cases) {
      HttpResponse r = root.post("/admin/keys", c.form);
      CPPUNIT_ASSERT_MESSAGE(c.form + ": " + std::to_string(r.status),
                             r.status >= 400 && r.status < 500);
      CPPUNIT_ASSERT_MESSAGE(c.form, has(r.body, "id=\"" + c.field + "-error\""));
      CPPUNIT_ASSERT_MESSAGE(c.form, !has(r.body, "id=\"plaintext\""));
    }
    CPPUNIT_ASSERT_EQUAL(size_t(0), admin("GET", "/v1/keys").json()->getArray("keys")->size());
    HttpResponse ok = root.post("/admin/keys", "clientId=c1&name=k&quota=5");
    CPPUNIT_ASSERT_EQUAL(201, ok.status);
    CPPUNIT_ASSERT(has(ok.body, "id=\"plaintext\""));
  }

  void keyActionsWaitForConfirmation() {
    auto [keyId, plaintext] = newKey();
    Browser root = browser("root@ops.example");
    root.get("/admin/keys/" + keyId);
    std::string base = "/admin/keys/" + keyId;
    // Without confirm=yes: the confirmation page, nothing changed.
    for (const char* action : {"disable", "revoke", "rotate"}) {
      HttpResponse r = root.post(base + "/" + action, "reason=r");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(action, 200, r.status);
      CPPUNIT_ASSERT_MESSAGE(action, has(r.body, "Please confirm"));
      CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plaintext));
    }
    // Bad fields are refused next to them even when confirmed.
    HttpResponse at = root.post(base + "/revoke", "confirm=yes&reason=r&at=tomorrow");
    CPPUNIT_ASSERT_EQUAL(400, at.status);
    CPPUNIT_ASSERT(has(at.body, "id=\"at-error\""));
    HttpResponse grace = root.post(base + "/rotate", "confirm=yes&graceSeconds=-1");
    CPPUNIT_ASSERT_EQUAL(400, grace.status);
    CPPUNIT_ASSERT(has(grace.body, "id=\"graceSeconds-error\""));
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plaintext));
    // Confirmed: done.
    HttpResponse done = root.post(base + "/disable", "confirm=yes&reason=checking");
    CPPUNIT_ASSERT_EQUAL(303, done.status);
    CPPUNIT_ASSERT_EQUAL(std::string("DISABLED"), verify(plaintext));
    CPPUNIT_ASSERT_EQUAL(303, root.post(base + "/enable", "confirm=yes").status);
    CPPUNIT_ASSERT_EQUAL(std::string("VALID"), verify(plaintext));
    // Enabling an enabled key: the API's 409, said on a page.
    CPPUNIT_ASSERT_EQUAL(409, root.post(base + "/enable", "confirm=yes").status);
  }

  void tokenRefusalsNameTheField() {
    Browser root = browser("root@ops.example");
    root.get("/admin/tokens");
    struct Case {
      std::string form, field;
    } cases[] = {
        {"role=emperor&name=x", "role"},
        {"role=requester&name=x", "email"},
        {"role=approver&name=x&email=not+an+address", "email"},
        {"role=admin&name=x&tenant=Not+A+Tenant%21", "tenant"},
    };
    for (const auto& c : cases) {
      HttpResponse r = root.post("/admin/tokens", c.form);
      CPPUNIT_ASSERT_MESSAGE(c.form, r.status >= 400 && r.status < 500);
      CPPUNIT_ASSERT_MESSAGE(c.form, has(r.body, "id=\"" + c.field + "-error\""));
      CPPUNIT_ASSERT_MESSAGE(c.form, !has(r.body, "kwt_"));
    }
  }

  void badAttemptsShowWhatTheDefenceCountsAndBlocks() {
    // 21 guessed keys from one client behind the local (trusted) proxy: past the default 20 a
    // minute it is blocked, and the console shows it, blocked, first.
    for (int i = 0; i < 21; ++i) {
      HttpClient c("127.0.0.1", server->port());
      c.request("GET", "/v1/gateway/auth", "",
                {{"X-API-Key", "kw_not_a_key_" + std::to_string(i)},
                 {"X-Forwarded-For", "203.0.113.77"}});
    }
    Browser root = browser("root@ops.example");
    HttpResponse all = root.get("/admin/bad-attempts");
    CPPUNIT_ASSERT_EQUAL(200, all.status);
    CPPUNIT_ASSERT(has(all.body, "aria-current=\"page\">Bad attempts"));
    CPPUNIT_ASSERT(has(all.body, "203.0.113.77"));
    CPPUNIT_ASSERT(has(all.body, "<strong>blocked</strong>"));
    HttpResponse links = root.get("/admin/bad-attempts?table=link");
    CPPUNIT_ASSERT_EQUAL(200, links.status);
    CPPUNIT_ASSERT(!has(links.body, "203.0.113.77"));
    // Client addresses belong to no tenant: a tenant admin is refused.
    Browser ten = browser("ten@acme.example");
    CPPUNIT_ASSERT_EQUAL(403, ten.get("/admin/bad-attempts").status);
  }

  void aDecisionOnBehalfIsConfirmedCheckedAndRecordedAsSuch() {
    admin("POST", "/v1/clients", R"({"id":"web","name":"Web","clientType":"web"})");
    HttpResponse sub =
        admin("POST", "/v1/applications",
              R"({"kind":"new","clientId":"web","keyName":"orders","description":"d",)"
              R"("requesterEmail":"dev@dev.example","quota":10})");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(sub.body, 201, sub.status);
    std::string id = sub.json()->getValue<std::string>("id");
    std::string page = "/admin/applications/" + id;
    Browser root = browser("root@ops.example");
    HttpResponse list = root.get("/admin/applications?state=IN_REVIEW");
    CPPUNIT_ASSERT(has(list.body, page));
    CPPUNIT_ASSERT_EQUAL(400, root.get("/admin/applications?state=NOPE").status);
    HttpResponse view = root.get(page);
    CPPUNIT_ASSERT_EQUAL(200, view.status);
    CPPUNIT_ASSERT(has(view.body, "Decide on behalf of an approver"));
    auto state = [&] {
      return admin("GET", "/v1/applications/" + id).json()->getValue<std::string>("state");
    };
    struct Case {
      std::string form, field;
      int status;
    } cases[] = {
        {"approver=lead%40example.com&decision=approve", "confirm", 400},
        {"approver=lead%40example.com&decision=maybe&confirm=yes", "decision", 400},
        {"approver=lead%40example.com&decision=reject&confirm=yes", "comment", 400},
        {"approver=&decision=approve&confirm=yes", "approver", 400},
    };
    for (const auto& c : cases) {
      HttpResponse r = root.post(page + "/decide", c.form);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.form, c.status, r.status);
      CPPUNIT_ASSERT_MESSAGE(c.form + "\n" + r.body, has(r.body, "id=\"" + c.field + "-error\""));
      CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), state());
    }
    // Not an approver of the level: the API's 403, said on the page; nothing recorded.
    HttpResponse stranger =
        root.post(page + "/decide", "approver=someone%40example.com&decision=approve&confirm=yes");
    CPPUNIT_ASSERT_EQUAL(403, stranger.status);
    CPPUNIT_ASSERT(has(stranger.body, "role=\"alert\""));
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), state());
    // A reminder right after the level began: the API's 409 REMINDED_RECENTLY, said on the page.
    HttpResponse remind = root.post(page + "/remind", "");
    CPPUNIT_ASSERT_EQUAL(409, remind.status);
    CPPUNIT_ASSERT(has(remind.body, "role=\"alert\""));
    HttpResponse ok = root.post(
        page + "/decide", "approver=lead%40example.com&decision=approve&comment=fine&confirm=yes");
    CPPUNIT_ASSERT_EQUAL_MESSAGE(ok.body, 303, ok.status);
    CPPUNIT_ASSERT_EQUAL(std::string("IN_REVIEW"), state());  // level 2 of write-access
    CPPUNIT_ASSERT_EQUAL(2, admin("GET", "/v1/applications/" + id).json()->getValue<int>("level"));
    auto history = admin("GET", "/v1/applications/" + id).json()->getArray("history");
    bool onBehalf = false;
    for (size_t i = 0; i < history->size(); ++i) {
      auto d = history->getObject(static_cast<unsigned>(i));
      if (d->getValue<std::string>("decision") == "approve")
        onBehalf = d->getValue<std::string>("approver") == "lead@example.com" &&
                   d->getValue<std::string>("actor").rfind("session:", 0) == 0;
    }
    CPPUNIT_ASSERT_MESSAGE("the approval names the approver and the admin's session", onBehalf);
    CPPUNIT_ASSERT(has(root.get(page).body, "recorded by session:"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AdminConsoleTest);
