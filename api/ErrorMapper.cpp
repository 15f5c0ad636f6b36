#include "api/ErrorMapper.h"

namespace keywarden::api {

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
    case ErrorKind::MethodNotAllowed:
      return 405;
    case ErrorKind::Conflict:
      return 409;
    case ErrorKind::TooLarge:
      return 413;
    case ErrorKind::UnsupportedMedia:
      return 415;
    case ErrorKind::Unprocessable:
      return 422;
    case ErrorKind::Unavailable:
      return 503;
    case ErrorKind::Internal:
      return 500;
  }
  return 500;
}

}  // namespace keywarden::api
