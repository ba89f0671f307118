#!/bin/bash
# A stopped writer (SIGSTOP) holds no worker: with more changes outstanding
# than the workers have slots, reads and health checks answer at once;
# every change is answered 503 within its bound, outcome-unknown when it
# had been sent to the writer, unavailable (nothing changed) when the
# worker refused it unsent because the writer had answered nothing for a
# while. Once the writer runs again, each change retried with its key is
# made exactly once. SQLite under FastCGI: the engine and interface with a
# writer.
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'

# Changes sent wait 10 s on the writer; the writer counts as stalled after 5 s.
export TODO_WRITER_WAIT_MS=10000
stack_start
WRITER=$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | tail -1)
[ -n "$WRITER" ] || fail "the master did not say which process is the writer"
# The writer always runs again, so that the stack can stop, also on failure.
trap 'rc=$?; set +e; kill -CONT "$WRITER" 2>/dev/null; (exit $rc); stack_stop' EXIT

req POST /todos -H "$J" -H 'Idempotency-Key: stall-before' -d '{"title":"before the stall"}'
assert_status 201 "a create before the stall"
ID=$(jget "$BODY" '$.id')

N=48	# two workers have 32 slots: 16 changes more than they can hold waiting
kill -STOP "$WRITER"
T0=$(date +%s%N)
for i in $(seq 1 "$N"); do
    curl -s --max-time 40 -o "$T/post$i.body" -D "$T/post$i.headers" \
        -w '%{http_code} %{time_total}' -X POST "$BASE/todos" -H "$J" \
        -H "Idempotency-Key: stall-$i" -d "{\"title\":\"stall $i\"}" > "$T/post$i.out" &
    JOBS+=($!)
done

# since: milliseconds since the writer was stopped.
since() { echo $((($(date +%s%N) - T0) / 1000000)); }

sleep 1
outstanding=0
for i in $(seq 1 "$N"); do [ -s "$T/post$i.out" ] || outstanding=$((outstanding + 1)); done
timed "the list" GET /todos
assert_status 200 "the list, with the writer stopped"
assert_eq "$(jget "$BODY" '$.items[0].title')" "before the stall" "the list's todo"
timed "a todo" GET "/todos/$ID"
assert_status 200 "a todo by id"
timed "the health check" GET /healthz
assert_contains " 200 503 " " $STATUS " "the health check answers"
# The reads above were answered while the changes were still waiting, which
# the writer's wait bound (10 s) makes sure of unless the machine is stalled too.
reads_ms=$(since)
if [ "$reads_ms" -lt 9000 ]; then
    [ "$outstanding" -gt 32 ] || fail "only $outstanding changes were outstanding at the reads"
    CHECKS=$((CHECKS + 1))
fi

# Once the writer counts as stalled, a new change is refused at once, unsent.
while [ "$(since)" -lt 6000 ]; do sleep 0.2; done
timed "a change to a stalled writer" POST /todos -H "$J" -H 'Idempotency-Key: stall-late' \
    -d '{"title":"stall late"}'
assert_status 503 "a change to a stalled writer"
assert_eq "$(header Content-Type)" application/problem+json "its Content-Type"
assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "its type"
assert_contains "$(jget "$BODY" '$.detail')" "nothing was changed" "its detail"
assert_ne "$(header Retry-After)" "" "its Retry-After"

wait_jobs
unknown=() refused=()
for i in $(seq 1 "$N"); do
    code=$(cut -d' ' -f1 "$T/post$i.out") secs=$(cut -d' ' -f2 "$T/post$i.out")
    BODY=$(cat "$T/post$i.body")
    cp "$T/post$i.headers" "$T/headers"
    assert_eq "$code" 503 "change $i, with the writer stopped"
    assert_ne "$(header Retry-After)" "" "change $i: Retry-After"
    case $(jget "$BODY" '$.type') in
    /problems/outcome-unknown) unknown+=("$i") ;;
    /problems/unavailable) refused+=("$i") ;;
    *) fail "change $i: $BODY" ;;
    esac
    awk -v s="$secs" 'BEGIN { exit !(s < 30) }' || fail "change $i took $secs s"
    CHECKS=$((CHECKS + 1))
done
[ "${#unknown[@]}" -le 32 ] || fail "${#unknown[@]} changes were sent to a stopped writer"
[ "${#refused[@]}" -ge $((N - 32)) ] || fail "only ${#refused[@]} changes were refused unsent"
CHECKS=$((CHECKS + 2))
STATUS=$(curl -s --max-time 10 -o "$T/metrics" -w '%{http_code}' "$MBASE/metrics")
assert_eq "$STATUS" 200 "the metrics"
counted=$(awk '$1 == "todo_changes_refused_total{reason=\"writer_stalled\"}" { print $2 }' "$T/metrics")
[ "${counted:-0}" -ge $((${#refused[@]} + 1)) ] || fail "$counted refusals counted, ${#refused[@]} seen"
CHECKS=$((CHECKS + 1))
out=$(promtool check metrics < "$T/metrics" 2>&1) || fail "promtool: $out"
assert_eq "$out" "" "promtool has nothing to say"

# The writer runs again: the changes it had been sent are made, and none of those refused.
kill -CONT "$WRITER"
for j in $(seq 1 100); do
    [ "$(sql "SELECT count(*) FROM todos WHERE title LIKE 'stall %'")" -ge "${#unknown[@]}" ] && break
    sleep 0.2
done
for i in "${refused[@]}"; do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'stall $i'")" 0 "refused change $i made nothing"
done
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'stall late'")" 0 "the late change made nothing"

# Each change retried with its key: made once, or the replay of the first attempt.
for i in $(seq 1 "$N") late; do
    for j in $(seq 1 30); do
        req POST /todos -H "$J" -H "Idempotency-Key: stall-$i" -d "{\"title\":\"stall $i\"}"
        [ "$STATUS" = 503 ] || break
        sleep 1
    done
    assert_status 201 "the retry of change $i"
    assert_eq "$(jget "$BODY" '$.title')" "stall $i" "the retry's body"
done
for i in "${unknown[@]}"; do
    req POST /todos -H "$J" -H "Idempotency-Key: stall-$i" -d "{\"title\":\"stall $i\"}"
    assert_eq "$(header Idempotent-Replayed)" true "change $i sent before the stall is replayed"
done
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title LIKE 'stall %'")" $((N + 1)) "one todo per key"
assert_eq "$(sql "SELECT count(*) FROM todos GROUP BY title HAVING count(*) > 1")" "" "no todo twice"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key LIKE 'stall-%'")" $((N + 2)) "one key row each, and the first create's"
assert_eq "$(integrity)" ok "database intact"
pass
