-- Shared by the wrk scripts gateway.lua and verify.lua: round-robin over real keys.
-- keys.round_robin(NAME, BUILD) defines wrk's setup, init and request globals: init reads the
-- keys file (the argument after --, or $BENCH_KEYS_FILE; one plaintext key per line), turns
-- each key into a request with BUILD(key), and request() returns them in turn, each thread
-- starting on a different key. NAME prefixes error messages. $BENCH_DELAY_MS paces the load.
local M = {}

function M.round_robin(name, build)
  local counter = 0
  function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
  end

  local requests = {}
  local n, i = 0, 0

  function init(args)
    local path = args[1] or os.getenv("BENCH_KEYS_FILE")
    if not path then error(name .. ": pass the keys file after --") end
    for line in io.lines(path) do
      if #line > 0 then
        n = n + 1
        requests[n] = build(line)
      end
    end
    if n == 0 then error(name .. ": no keys in " .. path) end
    i = (tid or 0) % n -- each thread starts on a different key
  end

  function request()
    i = i % n + 1
    return requests[i]
  end

  -- $BENCH_DELAY_MS > 0 paces the load: each connection waits that long after a response
  -- before its next request, so the offered rate stays below what the machine can serve and
  -- latency percentiles measure the server, not a saturated run queue.
  local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
  if pause > 0 then
    function delay()
      return pause
    end
  end
end

return M
