#include "api/LimitFields.h"

#include "engine/base/Duration.h"
#include "engine/text/Validation.h"

namespace keywarden::api {

void LimitFields::refill(BodyReader& b, int64_t& amount, engine::RefillInterval& out) {
  auto r = b.child("refill");
  if (!r) return;
  std::string interval;
  int64_t a = 0;
  r->onlyFields({"amount", "interval"})
      .integer("amount", a, 1, engine::Validation::kMaxQuota, true)
      .str("interval", interval, true);
  if (!r->error() && interval != "daily" && interval != "monthly")
    r->fail("interval", r->name("interval") + " must be daily or monthly");
  if (r->error()) return b.adopt(*r);
  amount = a;
  out = interval == "daily" ? engine::RefillInterval::Daily : engine::RefillInterval::Monthly;
}

void LimitFields::rateLimit(BodyReader& b, int64_t& limit, int64_t& windowMs) {
  auto r = b.child("rateLimit");
  if (!r) return;
  std::string window;
  int64_t l = 0;
  r->onlyFields({"limit", "window"})
      .integer("limit", l, 1, 1'000'000'000, true)
      .str("window", window, true);
  auto ms = engine::Duration::parseMs(window);
  if (!r->error() && !ms)
    r->fail("window", r->name("window") +
                          " must be a duration such as 1s, 1m or 1h (a positive whole number "
                          "and ms, s, m, h or d; at most 100 years)");
  if (r->error()) return b.adopt(*r);
  limit = l;
  windowMs = *ms;
}

}  // namespace keywarden::api
