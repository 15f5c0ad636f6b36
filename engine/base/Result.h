#pragma once

#include <optional>
#include <utility>
#include <variant>

#include "engine/base/Error.h"

namespace keywarden::engine {

// Either a value or an Error. Expected failures travel as values, never as exceptions.
template <typename T>
class Result {
 public:
  Result(T value) : _v(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : _v(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(_v); }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<T>(_v); }
  T& value() & { return std::get<T>(_v); }
  T&& value() && { return std::get<T>(std::move(_v)); }
  const Error& error() const { return std::get<Error>(_v); }

 private:
  std::variant<T, Error> _v;
};

// Success without a value.
struct Unit {};
using Status = Result<Unit>;
inline Status okStatus() {
  return Unit{};
}

}  // namespace keywarden::engine
