#pragma once

#include <string>

#include "engine/base/Error.h"

namespace keywarden::api {

// Refusals that only HTTP knows (RFC 9110 §15.5), as engine::Error values of kind Protocol,
// so they travel through the same Result and error writer as every other failure.
// api/ErrorMapper gives each code its status. Stateless; thread-safe.
struct ProtocolError {
  static constexpr const char* kMethodNotAllowed = "METHOD_NOT_ALLOWED";      // 405
  static constexpr const char* kBodyTooLarge = "BODY_TOO_LARGE";              // 413
  static constexpr const char* kUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE";  // 415

  static engine::Error methodNotAllowed(const std::string& method, const std::string& path) {
    return {engine::ErrorKind::Protocol, kMethodNotAllowed,
            "method " + method + " is not allowed on " + path, ""};
  }
  static engine::Error bodyTooLarge(size_t maxBytes) {
    return {engine::ErrorKind::Protocol, kBodyTooLarge,
            "the body is larger than " + std::to_string(maxBytes) + " bytes", ""};
  }
  static engine::Error unsupportedMedia(const std::string& message) {
    return {engine::ErrorKind::Protocol, kUnsupportedMedia, message, "Content-Type"};
  }
};

}  // namespace keywarden::api
