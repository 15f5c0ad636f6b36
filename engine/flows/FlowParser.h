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
};

}  // namespace keywarden::engine
