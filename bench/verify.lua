-- wrk script: POST /v1/keys/verify {"key":"..."}, round-robin over real keys.
-- Usage: wrk -s bench/verify.lua URL -- KEYS_FILE   (one plaintext key per line)

local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local requests = {}
local n, i = 0, 0

function init(args)
  local path = args[1] or os.getenv("BENCH_KEYS_FILE")
  if not path then error("verify.lua: pass the keys file after --") end
  for line in io.lines(path) do
    if #line > 0 then
      n = n + 1
      requests[n] = wrk.format("POST", "/v1/keys/verify",
        { ["Content-Type"] = "application/json" }, '{"key":"' .. line .. '"}')
    end
  end
  if n == 0 then error("verify.lua: no keys in " .. path) end
  i = (tid or 0) % n
end

function request()
  i = i % n + 1
  return requests[i]
end
