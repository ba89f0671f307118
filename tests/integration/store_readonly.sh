#!/bin/bash
# The database file made read-only while the service runs, then the writer
# restarted (killed): SQLite would open it read-only and fail every write.
# The writer refuses such a handle instead: keyed writes are answered 503
# unavailable at once, /healthz says writes fail while reads work, and once
# the file is writable again the writes succeed by themselves, without a
# restart: each retried key makes exactly one todo, integrity_check ok.
#
# The suite runs as root, which file modes do not stop, so the file is made
# read-only by a read-only bind mount of it over itself: handles open before
# it keep writing, new opens are read-only, as after a chmod for anyone else.
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'
DATA=$T/data
mkdir -p "$DATA"
DB=$DATA/todo.db
ro=0
trap 'rc=$?; [ $ro = 0 ] || umount -l "$DB" 2>/dev/null; (exit $rc); stack_stop' EXIT
stack_start

for i in $(seq 1 5); do
    req POST /todos -H "$J" -H "Idempotency-Key: kept-$i" -d "{\"title\":\"kept $i\"}"
    assert_status 201 "a create before the file was made read-only"
done

mount --bind "$DB" "$DB"
ro=1
mount -o remount,bind,ro "$DB"
writer=$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | tail -1)
[ -n "$writer" ] || fail "the master did not say which process is the writer"
kill -9 "$writer"
# The new writer and workers are up within the master's first back-off.
for i in $(seq 1 40); do
    [ "$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | wc -l)" -ge 2 ] && break
    sleep 0.25
done
sleep 1

for i in $(seq 1 5); do
    timed "a create on a read-only file" POST /todos -H "$J" -H "Idempotency-Key: ro-$i" \
        -d "{\"title\":\"ro $i\"}"
    assert_status 503 "a create on a read-only file"
    assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "a create on a read-only file: type"
    assert_ne "$(header Retry-After)" "" "a create on a read-only file: Retry-After"
done
req GET /healthz
assert_status 503 "/healthz on a read-only file"
assert_eq "$(jget "$BODY" '$.write')" fail "/healthz on a read-only file: write"
assert_eq "$(jget "$BODY" '$.read')" ok "/healthz on a read-only file: read"
assert_contains "$(jget "$BODY" '$.detail')" "does not take writes" "/healthz on a read-only file: detail"
req GET /todos
assert_status 200 "a read on a read-only file"
assert_contains "$BODY" '"kept 5"' "a read on a read-only file: its todos"
grep -q 'cannot open: the database file or its folder is read-only' "$T/todo.log" ||
    fail "the log does not say the file is read-only"

umount -l "$DB"
ro=0
restarts=$(grep -c 'restarting' "$T/todo.log" || true)
deadline=$(( $(date +%s) + 20 ))
for i in $(seq 1 5); do
    req POST /todos -H "$J" -H "Idempotency-Key: ro-$i" -d "{\"title\":\"ro $i\"}"
    while [ "$STATUS" = 503 ]; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "writes still refused 20 s after the file was writable"
        sleep 0.5
        req POST /todos -H "$J" -H "Idempotency-Key: ro-$i" -d "{\"title\":\"ro $i\"}"
    done
    assert_status 201 "a refused create retried once the file is writable"
done
assert_eq "$(grep -c 'restarting' "$T/todo.log" || true)" "$restarts" "no process restarted to recover"
req GET /healthz
for i in $(seq 1 20); do [ "$STATUS" = 200 ] && break; sleep 0.5; req GET /healthz; done
assert_status 200 "/healthz once the file is writable"
for i in $(seq 1 5); do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'kept $i'")" 1 "todo 'kept $i'"
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'ro $i'")" 1 "one todo for key ro-$i"
done
assert_eq "$(integrity)" ok "integrity_check"
pass
