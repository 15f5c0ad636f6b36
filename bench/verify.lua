-- wrk script: POST /v1/keys/verify {"key":"..."}, round-robin over real keys.
-- Usage: wrk -s bench/verify.lua URL -- KEYS_FILE   (one plaintext key per line)

-- wrk does not put the script's directory on package.path: add it to find keys.lua.
package.path = (debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "?.lua;" .. package.path
require("keys").round_robin("verify.lua", function(key)
  return wrk.format("POST", "/v1/keys/verify",
    { ["Content-Type"] = "application/json" }, '{"key":"' .. key .. '"}')
end)
