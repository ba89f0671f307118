#!/bin/bash
# One worker holds several requests at once. With a single worker process
# and each write transaction held open 2 s: while a create waits on its
# commit, the same worker answers a read and takes a second create; each
# create is answered once, and a retry replays it; a stop lets the change
# in hand finish before the program exits. FCGI_WEB_SERVER_ADDRS keeps
# other TCP peers out, as libfcgi's own accept does.
# On PostgreSQL there is no writer: a worker waits on its own change, so
# the read is another worker's, and the program runs two.
. "$(dirname "$0")/../lib.sh"
export TODO_TEST_TXN_DELAY_MS=2000
W=1
[ "$ENGINE" = sqlite ] || W=2
stack_start --workers $W

create() {	# create KEY TITLE: the status in $T/KEY.status, the body in $T/KEY.body
    curl -s --max-time 30 -o "$T/$1.body" -D "$T/$1.headers" -w '%{http_code}' \
        -X POST "$BASE/todos" -H 'Content-Type: application/json' \
        -H "Idempotency-Key: $1" -d "{\"title\":\"$2\"}" > "$T/$1.status"
}

create one 'First' &
FIRST=$!
JOBS+=($FIRST)
sleep 0.5

# A worker has the create in hand; a read is answered meanwhile.
req GET /todos
assert_status 200 "a read while a change waits"
assert_eq "$(jget "$BODY" '$.items[0]')" "" "the uncommitted create is not visible"
kill -0 "$FIRST" 2>/dev/null || fail "the read waited for the create"

# And a second create is taken meanwhile.
create two 'Second' &
JOBS+=($!)
wait_jobs
assert_eq "$(cat "$T/one.status") $(cat "$T/two.status")" "201 201" "both created"
assert_ne "$(jget "$(cat "$T/one.body")" '$.id')" "$(jget "$(cat "$T/two.body")" '$.id')" \
    "two todos"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "two rows"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 2 "two key rows"

# A retry is replayed, without a third row.
req POST /todos -H 'Content-Type: application/json' -H 'Idempotency-Key: one' \
    -d '{"title":"First"}'
assert_status 201 "the retry"
assert_eq "$(header Idempotent-Replayed)" true "replayed"
assert_eq "$BODY" "$(cat "$T/one.body")" "the first answer"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "still two rows"

# A stop while a create waits on its commit: the create is answered and kept.
create three 'Third' &
JOBS+=($!)
sleep 0.5
kill -TERM "$TODO_PID"
wait_jobs
assert_eq "$(cat "$T/three.status")" 201 "the change in hand when stopped"
wait "$TODO_PID" 2>/dev/null || true
kill -0 "$TODO_PID" 2>/dev/null && fail "the program did not stop"
TODO_PID=
assert_eq "$(sql "SELECT title FROM todos WHERE id = $(jget "$(cat "$T/three.body")" '$.id')")" \
    Third "kept after the stop"

# FCGI_WEB_SERVER_ADDRS, over TCP with libfcgi's own client.
unset TODO_TEST_TXN_DELAY_MS
FPORT=$("$ROOT/build/freeport")
ask() {
    env -i REQUEST_METHOD=GET REQUEST_URI=/healthz SCRIPT_NAME= \
        cgi-fcgi -bind -connect "127.0.0.1:$FPORT" 2>/dev/null | head -1 | tr -d '\r' || true
}
for allowed in 10.9.9.9 127.0.0.1; do
    FCGI_WEB_SERVER_ADDRS="10.1.1.1,$allowed" "$BIN" --socket "127.0.0.1:$FPORT" --db "$DB" \
        --workers 1 2>> "$T/todo.log" &
    TODO_PID=$!
    i=0
    until (exec 3<>"/dev/tcp/127.0.0.1/$FPORT") 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 50 ] || fail "the program did not listen on TCP"
        sleep 0.1
    done
    got=$(ask)
    if [ $allowed = 127.0.0.1 ]; then
        assert_eq "$got" "Status: 200 OK" "a listed peer is served"
    else
        assert_eq "$got" "" "an unlisted peer is refused"
    fi
    stop_pid "$TODO_PID"
    TODO_PID=
done
pass
