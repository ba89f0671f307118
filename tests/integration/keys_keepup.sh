#!/bin/bash
# The purge keeps up: minutes of keyed creates from many connections at
# once (wrk, a fresh key per request) with a 2 s TTL and a 4 s horizon.
# Every few seconds the key table holds no more than about rate x (TTL +
# one purge interval) rows, and the tombstones about rate x (horizon + one
# purge interval), the rate being that of the todos actually created. The
# bounds are three times that, plus a constant: generous on a busy
# machine, but a purge that falls behind grows past them within the run.
. "$(dirname "$0")/../lib.sh"
TTL=2 HORIZON=4 PURGE=1
export TODO_KEY_TTL=$TTL TODO_KEY_HORIZON=$HORIZON
LOAD=${KEEPUP_SECONDS:-100}
EVERY=5
SLACK=200
stack_start --workers 4

wrk -t2 -c96 -d"${LOAD}s" --timeout 10s -s "$ROOT/tests/bench/keyed_create.lua" "$BASE" \
    > "$T/wrk.log" 2>&1 &
WRK=$!
JOBS+=($WRK)

start=$(date +%s.%N)
prev_t=$start prev_n=0 prev_rate=0
max_keys=0 max_tombs=0 samples=0
while kill -0 "$WRK" 2>/dev/null; do
    sleep "$EVERY"
    kill -0 "$WRK" 2>/dev/null || break
    now=$(date +%s.%N)
    n=$(sql 'SELECT count(*) FROM todos')
    keys=$(sql 'SELECT count(*) FROM idempotency_keys')
    tombs=$(sql 'SELECT count(*) FROM idempotency_tombstones')
    # The rows present reflect the last seconds: the higher of this window's
    # rate, the previous one's and the run's so far.
    rate=$(awk -v a="$n" -v b="$prev_n" -v t="$now" -v u="$prev_t" -v s="$start" -v p="$prev_rate" \
        'BEGIN { w = (a - b) / (t - u); o = a / (t - s); r = w > o ? w : o; if (p > r) r = p;
                 printf "%.1f", r }')
    key_bound=$(awk -v r="$rate" -v k="$TTL" -v p="$PURGE" -v c="$SLACK" \
        'BEGIN { printf "%d", 3 * r * (k + p) + c }')
    tomb_bound=$(awk -v r="$rate" -v h="$HORIZON" -v p="$PURGE" -v c="$SLACK" \
        'BEGIN { printf "%d", 3 * r * (h + p) + c }')
    echo "t=$(awk -v t="$now" -v s="$start" 'BEGIN { printf "%.0f", t - s }')s todos=$n" \
        "rate=$rate/s keys=$keys (bound $key_bound) tombstones=$tombs (bound $tomb_bound)"
    [ "$keys" -le "$key_bound" ] || fail "the key table outgrew rate x TTL: $keys rows > $key_bound"
    [ "$tombs" -le "$tomb_bound" ] || fail "the tombstones outgrew rate x horizon: $tombs > $tomb_bound"
    CHECKS=$((CHECKS + 2))
    [ "$keys" -le "$max_keys" ] || max_keys=$keys
    [ "$tombs" -le "$max_tombs" ] || max_tombs=$tombs
    samples=$((samples + 1))
    prev_t=$now prev_n=$n prev_rate=$(awk -v a="$n" -v b="$prev_n" -v t="$now" -v u="$prev_t" \
        'BEGIN { printf "%.1f", (a - b) / (t - u) }')
done
wait_jobs
cat "$T/wrk.log"

total=$(sql 'SELECT count(*) FROM todos')
assert_ne "$total" 0 "todos were created"
# Each sample takes a moment of its own (three queries, slow under load): a quarter of the nominal count.
[ "$samples" -ge $((LOAD / EVERY / 4)) ] || fail "only $samples samples in $LOAD s"
CHECKS=$((CHECKS + 1))
# Every create answered 201: none busy, none failed.
assert_not_contains "$(cat "$T/wrk.log")" "Non-2xx" "every keyed create succeeded"
# Each key made one todo: as many keys recorded (live, moved or purged) as todos.
assert_eq "$(grep -c ' created$' "$T/todo.log")" "$total" "one todo per key"
# Keys and tombstones went through: some rows moved, some removed past the horizon.
assert_ne "$max_tombs" 0 "expired keys became tombstones"
[ "$(sql 'SELECT count(*) FROM idempotency_tombstones')" -lt "$total" ] ||
    fail "tombstones past the horizon were not removed"
CHECKS=$((CHECKS + 1))
echo "keep-up: $total todos in ${LOAD}s; most key rows $max_keys, most tombstones $max_tombs"
pass
