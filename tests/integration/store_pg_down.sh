#!/bin/bash
# PostgreSQL stopped while the service runs, and a worker killed meanwhile
# (so that it starts again with no server to connect to): every request,
# /healthz included, is answered 503 problem+json at once, the workers stay
# up instead of restarting in a loop, and once the server is back the
# service recovers by itself; a keyed create retried then makes one todo.
# PostgreSQL under FastCGI (no writer: each worker writes itself).
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'
[ "$ENGINE" = postgresql ] || { echo "PostgreSQL only"; exit 1; }
stack_start

req POST /todos -H "$J" -H 'Idempotency-Key: before' -d '{"title":"before"}'
assert_status 201 "a create with the server up"
req GET /healthz
assert_status 200 "/healthz with the server up"

pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null
worker=$(pgrep -P "$TODO_PID" | head -1)
[ -n "$worker" ] || fail "no worker found"
kill -9 "$worker"
sleep 1
restarts0=$(grep -c 'restarting' "$T/todo.log" || true)
for i in $(seq 1 6); do
    timed "a create with the server down" POST /todos -H "$J" -H 'Idempotency-Key: down' \
        -d '{"title":"down"}'
    assert_status 503 "a create with the server down"
    assert_eq "$(header Content-Type)" application/problem+json "a create with the server down: Content-Type"
    assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "a create with the server down: type"
    assert_ne "$(header Retry-After)" "" "a create with the server down: Retry-After"
    timed "/healthz with the server down" GET /healthz
    assert_status 503 "/healthz with the server down"
    assert_eq "$(jget "$BODY" '$.read')" fail "/healthz with the server down: read"
    sleep 0.5
done
restarts=$(( $(grep -c 'restarting' "$T/todo.log" || true) - restarts0 ))
[ "$restarts" -le 1 ] || fail "$restarts restarts while the server was down"

pg_ctl_start
retry_503 30 "a create once the server is back" \
    POST /todos -H "$J" -H 'Idempotency-Key: down' -d '{"title":"down"}'
assert_status 201 "the retried create once the server is back"
req GET /healthz
for i in $(seq 1 20); do [ "$STATUS" = 200 ] && break; sleep 0.5; req GET /healthz; done
assert_status 200 "/healthz once the server is back"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'down'")" 1 "one todo for the retried key"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'before'")" 1 "the todo made before"
assert_eq "$(integrity)" ok "the store's check"
pass
