#!/bin/bash
# The database file removed while the service runs (with its -wal and -shm,
# as an operator cleaning up would), then the writer killed while it is
# gone: every request, /healthz included, is answered 503 problem+json at
# once (not the front end's 504), no change is acknowledged into the
# removed file, no empty database is created in its place, and the master
# does not restart processes in a loop. A keyed create its client gave up
# on while the store was away never runs later. With the file restored
# from a backup, the service recovers by itself. SQLite under FastCGI.
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'
stack_start

# expect_unavailable WHAT: the last answer is 503 problem+json with Retry-After.
expect_unavailable() {
    assert_status 503 "$1"
    assert_eq "$(header Content-Type)" application/problem+json "$1: Content-Type"
    assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "$1: type"
    assert_ne "$(header Retry-After)" "" "$1: Retry-After"
}

for i in $(seq 1 10); do
    req POST /todos -H "$J" -H "Idempotency-Key: kept-$i" -d "{\"title\":\"kept $i\"}"
    assert_status 201 "a create before the file was removed"
done
sqlite3 "$DB" ".backup '$T/backup.db'"

rm -f "$DB" "$DB-wal" "$DB-shm"
# Changes while it is gone: refused at once, none acknowledged.
for i in $(seq 1 5); do
    timed "POST /todos while the store is away" POST /todos -H "$J" -H "Idempotency-Key: gone-$i" -d "{\"title\":\"gone $i\"}"
    expect_unavailable "a create with the file removed"
done
timed "GET /todos while the store is away" GET /todos
expect_unavailable "a read with the file removed"
timed "GET /healthz while the store is away" GET /healthz
expect_unavailable "/healthz with the file removed"
assert_eq "$(jget "$BODY" '$.write')" fail "/healthz with the file removed: write"
[ ! -e "$DB" ] || fail "an empty database was created where the removed one was"

# The writer killed while the file is gone: restarted, still refusing.
writer=$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | tail -1)
[ -n "$writer" ] || fail "the master did not say which process is the writer"
kill -9 "$writer"
sleep 1
restarts0=$(grep -c 'restarting' "$T/todo.log" || true)
# A keyed create whose client gives up at 2 s, while the store is away.
curl -s --max-time 2 -o /dev/null -X POST -H "$J" -H 'Idempotency-Key: abandoned' \
    -d '{"title":"abandoned"}' "$BASE/todos" || true
for i in $(seq 1 8); do
    timed "POST /todos while the store is away" POST /todos -H "$J" -H "Idempotency-Key: gone-1" -d '{"title":"gone 1"}'
    expect_unavailable "a create with the file still away"
    timed "GET /healthz while the store is away" GET /healthz
    expect_unavailable "/healthz with the file still away"
    sleep 1
done
restarts=$(( $(grep -c 'restarting' "$T/todo.log" || true) - restarts0 ))
[ "$restarts" -le 3 ] || fail "$restarts restarts in about 10 s while the file was away"
[ ! -e "$DB" ] || fail "an empty database was created after the writer restarted"
grep -q 'cannot open: the database file is missing' "$T/todo.log" ||
    fail "the log does not say the database file is missing"

# Restored from the backup, in one step: the service recovers by itself.
cp "$T/backup.db" "$DB.new" && mv "$DB.new" "$DB"
retry_503 20 "a create once the file was restored" \
    POST /todos -H "$J" -H "Idempotency-Key: gone-1" -d '{"title":"gone 1"}'
assert_status 201 "the retried create once the file is back"
req POST /todos -H "$J" -H "Idempotency-Key: gone-1" -d '{"title":"gone 1"}'
assert_status 201 "its retry, replayed"
assert_eq "$(header Idempotent-Replayed)" true "its retry is a replay"
req GET /healthz
for i in $(seq 1 20); do [ "$STATUS" = 200 ] && break; sleep 0.5; req GET /healthz; done
assert_status 200 "/healthz once the file is back"
sleep 2
for i in $(seq 1 10); do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'kept $i'")" 1 "todo 'kept $i'"
done
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'gone 1'")" 1 "one todo for the retried key"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title LIKE 'gone %' AND title <> 'gone 1'")" 0 \
    "no todo for the keys refused and not retried"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'abandoned'")" 0 \
    "the abandoned create did not run later"
assert_eq "$(integrity)" ok "integrity_check"
pass
