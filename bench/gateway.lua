-- wrk script: GET /v1/gateway/auth with an X-API-Key header, round-robin over real keys.
-- Usage: wrk -s bench/gateway.lua URL -- KEYS_FILE   (one plaintext key per line)
-- run.sh also drives nginx and the bare Poco server with this script, so every target
-- receives byte-identical requests and wrk does the same work for each of them.

-- wrk does not put the script's directory on package.path: add it to find keys.lua.
package.path = (debug.getinfo(1, "S").source:match("^@?(.*/)") or "./") .. "?.lua;" .. package.path
require("keys").round_robin("gateway.lua", function(key)
  return wrk.format("GET", "/v1/gateway/auth", { ["X-API-Key"] = key })
end)
