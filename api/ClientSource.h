#pragma once

#include <string>
#include <vector>

#include "api/HeaderFields.h"
#include "api/IpAddress.h"
#include "engine/abuse/AttemptKey.h"

namespace keywarden::api {

// Who is calling, for the brute-force defence (README "Brute force and abuse"): the client
// address a trusted proxy forwards, else the connection's peer.
// - A peer inside abuse.trustedProxies is a proxy: the client is read from its header
//   (abuse.clientAddressHeader, X-Forwarded-For by default, or X-Real-IP), right to left,
//   skipping the addresses of trusted proxies: the right-most address no trusted proxy owns is
//   the client (every proxy appends the address it saw; what lies to the left of an untrusted
//   hop may be forged). When the proxy forwards no usable address, the client is unknown.
// - Any other peer is the client itself, whatever its headers say.
// Allocates nothing. Immutable once built; thread-safe.
class ClientSource {
 public:
  ClientSource() = default;
  ClientSource(std::vector<IpNetwork> trustedProxies, std::string header)
      : _trusted(std::move(trustedProxies)), _header(std::move(header)) {}

  // Sets `out` to the client's attempt key; false when the client is unknown.
  bool of(const IpAddress& peer, const HeaderFields& fields, engine::AttemptKey& out) const;
  bool trusted(const IpAddress& a) const;

 private:
  std::vector<IpNetwork> _trusted;
  std::string _header = "X-Forwarded-For";
};

}  // namespace keywarden::api
