-- The HTML form's create: urlencoded, a fresh hidden key per request.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  prefix = string.format("f%d-%d-", os.time(), tid)
  n = 0
end
function request()
  n = n + 1
  return wrk.format("POST", "/todos", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "idempotency_key=" .. prefix .. n .. "&title=Buy+milk&description=form")
end
