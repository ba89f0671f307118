-- GET /todos/{id} for random ids of the BENCH_ROWS todos.
local rows = tonumber(os.getenv("BENCH_ROWS") or "1000")
function init(args)
  math.randomseed(os.time() + (tonumber(args[1]) or 0))
end
function request()
  return wrk.format("GET", "/todos/" .. math.random(1, rows))
end
