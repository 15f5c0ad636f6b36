#pragma once

#include "api/GatewayAnswer.h"

namespace keywarden::api::gateway {

// What the event-driven listener asks of the rest of the API: the answer to one complete
// request (forward-auth, verify, or a refusal of any other path), with its metrics recorded.
// Implemented by HttpApi (the same handlers and metrics as http.port). Must be thread-safe: every
// loop calls it.
class GatewayEndpoints {
 public:
  virtual ~GatewayEndpoints() = default;
  // `call.body` holds the whole body (verify) or nothing; `bodyTooLarge` is set when the
  // Content-Length exceeded http.maxBodyBytes (the body is not read).
  virtual void answer(const GatewayCall& call, bool bodyTooLarge, GatewayAnswer& out) = 0;
};

}  // namespace keywarden::api::gateway
