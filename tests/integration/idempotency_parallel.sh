#!/bin/bash
# 32 simultaneous POSTs with one key, across two worker processes: one todo,
# one key row, 32 identical answers.
. "$(dirname "$0")/../lib.sh"
stack_start

for i in $(seq 1 32); do
    curl -s --max-time 30 -o "$T/r$i.body" -D "$T/r$i.headers" -w '%{http_code}\n' \
        -X POST "$BASE/todos" -H 'Content-Type: application/json' \
        -H 'Idempotency-Key: burst-1' -d '{"title":"Only once"}' > "$T/r$i.status" &
    JOBS+=($!)
done
wait_jobs

assert_eq "$(cat "$T"/r*.status | sort | uniq -c | awk '{print $1 " " $2}')" "32 201" "every answer is 201"
assert_eq "$(md5sum "$T"/r*.body | awk '{print $1}' | sort -u | wc -l)" 1 "every body is identical"
assert_eq "$(grep -il '^Idempotent-Replayed: true' "$T"/r*.headers | wc -l)" 31 "31 replays"
assert_eq "$(grep -ih '^Location:' "$T"/r*.headers | tr -d '\r' | sort -u)" "Location: /todos/1" "one Location"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "exactly one todo"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 1 "exactly one key row"

# Separate keys in parallel: separate todos.
for i in $(seq 1 16); do
    curl -s --max-time 30 -o /dev/null -w '%{http_code}\n' -X POST "$BASE/todos" \
        -H 'Content-Type: application/json' -H "Idempotency-Key: sep-$i" \
        -d '{"title":"Same data"}' > "$T/s$i.status" &
    JOBS+=($!)
done
wait_jobs
assert_eq "$(cat "$T"/s*.status | sort -u)" 201 "all created"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Same data'")" 16 "16 keys, 16 todos"
pass
