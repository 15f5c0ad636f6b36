#include "api/ClientSource.h"

namespace keywarden::api {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

bool ClientSource::trusted(const IpAddress& a) const {
  for (const auto& n : _trusted)
    if (n.contains(a)) return true;
  return false;
}

bool ClientSource::of(const IpAddress& peer, const HeaderFields& fields,
                      engine::AttemptKey& out) const {
  if (peer.family == 0) return false;
  if (!trusted(peer)) {
    peer.attemptKey(out);
    return true;
  }
  // Several fields of one name are one list, in order (RFC 9110 §5.3): read from the last.
  IpAddress leftmostTrusted;
  for (const HeaderField* f = fields.end(); f != fields.begin();) {
    --f;
    if (!HeaderFields::nameIs(f->name, _header)) continue;
    std::string_view list = f->value;
    while (true) {
      size_t comma = list.rfind(',');
      std::string_view item = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      IpAddress a;
      if (!IpAddress::parse(item, a)) return false;  // not an address: the client is unknown
      if (!trusted(a)) {
        a.attemptKey(out);
        return true;
      }
      leftmostTrusted = a;
      if (comma == std::string_view::npos) break;
      list = list.substr(0, comma);
    }
  }
  // Every hop is a trusted address: the left-most is the client.
  if (leftmostTrusted.family == 0) return false;
  leftmostTrusted.attemptKey(out);
  return true;
}

}  // namespace keywarden::api
