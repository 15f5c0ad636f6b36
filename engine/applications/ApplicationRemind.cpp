// ApplicationService: reminding the approvers an application waits for
// (POST /v1/applications/{id}/remind).
#include "engine/applications/ApplicationService.h"
#include "engine/applications/ApplicationServiceDetail.h"

#include <Poco/String.h>

#include "engine/text/JsonText.h"

namespace keywarden::engine {

using namespace application_detail;

Result<Reminder> ApplicationService::remind(const Principal& p, const std::string& id) {
  if (p.role != Role::Admin && p.role != Role::Requester)
    return Error::forbidden("FORBIDDEN_ROLE",
                            "only the requester (or an admin) reminds an application's approvers");
  return _store.write([&](Transaction& tx) -> Result<Reminder> {
    tx.exclusive("remind:" + id);  // two reminders at once: the second sees the first's links
    auto a = tx.applications().find(id);
    if (!a || !mayView(p, *a)) return Error::notFound("application", id);
    if (a->state != AppState::InReview)
      return Error::conflict("INVALID_STATE", "application " + a->number + " is " +
                                                  std::string(appStateName(a->state)) +
                                                  ": only an application IN_REVIEW has approvers "
                                                  "to remind");
    std::vector<std::string> waiting = waitingApprovers(*a);
    if (waiting.empty())
      return Error::conflict("NOTHING_TO_REMIND", "application " + a->number +
                                                      " waits for no approver at level " +
                                                      std::to_string(a->level));
    int64_t now = _clock.nowMs();
    int64_t last = tx.outbox().lastLinkIssuedAt(a->id, a->level);
    if (last > 0 && now - last < kRemindIntervalMs) {
      int64_t wait = (kRemindIntervalMs - (now - last) + 999) / 1000;
      return Error::conflict("REMINDED_RECENTLY",
                             "the approvers of level " + std::to_string(a->level) +
                                 " were sent a link less than a minute ago; try again in " +
                                 std::to_string(wait) + " s");
    }
    _notices.reminded(tx, *a, waiting, now);
    std::string list;
    for (const auto& w : waiting) list += (list.empty() ? "" : ",") + JsonText::quoted(w);
    tx.audit().append({now, p.actor(), "application.remind", "application", a->id, a->tenant,
                       "{\"number\":" + JsonText::quoted(a->number) + ",\"level\":" +
                           std::to_string(a->level) + ",\"approvers\":[" + list + "]}"});
    Reminder out;
    out.application = *a;
    out.approvers = std::move(waiting);
    return out;
  });
}

}  // namespace keywarden::engine
