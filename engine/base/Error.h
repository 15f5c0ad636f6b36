#pragma once

#include <string>

namespace keywarden::engine {

// What kind of expected failure happened; the api module maps each kind to one HTTP status.
enum class ErrorKind {
  BadInput,          // 400
  Unauthenticated,   // 401
  Forbidden,         // 403
  NotFound,          // 404
  MethodNotAllowed,  // 405
  Conflict,          // 409
  TooLarge,          // 413
  UnsupportedMedia,  // 415
  Unprocessable,     // 422
  Internal,          // 500
  Unavailable,       // 503
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
