-- POST /todos with a fresh Idempotency-Key per request.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = string.format("k%d-%d-", os.time(), tid)
  n = 0
end
function request()
  n = n + 1
  return wrk.format("POST", "/todos", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = prefix .. n,
  }, '{"title":"Buy milk","description":"benchmark"}')
end
