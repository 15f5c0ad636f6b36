#pragma once
// The mail module's test fixture: a fake transport and a manual clock, on a real SQLite store
// with one client, API and group; helpers to enqueue, read and render outbox rows.
#include <cppunit/extensions/HelperMacros.h>

#include <fstream>
#include <functional>
#include <set>
#include "engine/base/ManualClock.h"
#include "engine/crypto/Base64Url.h"
#include "engine/crypto/SecretBox.h"
#include "engine/flows/FlowParser.h"
#include "engine/notices/LinkSigner.h"
#include "engine/notices/Notices.h"

#include "mail/OutboxSender.h"
#include "mail/SentJournal.h"
#include "mail/TemplateSet.h"
#include "store/SqlStore.h"
#include "tests/support/TempDir.h"
#include "tests/unit/support/TempStore.h"

namespace keywarden::test {

// Records what it is asked to send; fails while `failures` > 0.
class FakeTransport : public mail::MailTransport {
 public:
  int failures = 0;
  bool permanent = false;
  std::vector<std::pair<std::string, mail::RenderedMail>> sent;
  std::vector<std::string> messageIds;
  std::function<void(size_t)> before;  // called before mail n (0-based, over the object's life)
  void send(const std::string& to, const mail::RenderedMail& m, const std::string& id) override {
    if (before) before(messageIds.size());
    messageIds.push_back(id);
    if (failures > 0) {
      --failures;
      throw mail::TransportError(permanent ? "550 no such user" : "421 try later", !permanent);
    }
    sent.emplace_back(to, m);
  }
};

inline const int64_t kT0 = 1795219200000;
inline const char* kSecret = "0123456789abcdef0123456789abcdef";

// The catalog the mail tests render against: client "web" (Web Shop, ops@example.com), API
// "orders-list" (List orders, `method` /orders/*), group "reports" holding `groupApis`.
inline void insertShopCatalog(engine::Store& store, const std::string& method,
                              const std::vector<std::string>& groupApis) {
  store.write([&](engine::Transaction& tx) {
    engine::Client c;
    c.id = "web";
    c.name = "Web Shop";
    c.contactEmail = "ops@example.com";
    tx.catalog().insertClient(c);
    engine::ApiDef api;
    api.id = "orders-list";
    api.name = "List orders";
    api.method = method;
    api.path = "/orders/*";
    tx.catalog().insertApi(api);
    engine::Group g;
    g.id = "reports";
    g.name = "Reports";
    g.apis = groupApis;
    tx.catalog().insertGroup(g);
  });
}

class MailFixture : public CppUnit::TestFixture {
 public:
  void setUp() override {
    dir = std::make_unique<test::TempDir>("kwmail");
    store = test::migratedStore(*dir);
    templates =
        std::make_unique<mail::TemplateSet>(std::string(KEYWARDEN_SOURCE_DIR) + "/templates");
    clock = std::make_unique<engine::ManualClock>(kT0);
    sealer = std::make_unique<engine::SecretBox>(kSecret, "key-delivery");
    mail::SenderSettings s;
    s.retryBaseMs = 1000;
    s.retryMaxMs = 4000;
    sender =
        std::make_unique<mail::OutboxSender>(*store, *templates, transport, *sealer, *clock, s);
    links = std::make_unique<engine::LinkSigner>(kSecret, 60000);
    notices = std::make_unique<engine::Notices>(*sealer, *links, "https://kw.example", 60000);
    insertShopCatalog(*store, "GET", {"orders-list"});
  }

  // A flow of `levels` levels ("Level 1" …, approver lead@example.com), rejecting after 48h.
  static std::string flowJson(int levels, const std::string& name = "Open") {
    engine::Flow f;
    f.id = "f1";
    f.name = name;
    for (int i = 1; i <= levels; ++i) {
      engine::FlowLevel l;
      l.name = "Level " + std::to_string(i);
      l.approvers = {"lead@example.com"};
      l.timeoutMs = 48 * 3600000LL;
      l.onTimeout = engine::FlowLevel::OnTimeout::Reject;
      f.levels.push_back(l);
    }
    return engine::FlowParser::toJson(f);
  }
  static engine::Application application(engine::AppKind kind, int levels) {
    engine::Application a;
    a.id = "app_1";
    a.number = "KA-20261130-0001";
    a.kind = kind;
    a.clientId = "web";
    a.keyName = "sync";
    a.keyId = "key_1";
    a.requesterEmail = "dev@example.com";
    a.flowSnapshot = flowJson(levels);
    a.levelCount = levels;
    a.history.push_back({"d0", a.id, 0, "submit", a.requesterEmail, "token:t", "", kT0});
    return a;
  }
  static engine::Key key(std::vector<std::string> apis, std::vector<std::string> groups = {},
                         std::vector<std::string> scopes = {}) {
    engine::Key k;
    k.id = "key_1";
    k.clientId = "web";
    k.name = "sync";
    k.start = "kw_abcd";
    k.apis = std::move(apis);
    k.groups = std::move(groups);
    k.scopes = std::move(scopes);
    k.createdAt = kT0;
    k.expiresAt = kT0 + 86400000;
    return k;
  }
  // Every mail the outbox holds for `to`, rendered, oldest first.
  std::vector<mail::RenderedMail> rendered(const std::string& to) {
    std::vector<engine::OutboxMail> all;
    store->read([&](engine::Transaction& tx) { all = tx.outbox().list("", to); });
    std::vector<mail::RenderedMail> out;
    for (const auto& m : all) out.push_back(templates->renderMail(m.event, m.context, "kw_x"));
    return out;
  }
  static bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
  }

  void enqueue(const std::string& id, const std::string& event, const std::string& secret = "") {
    engine::OutboxMail m;
    m.id = id;
    m.event = event;
    m.recipient = "dev@example.com";
    m.context =
        R"({"number":"KA-1","keyName":"k","clientName":"Shop","requester":"dev@example.com","comment":"a<b"})";
    if (!secret.empty()) m.sealedSecret = sealer->seal(secret);
    m.nextAttemptAt = clock->nowMs();
    m.createdAt = clock->nowMs();
    m.giveUpAt = clock->nowMs() + 60000;
    store->write([&](engine::Transaction& tx) { tx.outbox().enqueue(m); });
  }
  engine::OutboxMail row(const std::string& id) {
    std::vector<engine::OutboxMail> all;
    store->read([&](engine::Transaction& tx) { all = tx.outbox().list("", ""); });
    for (auto& m : all)
      if (m.id == id) return m;
    CPPUNIT_FAIL("no mail " + id);
    return {};
  }

 protected:
  std::unique_ptr<engine::LinkSigner> links;
  std::unique_ptr<engine::Notices> notices;
  std::unique_ptr<test::TempDir> dir;
  std::unique_ptr<store::SqlStore> store;
  std::unique_ptr<mail::TemplateSet> templates;
  std::unique_ptr<engine::ManualClock> clock;
  std::unique_ptr<engine::SecretBox> sealer;
  FakeTransport transport;
  std::unique_ptr<mail::OutboxSender> sender;
};

}  // namespace keywarden::test
