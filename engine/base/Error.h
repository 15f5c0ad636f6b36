#pragma once

#include <string>

namespace keywarden::engine {

// What kind of expected failure happened. The api module maps each kind to one HTTP status
// (api/ErrorMapper); the engine knows no statuses.
enum class ErrorKind {
  BadInput,         // the input is malformed or a field is invalid
  Unauthenticated,  // no or an unknown credential
  Forbidden,        // the principal may not do this
  NotFound,         // no such object (or not visible to the principal)
  Conflict,         // the object's state does not allow it
  Unprocessable,    // well-formed, but the request cannot be carried out as asked
  Internal,         // a bug or an unexpected failure
  Unavailable,      // the store is busy or unreachable: try again (engine/ports/StoreBusy)
  Protocol,         // refused by the layer that speaks the protocol (api), which alone maps
                    // its codes to a status: a body too large, a method not allowed, ...
};

// An expected failure as a value: a machine code (SNAKE_CASE), a sentence for people and,
// when one input field is to blame, its name.
struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string code;
  std::string message;
  std::string field;

  static Error badInput(std::string field, std::string message,
                        std::string code = "INVALID_FIELD") {
    return {ErrorKind::BadInput, std::move(code), std::move(message), std::move(field)};
  }
  static Error notFound(std::string what, const std::string& id) {
    return {ErrorKind::NotFound, "NOT_FOUND", what + " '" + id + "' does not exist", ""};
  }
  static Error conflict(std::string code, std::string message, std::string field = "") {
    return {ErrorKind::Conflict, std::move(code), std::move(message), std::move(field)};
  }
  static Error forbidden(std::string code, std::string message) {
    return {ErrorKind::Forbidden, std::move(code), std::move(message), ""};
  }
  static Error unauthenticated(std::string message) {
    return {ErrorKind::Unauthenticated, "UNAUTHENTICATED", std::move(message), ""};
  }
  static Error unprocessable(std::string code, std::string message, std::string field = "") {
    return {ErrorKind::Unprocessable, std::move(code), std::move(message), std::move(field)};
  }
};

}  // namespace keywarden::engine
