#!/bin/bash
# A host frozen while it holds a key: instance 1 (its write transactions
# held open 3 s) takes a keyed POST on its own port, and its workers are
# stopped (SIGSTOP) half a second in, the key claimed in an open
# transaction. The same key sent meanwhile through the round-robin
# upstream is answered 409 with Retry-After by instances 2 and 3 (after
# their 5 s lock_timeout), also the request nginx first gave to the frozen
# instance and passed on after its 10 s read timeout: never a 201, never a
# second todo. /healthz stays 200 on instances 2 and 3 all along. Once
# instance 1 is continued its request completes (201) and every retry
# replays it byte for byte: one todo, one key row.
. "$(dirname "$0")/lib.sh"
INST_ENV[1]="TODO_TEST_TXN_DELAY_MS=3000"
mh_start
KEY=frozen-1 DATA='{"title":"Held by a frozen host"}'

mark=$(log_mark)
freeze_holding "$KEY" "$DATA"
frozen_at=$(now_ms)

# The same key through the round-robin upstream: three requests at once,
# one for each instance (the zone keeps nginx's two workers in turn).
for i in 1 2 3; do
    KPOST_MAX_TIME=40 kpost "$BASE" "$KEY" "$DATA" "$T/rr$i" > "$T/rr$i.status" &
    RR[i]=$!
    JOBS+=("${RR[i]}")
done
# Meanwhile the other instances stay healthy: /healthz on their own ports.
health=() n=0
while [ $n -lt 200 ]; do
    for b in "$BASE2" "$BASE3"; do
        health+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$b/healthz")")
    done
    kill -0 "${RR[1]}" 2>/dev/null || kill -0 "${RR[2]}" 2>/dev/null ||
        kill -0 "${RR[3]}" 2>/dev/null || break
    n=$((n + 1))
    sleep 0.3
done
for i in 1 2 3; do wait "${RR[i]}" || true; done
held_ms=$(($(now_ms) - frozen_at))

assert_eq "$(cat "$T/rr1.status") $(cat "$T/rr2.status") $(cat "$T/rr3.status")" "409 409 409" \
    "while frozen: every other try is 409"
for i in 1 2 3; do
    assert_eq "$(hget "$T/rr$i.headers" Retry-After)" 1 "409 $i carries Retry-After"
    assert_eq "$(hget "$T/rr$i.headers" Content-Type)" application/problem+json "409 $i is a problem"
    assert_eq "$(jget "$(cat "$T/rr$i.body")" '$.type')" /problems/operation-in-progress "409 $i type"
    assert_eq "$(hget "$T/rr$i.headers" Idempotent-Replayed)" "" "409 $i is no replay"
done
assert_eq "$(echo "${health[@]}" | tr ' ' '\n' | sort | uniq -c | awk '{ print $2 }')" 200 \
    "/healthz 200 on instances 2 and 3 throughout the freeze"
CHECKS=$((CHECKS + 1))
[ ${#health[@]} -ge 10 ] || fail "only ${#health[@]} health checks during the freeze"
# Who answered: instances 2 and 3, each a 409 "conflict"; the frozen one nothing.
conflicts=$(( $(log_since 2 "$mark" | grep -c ' POST /todos 409 .* conflict$' || true) +
    $(log_since 3 "$mark" | grep -c ' POST /todos 409 .* conflict$' || true) ))
assert_eq "$conflicts" 3 "instances 2 and 3 logged the three 409s"
assert_eq "$(log_since 1 "$mark" | grep -c ' POST ' || true)" 0 "the frozen instance answered nothing"
assert_eq "$(cat "$T"/todo[23].log | grep -c ' POST /todos 201 ' || true)" 0 \
    "no 201 from the other instances"
# nginx gave one of the three to the frozen instance first and passed it on.
passed_on=$(awk -v p="$PORT" '$2 == p && $3 == "POST" && /todo1\.sock, / && /upstream_status=504, 409/' \
    "$T/access.log" | wc -l)
assert_eq "$passed_on" 1 "one request went to the frozen instance first, then on after its timeout"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 0 "no todo while the key is held"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 0 "no key row visible while held"
echo "frozen for ${held_ms} ms; health checks: ${#health[@]}"

# Thaw: the first request completes.
# shellcheck disable=SC2086
kill -CONT $FROZEN
wait "$FIRST" || true
assert_eq "$(cat "$T/first.status")" 201 "the first request completes"
assert_eq "$(hget "$T/first.headers" Idempotent-Replayed)" "" "the first answer is no replay"
body=$(cat "$T/first.body")
id=$(jget "$body" '$.id')
assert_eq "$(jget "$body" '$.title')" "Held by a frozen host" "the first answer is the todo"
assert_eq "$(hget "$T/first.headers" Location)" "/todos/$id" "its Location"

# Every retry now replays it, on every instance, round-robin and direct.
i=0
for b in "$BASE" "$BASE" "$BASE" "$BASE1" "$BASE2" "$BASE3"; do
    i=$((i + 1))
    code=$(kpost "$b" "$KEY" "$DATA" "$T/again$i")
    assert_eq "$code" 201 "retry $i answers 201"
    assert_eq "$(hget "$T/again$i.headers" Idempotent-Replayed)" true "retry $i is a replay"
    assert_eq "$(md5sum < "$T/again$i.body")" "$(md5sum < "$T/first.body")" "retry $i is byte-equal"
    assert_eq "$(hget "$T/again$i.headers" Location)" "/todos/$id" "retry $i Location"
done

# The request nginx abandoned on the frozen instance is served when it
# thaws (to no one): it must not have made anything either.
n=0
until [ "$(log_since 1 "$mark" | grep -c ' POST /todos ' || true)" -ge 3 ] || [ $n -ge 50 ]; do
    n=$((n + 1))
    sleep 0.1
done
echo "instance 1 after the thaw: $(log_since 1 "$mark" | grep ' POST ' | awk '{ print $4, $6 }' | tr '\n' ';')"
assert_eq "$(cat "$T"/todo[123].log | grep -c ' POST /todos 201 .* created$')" 1 "one created, in all logs"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "exactly one todo"
assert_eq "$(sql "SELECT count(*), min(status), min(todo_id) FROM idempotency_keys WHERE key = '$KEY'")" \
    "1|201|$id" "exactly one key row, naming the todo"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 1 "no other key row"
for n in 1 2 3; do
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(base_of $n)/healthz")" 200 \
        "instance $n healthy after the thaw"
done
assert_eq "$(grep -h 'killed by signal' "$T"/todo[123].log || true)" "" "no worker died"
pass
