#!/bin/bash
# Keys expire by the service clock, which a step of the wall clock does not
# move: the program's own wall clock (build/clockshift.so, preloaded into
# the program alone) is stepped a day forward, then a day back, and a
# retry within the TTL still replays the first answer, with the same
# expiry, and makes no second todo; new todos and keys are stamped with
# the time that really passed; todo_clock_step_seconds shows each step
# and the log says it was not followed. Once the wall clock is back, the
# key expires when its Idempotency-Key-Expires said, as expiry.sh shows;
# after a restart the wall clock as it is then is the anchor.
# Under PostgreSQL the database's clock decides expiry, with the same
# answers. Plain CGI has no service clock (tests/CMakeLists.txt).
. "$(dirname "$0")/../lib.sh"
export TODO_KEY_TTL=30
export CLOCKSHIFT_FILE=$T/clockshift
TODO_PRELOAD=$ROOT/build/clockshift.so
[ -f "$TODO_PRELOAD" ] || fail "$TODO_PRELOAD is missing (make units builds it)"
echo 0 > "$CLOCKSHIFT_FILE"
stack_start
J='Content-Type: application/json'
DAY=86400

# The gauge's value on a scrape of the metrics listener.
step_gauge() {
    curl -s --max-time 10 "$MBASE/metrics" | awk '$1 == "todo_clock_step_seconds" { print $2 }'
}

# within A B BOUND: A and B (numbers) differ by at most BOUND.
within() {
    awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; if (x < 0) x = -x; exit !(x <= d) }'
}

# assert_near GOT WANT BOUND WHAT
assert_near() {
    CHECKS=$((CHECKS + 1))
    within "$1" "$2" "$3" || fail "$4: got '$1', want $2 within $3"
}

# Unix seconds of an RFC 3339 stamp or an HTTP date.
epoch() {
    date -u -d "$1" +%s
}

# A keyed create whose stamps must be the real time, whatever the wall clock says.
fresh_create() {
    req POST /todos -H "$J" -H "Idempotency-Key: $1" -d "{\"title\":\"$1\"}"
    assert_status 201 "$1: created"
    assert_eq "$(header Idempotent-Replayed)" "" "$1: not a replay"
    assert_near "$(epoch "$(jget "$BODY" '$.created_at')")" "$(date +%s)" 60 \
        "$1: created_at is the time that passed"
    assert_near "$(epoch "$(header Idempotency-Key-Expires)")" "$(( $(date +%s) + TODO_KEY_TTL ))" 60 \
        "$1: its key expires a TTL from the time that passed"
}

# The retry of the first create: the first answer again, and still one todo for it.
retry_first() {
    req POST /todos -H "$J" -H 'Idempotency-Key: first' -d '{"title":"first"}'
    assert_status 201 "$1: the retry's status"
    assert_eq "$(header Idempotent-Replayed)" true "$1: a replay"
    assert_eq "$(header Location)" "$first_loc" "$1: the first Location"
    assert_eq "$(header Idempotency-Key-Expires)" "$first_expires" "$1: the same expiry"
    cmp -s "$T/body" "$T/first" || fail "$1: the replayed body differs from the first"
    CHECKS=$((CHECKS + 1))
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'first'")" 1 "$1: one todo for the key"
}

# step SECONDS: sets the program's wall clock SECONDS from the real time,
# then sends requests for a little over a second, so that it compares.
step() {
    local i
    echo "$1" > "$CLOCKSHIFT_FILE"
    for i in 1 2 3 4 5 6; do
        curl -s -o /dev/null --max-time 10 "$BASE/healthz"
        sleep 0.25
    done
}

req POST /todos -H "$J" -H 'Idempotency-Key: first' -d '{"title":"first"}'
assert_status 201 "the first create"
cp "$T/body" "$T/first"
first_loc=$(header Location)
first_expires=$(header Idempotency-Key-Expires)
assert_ne "$first_expires" "" "the first answer says when its key expires"
assert_near "$(step_gauge)" 0 1 "no step at the start"

# A day forward: the key is still within its TTL.
step $DAY
assert_near "$(step_gauge)" $DAY 5 "the gauge shows the forward step"
retry_first "a day forward"
fresh_create after-forward
assert_contains "$(cat "$T/todo.log")" "wall clock stepped +86" "the log names the forward step"

# A day back: the same.
step -$DAY
assert_near "$(step_gauge)" -$DAY 5 "the gauge shows the backward step"
retry_first "a day back"
fresh_create after-backward
assert_contains "$(cat "$T/todo.log")" "wall clock stepped -86" "the log names the backward step"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 3 "three todos: one per key"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 3 "three keys, none purged early"

# The wall clock back in step: the key expires as its answers said.
step 0
assert_near "$(step_gauge)" 0 1 "no step once the wall clock is back"
assert_contains "$(cat "$T/todo.log")" "wall clock is back within" "the log says it follows again"
retry_first "in step again"
sleep_past $(( $(epoch "$first_expires") + 1 ))
req POST /todos -H "$J" -H 'Idempotency-Key: first' -d '{"title":"first"}'
assert_status 409 "past the TTL"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-expired "expired"
assert_eq "$(header Location)" "$first_loc" "with the first Location"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'first'")" 1 "still one todo for the key"

# A restart anchors again, to the wall clock as it is then: with SQLite a
# day forward kept across a restart makes the keys a day older (expired,
# never run again); PostgreSQL's clock is not the host's.
if [ "$FRONTEND" = nginx ]; then
    req POST /todos -H "$J" -H 'Idempotency-Key: before-restart' -d '{"title":"before restart"}'
    assert_status 201 "a create before the restart"
    echo $DAY > "$CLOCKSHIFT_FILE"
    stack_restart
    i=0
    until curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "the service did not come back"
        sleep 0.1
    done
    assert_near "$(step_gauge)" 0 1 "after a restart, no step: the anchor is the wall clock"
    req POST /todos -H "$J" -H 'Idempotency-Key: before-restart' -d '{"title":"before restart"}'
    if [ "$ENGINE" = sqlite ]; then
        assert_status 409 "a key from before the restart, a day older"
        assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-expired "expired, not run again"
    else
        assert_status 201 "a key from before the restart, by the database's clock"
        assert_eq "$(header Idempotent-Replayed)" true "replayed"
    fi
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'before restart'")" 1 \
        "one todo for the key across the restart"
fi
pass
