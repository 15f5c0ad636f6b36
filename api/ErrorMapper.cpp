#include "api/ErrorMapper.h"

#include "api/ProtocolError.h"

namespace keywarden::api {

int ErrorMapper::status(const engine::Error& e) {
  if (e.kind != engine::ErrorKind::Protocol) return status(e.kind);
  if (e.code == ProtocolError::kMethodNotAllowed) return 405;
  if (e.code == ProtocolError::kBodyTooLarge) return 413;
  if (e.code == ProtocolError::kUnsupportedMedia) return 415;
  return 400;
}

int ErrorMapper::status(engine::ErrorKind kind) {
  using engine::ErrorKind;
  switch (kind) {
    case ErrorKind::BadInput:
      return 400;
    case ErrorKind::Unauthenticated:
      return 401;
    case ErrorKind::Forbidden:
      return 403;
    case ErrorKind::NotFound:
      return 404;
    case ErrorKind::Conflict:
      return 409;
    case ErrorKind::Unprocessable:
      return 422;
    case ErrorKind::Unavailable:
      return 503;
    case ErrorKind::Protocol:
      return 400;
    case ErrorKind::Internal:
      return 500;
  }
  return 500;
}

}  // namespace keywarden::api
