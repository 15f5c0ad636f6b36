-- wrk script: GET /v1/gateway/auth with an X-API-Key header, round-robin over real keys.
-- Usage: wrk -s bench/gateway.lua URL -- KEYS_FILE   (one plaintext key per line)
-- run.sh also drives nginx and the bare Poco server with this script, so every target
-- receives byte-identical requests and wrk does the same work for each of them.

local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local requests = {}
local n, i = 0, 0

function init(args)
  local path = args[1] or os.getenv("BENCH_KEYS_FILE")
  if not path then error("gateway.lua: pass the keys file after --") end
  for line in io.lines(path) do
    if #line > 0 then
      n = n + 1
      requests[n] = wrk.format("GET", "/v1/gateway/auth", { ["X-API-Key"] = line })
    end
  end
  if n == 0 then error("gateway.lua: no keys in " .. path) end
  i = (tid or 0) % n -- each thread starts on a different key
end

function request()
  i = i % n + 1
  return requests[i]
end
