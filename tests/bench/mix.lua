-- 70% GET by id, 20% keyed creates, 10% retries of a recent key.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = string.format("m%d-%d-", os.time(), tid)
  n = 0
  rows = tonumber(os.getenv("BENCH_ROWS") or "1000")
  math.randomseed(os.time() + tid)
end
local function create(key)
  return wrk.format("POST", "/todos", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }, '{"title":"Buy milk"}')
end
function request()
  local r = math.random(100)
  if r <= 70 then
    return wrk.format("GET", "/todos/" .. math.random(1, rows))
  elseif r <= 90 or n == 0 then
    n = n + 1
    return create(prefix .. n)
  else
    return create(prefix .. math.random(math.max(1, n - 50), n))
  end
end
