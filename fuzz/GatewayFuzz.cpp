// libFuzzer target: what a gateway sends, as gateway.port reads it — api::gateway::
// GatewayConnection (request line, header, framing, keep-alive, pipelining) answering through
// the real HttpApi: forward-auth's key extraction (gateway.keyHeaders: a header, a cookie,
// Bearer, a query parameter), the original request (X-Original-*/X-Forwarded-* and the path
// after the prefix, api::OriginalRequest), the client address (X-Forwarded-For from a trusted
// proxy, api::ClientSource), the gateway token, and POST /v1/keys/verify's JSON body.
//
// Input: one flags byte, then the bytes the connection receives. Flags bit 0: the server has
// gateway.requireToken; bit 1: the bytes arrive in two reads (split at the second byte's
// value). `@K` in the bytes is replaced by a valid key and `@T` by a valid gateway token, so
// that the valid paths are reachable.
// Invariants: the answers start with an HTTP/1.x status line; no answer carries the key or the
// gateway token or the admin token unless the input did (an echo to the sender, such as the
// path of a 404); nothing throws.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/IpAddress.h"
#include "api/gateway/GatewayConnection.h"
#include "fuzz/FuzzServer.h"

using namespace keywarden;

namespace {
struct Gateways {
  fuzz::FuzzServer& server;
  std::unique_ptr<api::HttpApi> withToken;  // the same wiring with gateway.requireToken
};

Gateways& gateways() {
  static Gateways* g = [] {
    auto& s = fuzz::FuzzServer::get(
        {{"gateway.keyHeaders", "X-API-Key,cookie:kw_key,bearer,query:api_key"},
         {"gateway.cacheSeconds", "30"}});
    auto* out = new Gateways{s, nullptr};
    api::GatewaySettings gs;
    std::string why;
    if (!api::GatewaySettings::parseSources("X-API-Key,cookie:kw_key,bearer,query:api_key",
                                            gs.keySources, why))
      std::abort();
    gs.requireToken = true;
    gs.rateLimitStatus = 429;
    out->withToken = std::make_unique<api::HttpApi>(s.wiring->apiServices(), gs, 1 << 20,
                                                    [] { return std::string(); });
    return out;
  }();
  return *g;
}

void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

bool contains(const std::string& hay, const std::string& needle) {
  return !needle.empty() && hay.find(needle) != std::string::npos;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Gateways& g = gateways();
  uint8_t flags = data[0];
  std::string in(reinterpret_cast<const char*>(data + 1), size - 1);
  replaceAll(in, "@K", g.server.key);
  replaceAll(in, "@T", g.server.gatewayToken);
  bool inputHasKey = contains(in, g.server.key);
  bool inputHasToken = contains(in, g.server.gatewayToken);
  // libFuzzer learns compared strings (-use_cmp): the admin token can come back as input.
  bool inputHasAdmin = contains(in, g.server.adminToken);

  api::gateway::GatewayEndpoints& endpoints =
      (flags & 1) ? static_cast<api::gateway::GatewayEndpoints&>(*g.withToken)
                  : static_cast<api::gateway::GatewayEndpoints&>(*g.server.api);
  static const api::gateway::GatewayLimits limits;
  const int64_t t0 = 1'000'000;
  api::gateway::GatewayConnection conn(endpoints, limits, t0);
  api::IpAddress peer;
  if (!api::IpAddress::parse("127.0.0.1", peer)) std::abort();
  conn.setPeer(peer);
  const std::string date = "Tue, 01 Dec 2026 00:00:00 GMT";

  std::string out, pending;
  size_t split = (flags & 2)
                     ? std::min<size_t>(static_cast<uint8_t>(in.empty() ? 0 : in[0]), in.size())
                     : in.size();
  for (std::string chunk : {in.substr(0, split), in.substr(split)}) {
    pending += chunk;
    while (!pending.empty() && !conn.closing()) {
      size_t used = conn.onInput(pending.data(), pending.size(), t0, date, out);
      if (conn.parked())
        used += conn.resume(pending.data() + used, pending.size() - used, t0, date, out);
      if (used == 0) break;
      pending.erase(0, used);
    }
    if (conn.closing()) break;
  }
  if (!conn.closing()) conn.onDeadline(pending.data(), pending.size(), date, out);

  if (!out.empty() && out.compare(0, 7, "HTTP/1.") != 0) std::abort();
  // A secret the input did not carry must not come out (an answer may echo the sender's own
  // bytes, such as the path of a 404, back to the sender).
  if (!inputHasAdmin && contains(out, g.server.adminToken)) std::abort();
  if (!inputHasToken && contains(out, g.server.gatewayToken)) std::abort();
  if (!inputHasKey && contains(out, g.server.key)) std::abort();
  return 0;
}
