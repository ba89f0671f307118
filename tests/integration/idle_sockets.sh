#!/bin/bash
# Connections to the program's FastCGI socket that send nothing, or half a
# record, cannot hold its workers: with more of them open than the workers
# have room for, the site answers health checks, reads and keyed changes
# as usual; the program closes each such connection at its read deadline,
# or sooner when newer connections need the room, and counts them.
# FastCGI front ends only: under plain CGI there is no socket.
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'

export TODO_READ_TIMEOUT_MS=8000
stack_start

IDLE=128	# two workers hold 32 connections each still sending: most are closed for room
PARTIAL=8
HOLD=40		# the most the clients wait for the program to close them

"$ROOT/build/idlesock" "$T/todo.sock" "$IDLE" "$HOLD" > "$T/idle.out" &
JOBS+=($!)
for i in $(seq 1 100); do grep -q '^open' "$T/idle.out" && break; sleep 0.1; done
"$ROOT/build/idlesock" "$T/todo.sock" "$PARTIAL" "$HOLD" partial > "$T/partial.out" &
JOBS+=($!)
for i in $(seq 1 100); do grep -q '^open' "$T/partial.out" && break; sleep 0.1; done
assert_eq "$(head -1 "$T/idle.out")" "open $IDLE" "the idle connections are open"
assert_eq "$(head -1 "$T/partial.out")" "open $PARTIAL" "the stalled connections are open"

timed "the health check" GET /healthz
assert_status 200 "the health check"
timed "a keyed create" POST /todos -H "$J" -H 'Idempotency-Key: idle-1' -d '{"title":"past the idle"}'
assert_status 201 "a keyed create"
assert_eq "$(jget "$BODY" '$.title')" "past the idle" "its body"
timed "the list" GET /todos
assert_status 200 "the list"
assert_eq "$(jget "$BODY" '$.items[0].title')" "past the idle" "the list has the todo"
timed "the retry" POST /todos -H "$J" -H 'Idempotency-Key: idle-1' -d '{"title":"past the idle"}'
assert_status 201 "the retry"
assert_eq "$(header Idempotent-Replayed)" true "the retry is the replay"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'past the idle'")" 1 "one todo"

# The program closes every one of them; the stalled ones, newest, at their deadline.
wait_jobs
assert_eq "$(sed -n 's/^\(closed [0-9]* of [0-9]*\),.*/\1/p' "$T/idle.out")" "closed $IDLE of $IDLE" \
    "the idle connections were closed by the program"
assert_eq "$(sed -n 's/^\(closed [0-9]* of [0-9]*\),.*/\1/p' "$T/partial.out")" \
    "closed $PARTIAL of $PARTIAL" "the stalled connections were closed by the program"
last=$(sed -n 's/.*, last \(-\?[0-9]*\) ms$/\1/p' "$T/partial.out")
[ "$last" -ge 6000 ] || fail "the stalled connections were closed after $last ms, before their deadline"
CHECKS=$((CHECKS + 1))

STATUS=$(curl -s --max-time 10 -o "$T/metrics" -w '%{http_code}' "$MBASE/metrics")
assert_eq "$STATUS" 200 "the metrics"
value() {
    awk -v s="$1" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' "$T/metrics"
}
timeouts=$(value 'todo_fastcgi_dropped_total{reason="read_timeout"}')
full=$(value 'todo_fastcgi_dropped_total{reason="pending_full"}')
[ "$timeouts" -ge "$PARTIAL" ] || fail "$timeouts connections counted as past their deadline"
[ "$full" -ge $((IDLE + PARTIAL - 64)) ] || fail "$full connections counted as closed for room"
assert_eq "$((timeouts + full >= IDLE + PARTIAL))" 1 "every connection closed is counted"
out=$(promtool check metrics < "$T/metrics" 2>&1) || fail "promtool: $out"
assert_eq "$out" "" "promtool has nothing to say"

# The workers are the same ones: none was stuck and restarted.
assert_eq "$(value 'todo_process_restarts_total{process="worker"}')" 0 "no worker restarted"
req GET /healthz
assert_status 200 "still healthy"
pass
