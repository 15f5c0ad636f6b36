-- wrk script: GET /v1/gateway/auth with keys no store holds (NOT_FOUND), round-robin over a
-- keys file, each from a client address in X-Forwarded-For: a random one of 2^24 (a flood of
-- random sources) or, with BENCH_FLOOD_SOURCE set, that one address (a single attacker).
-- Usage: wrk -s bench/flood.lua URL -- KEYS_FILE
local keys, n, i = {}, 0, 0
local fixed = os.getenv("BENCH_FLOOD_SOURCE")
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      n = n + 1
      keys[n] = line
    end
  end
  i = (tid or 0) * 7919 % n
  math.randomseed(os.time() + (tid or 0))
end
function request()
  i = i % n + 1
  local source = fixed or string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255),
                                        math.random(0, 255))
  return wrk.format("GET", "/v1/gateway/auth", { ["X-API-Key"] = keys[i], ["X-Forwarded-For"] = source })
end
