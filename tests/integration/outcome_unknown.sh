#!/bin/bash
# A change whose outcome the worker cannot know is answered 503
# outcome-unknown with Retry-After, never 500 "nothing was changed": the
# writer killed while it holds a keyed create (before or after its commit,
# the worker cannot tell), and a worker that gives up waiting on the writer.
# The retry with the same key replays the first result or creates the todo
# once. SQLite under FastCGI: the engine and interface with a writer.
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'
F='Content-Type: application/x-www-form-urlencoded'

# Every change is held open this long before its commit (test builds' hook).
export TODO_TEST_TXN_DELAY_MS=5000
stack_start

# expect_unknown WHAT: the last answer is 503 outcome-unknown with Retry-After.
expect_unknown() {
    assert_status 503 "$1"
    assert_eq "$(header Content-Type)" application/problem+json "$1: Content-Type"
    assert_eq "$(jget "$BODY" '$.type')" /problems/outcome-unknown "$1: type"
    assert_ne "$(header Retry-After)" "" "$1: Retry-After"
    assert_contains "$(jget "$BODY" '$.detail')" "may or may not have been made" "$1: detail"
}

# retry_until_done WHAT METHOD PATH [curl args...]: repeats the request
# (about a minute at most) until it is answered other than 503.
retry_until_done() {
    local what=$1 i
    shift
    for i in $(seq 1 60); do
        req "$@"
        [ "$STATUS" = 503 ] || return 0
        sleep 1
    done
    fail "$what: still 503 after 60 tries"
}

# The writer killed while it holds a keyed create.
writer=$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | tail -1)
[ -n "$writer" ] || fail "the master did not say which process is the writer"
CHECKS=$((CHECKS + 1))
curl -s --max-time 30 -o "$T/kill.body" -D "$T/kill.headers" -w '%{http_code}' -X POST "$BASE/todos" \
    -H "$J" -H 'Idempotency-Key: killed-writer' -d '{"title":"killed writer"}' > "$T/kill.status" &
JOBS+=($!)
sleep 1.5	# well inside the writer's 5 s hold
kill -9 "$writer"
wait_jobs
STATUS=$(cat "$T/kill.status") BODY=$(cat "$T/kill.body")
cp "$T/kill.headers" "$T/headers"
expect_unknown "a keyed create whose writer was killed"
assert_contains "$(jget "$BODY" '$.detail')" "Retry with the same Idempotency-Key" "says how to settle it"
grep -q "writer $writer killed by signal 9" "$T/todo.log" || fail "the master did not see the writer die"
CHECKS=$((CHECKS + 1))

retry_until_done "the retry after the writer was killed" POST /todos \
    -H "$J" -H 'Idempotency-Key: killed-writer' -d '{"title":"killed writer"}'
assert_status 201 "the retry creates the todo, or replays it"
assert_eq "$(jget "$BODY" '$.title')" "killed writer" "the retry's body"
[ "$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | wc -l)" -ge 2 ] ||
    fail "the master did not start a new writer"
CHECKS=$((CHECKS + 1))
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'killed writer'")" 1 "one todo for the key"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'killed-writer'")" 1 "one key row"
req POST /todos -H "$J" -H 'Idempotency-Key: killed-writer' -d '{"title":"killed writer"}'
assert_status 201 "a later retry"
assert_eq "$(header Idempotent-Replayed)" true "is the replay"

# A worker that gives up waiting on the writer: the program alone is
# restarted with a wait bound below the writer's hold; the front end stays.
stop_pid "$TODO_PID"
export TODO_WRITER_WAIT_MS=1000 TODO_TEST_TXN_DELAY_MS=4000
program_start
for i in $(seq 1 100); do
    curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null && break
    sleep 0.1
done

req POST /todos -H "$J" -H 'Idempotency-Key: given-up' -d '{"title":"given up"}'
expect_unknown "a keyed create given up on"
retry_until_done "the retry of a create given up on" POST /todos \
    -H "$J" -H 'Idempotency-Key: given-up' -d '{"title":"given up"}'
assert_status 201 "the retry of a create given up on"
# The first attempt was made all the same: the retry is its replay.
assert_eq "$(header Idempotent-Replayed)" true "the retry replays the first attempt"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'given up'")" 1 "one todo for the key"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'given-up'")" 1 "one key row"

# Without a key the client is told that a retry could make the change twice.
req POST /todos -H "$J" -d '{"title":"unkeyed, given up"}'
expect_unknown "an unkeyed create given up on"
assert_contains "$(jget "$BODY" '$.detail')" "had no Idempotency-Key" "says a retry could repeat it"

# The HTML form: a readable page saying the same, and the same form again saves once.
req POST /todos -H "$F" --data 'idempotency_key=form-given-up&title=form+given+up'
assert_status 503 "a form post given up on"
assert_contains "$(header Content-Type)" text/html "a form post given up on: a page"
assert_ne "$(header Retry-After)" "" "a form post given up on: Retry-After"
assert_contains "$BODY" "Not sure it was saved" "the page says the outcome is unknown"
assert_contains "$BODY" "Submit the same form again" "the page says what to do"
retry_until_done "the form sent again" POST /todos -H "$F" \
    --data 'idempotency_key=form-given-up&title=form+given+up'
assert_status 303 "the form sent again"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'form given up'")" 1 "one todo from the form"

# No answer was a 500, and the unkeyed create was made once too.
for i in $(seq 1 20); do
    [ "$(sql "SELECT count(*) FROM todos WHERE title = 'unkeyed, given up'")" = 1 ] && break
    sleep 0.5
done
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'unkeyed, given up'")" 1 "the unkeyed create, once"
assert_eq "$(grep -cE ' 500 [0-9.]+ [a-z]+$' "$T/todo.log" || true)" 0 "no 500"
assert_eq "$(integrity)" ok "database intact"
pass
