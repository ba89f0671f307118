-- POST /todos with one key: after the first, every request is a replay.
local key = "replay-" .. os.time()
wrk.method = "POST"
wrk.path = "/todos"
wrk.body = '{"title":"Buy milk"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Idempotency-Key"] = key
