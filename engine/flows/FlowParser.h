#pragma once

#include <stdexcept>
#include <string>

#include "engine/flows/Flow.h"

namespace keywarden::engine {

// A flow definition that cannot be used. what() reads "<source>: <place>: <reason>".
class FlowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and fully validates one flow definition (contract §5), and writes it back as the
// canonical JSON snapshot an application keeps.
class FlowParser {
 public:
  // Throws FlowError naming `source`, the place (`levels[1].policy`) and the reason.
  static Flow parse(const std::string& json, const std::string& source);
  static std::string toJson(const Flow& f);
  // The flow an application keeps (written by toJson when it was routed; decisions, mails and
  // pages follow it, not the file). The one way every part reads a snapshot. Throws FlowError
  // naming `owner` (an application number) if the stored text is damaged. Each distinct text
  // is parsed once while FlowSnapshotCache::shared() keeps it.
  static Flow snapshot(const std::string& json, const std::string& owner);
};

}  // namespace keywarden::engine
