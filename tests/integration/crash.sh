#!/bin/bash
# Crash safety: workers are killed with SIGKILL at random moments (each
# write transaction is held open 20 ms, so kills land inside them) while
# clients create todos with keys and retry until they get an answer; once
# the whole program and nginx are restarted mid-load. Afterwards every key
# answered 2xx maps to exactly one todo, no todo lacks its key row, every
# key replays its recorded response, and the database is intact.
. "$(dirname "$0")/../lib.sh"
export TODO_TEST_TXN_DELAY_MS=20
stack_start
CLIENTS=4 PER_CLIENT=60 SECONDS_MAX=20

# A client: keyed creates, each retried with its key until it gets a 2xx.
client() {
    local c=$1 i try code end=$((SECONDS + SECONDS_MAX))
    for i in $(seq 1 $PER_CLIENT); do
        [ $SECONDS -lt $end ] || break
        for try in $(seq 1 50); do
            code=$(curl -s --max-time 5 -o "$T/out/c$c-$i.body" -w '%{http_code}' -X POST \
                "$BASE/todos" -H 'Content-Type: application/json' \
                -H "Idempotency-Key: c$c-$i" -d "{\"title\":\"client $c item $i\"}") || true
            case $code in 2??) break ;; esac
            sleep 0.2
        done
        echo "c$c-$i $code $try" >> "$T/out/c$c.log"
    done
}

mkdir -p "$T/out"
for c in $(seq 1 $CLIENTS); do
    client "$c" &
    JOBS+=($!)
done

# Kill a random worker every 150 ms; restart everything once, halfway.
kills=0
for round in $(seq 1 30); do
    workers=($(pgrep -P "$TODO_PID" || true))
    if [ ${#workers[@]} -gt 0 ]; then
        kill -9 "${workers[RANDOM % ${#workers[@]}]}" 2>/dev/null && kills=$((kills + 1))
    fi
    [ "$round" = 15 ] && stack_restart
    sleep 0.15
done
wait_jobs
cat "$T"/out/c*.log > "$T/all.log"

answered=$(awk '$2 ~ /^2/' "$T/all.log" | wc -l)
retried=$(awk '$3 > 1' "$T/all.log" | wc -l)
echo "kills: $kills, keys answered 2xx: $answered, keys that needed retries: $retried"
[ "$kills" -ge 10 ] || fail "only $kills workers killed"
CHECKS=$((CHECKS + 1))
[ "$answered" -ge 40 ] || fail "only $answered keys answered"
CHECKS=$((CHECKS + 1))
assert_eq "$(awk '$2 !~ /^2/' "$T/all.log")" "" "every key was answered in the end"
grep -c 'killed by signal 9' "$T/todo.log" >/dev/null || fail "the master saw no killed worker"
CHECKS=$((CHECKS + 1))

# Invariants.
assert_eq "$(integrity)" ok "integrity"
assert_eq "$(sql 'SELECT count(*) FROM todos')" "$answered" "one todo per answered key"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" "$answered" "one key row per answered key"
assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id NOT IN (SELECT todo_id FROM idempotency_keys)')" 0 \
    "no todo without its key row"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys WHERE todo_id NOT IN (SELECT id FROM todos)')" 0 \
    "no key row without its todo"
assert_eq "$(sql "SELECT count(*) FROM (SELECT title FROM todos GROUP BY title HAVING count(*) > 1) AS dup")" 0 \
    "no duplicate"

# Every key replays what it answered.
export TODO_TEST_TXN_DELAY_MS=0
bad=0
while read -r key code try; do
    c=${key%%-*}; c=${c#c}; i=${key#*-}
    got=$(curl -s --max-time 5 -o "$T/replay.body" -D "$T/replay.headers" -w '%{http_code}' -X POST \
        "$BASE/todos" -H 'Content-Type: application/json' -H "Idempotency-Key: $key" \
        -d "{\"title\":\"client $c item $i\"}")
    if [ "$got" != "$code" ] || ! grep -qi '^Idempotent-Replayed: true' "$T/replay.headers" ||
        ! cmp -s "$T/replay.body" "$T/out/$key.body"; then
        bad=$((bad + 1))
        echo "key $key: answered $code first, now $got" >&2
    fi
done < "$T/all.log"
assert_eq "$bad" 0 "every key replays its first answer"
pass
