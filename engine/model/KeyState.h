#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keywarden::engine {

enum class KeyState : uint8_t { Scheduled, Active, Disabled, Expired, Revoked };

std::string_view keyStateName(KeyState s);
std::optional<KeyState> parseKeyState(std::string_view name);

}  // namespace keywarden::engine
