// Portal: the keys a person holds (contract §7 /keys), and asking to revoke one.
#include <algorithm>

#include "engine/text/Phrase.h"
#include "web/Portal.h"
#include "web/Views.h"

namespace keywarden::web {

using engine::portal::PortalService;

namespace {
constexpr int kMaxKeys = 200;
}

void Portal::keyList(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  int64_t now = Views::now();
  api::JsonWriter w;
  w.beginObject().beginArray("keys");
  int64_t n = 0;
  if (v.roles.admin) {
    if (auto r = _s.keys.list(PortalService::admin(*v.session), {}))
      for (const auto& k : r.value()) {
        if (n++ >= kMaxKeys) break;
        Views::keyRow(w, k, now, tx(v));
      }
  } else {
    for (const auto& id : _s.portal.keysHeldBy(v.session->email, kMaxKeys))
      if (auto k = _s.keys.get(Views::reader(), id)) {
        Views::keyRow(w, k.value(), now, tx(v));
        ++n;
      }
  }
  w.endArray().field("none", n == 0);
  render(ex, v, "keys", tx(v)("title.keys"), w);
}

void Portal::keyPage(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  const std::string& id = ex.param("id");
  auto held = _s.portal.keysHeldBy(v.session->email, kMaxKeys);
  bool holder = std::find(held.begin(), held.end(), id) != held.end();
  auto k = (holder || v.roles.admin)
               ? _s.keys.get(Views::reader(), id)
               : engine::Result<engine::Key>(engine::Error::notFound("key", id));
  if (!k) return message(ex, v, 404, tx(v)("message.notFound"), tx(v)("message.noSuchKey"));
  keyView(ex, v, k.value(), holder, "", "", 200);
}

void Portal::keyView(api::Exchange& ex, const Visit& v, const engine::Key& k, bool holder,
                     const std::string& reasonDraft, const std::string& reasonError, int status) {
  api::JsonWriter w;
  w.beginObject();
  Views::key(w, k, _s.catalog, Views::now(), tx(v));
  w.field("holder", holder).field("reasonDraft", reasonDraft).field("reasonError", reasonError);
  render(ex, v, "key", tx(v)("title.named", {{"name", k.name}}), w, status);
}

void Portal::keyRevoke(api::Exchange& ex) {
  Visit v = visit(ex);
  if (!requireSession(ex, v)) return;
  std::map<std::string, std::string> form;
  std::optional<engine::Error> unreadable;  // shown on the form, with what could be read
  if (!readForm(ex, v, {"reason"}, form, &unreadable)) return;
  const std::string& id = ex.param("id");
  auto held = _s.portal.keysHeldBy(v.session->email, kMaxKeys);
  if (std::find(held.begin(), held.end(), id) == held.end())
    return message(ex, v, 404, tx(v)("message.notFound"), tx(v)("message.noSuchKeyOfYours"));
  auto k = _s.keys.get(Views::reader(), id);
  if (!k) return message(ex, v, 404, tx(v)("message.notFound"), tx(v)("message.noSuchKeyOfYours"));
  std::string reason;
  for (char c : form["reason"])
    if (c != '\r') reason.push_back(c);
  engine::ApplicationInput in;
  in.kind = engine::AppKind::Revoke;
  in.clientId = k.value().clientId;
  in.keyId = id;
  in.requesterEmail = v.session->email;
  in.description = reason;
  if (unreadable) return keyView(ex, v, k.value(), true, reason, say(v, *unreadable), 400);
  auto r = _s.applications.submit(PortalService::requester(*v.session), in);
  // A reason the engine refuses comes back on the form as typed; anything else as a page.
  if (!r && r.error().kind == engine::ErrorKind::BadInput)
    return keyView(ex, v, k.value(), true, reason, say(v, r.error()), 400);
  if (!r) return failed(ex, v, "message.notAsked", r.error());
  redirect(ex, "/applications/" + r.value().id);
}

}  // namespace keywarden::web
