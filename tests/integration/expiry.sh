#!/bin/bash
# Keys expire after the TTL (2 seconds here) but are remembered until the
# horizon (15 seconds from their first use): a retry in between is refused
# with 409 idempotency-key-expired and the first Location, never run
# again; another request with the key is a mismatch; past the horizon the
# key is forgotten and counts as new. Every keyed answer says when its key
# expires. Times are whole seconds, so the first request is sent early in
# a second: its replay then has more than a second to spare.
. "$(dirname "$0")/../lib.sh"
export TODO_KEY_TTL=2 TODO_KEY_HORIZON=15
stack_start
J='Content-Type: application/json'
F='Content-Type: application/x-www-form-urlencoded'
P='application/problem+json'

# The HTTP date (IMF-fixdate) of unix seconds.
http_date() {
    LC_ALL=C date -u -d "@$1" '+%a, %d %b %Y %H:%M:%S GMT'
}

while [ "$(date +%N)" -gt 300000000 ]; do sleep 0.02; done
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "create"
assert_eq "$(header Location)" /todos/1 "the first todo"
cp "$T/body" "$T/first"
first_expires=$(header Idempotency-Key-Expires)
exp=$(sql "SELECT expires_at FROM idempotency_keys WHERE key = 'short'")
assert_eq "$(sql "SELECT expires_at - created_at FROM idempotency_keys WHERE key = 'short'")" 2 \
    "expires_at is created_at + TTL"
assert_eq "$first_expires" "$(http_date "$exp")" "the first answer says when the key expires"
assert_eq "$(sql "SELECT forget_at - created_at FROM idempotency_keys WHERE key = 'short'")" 15 \
    "forget_at is created_at + horizon"
# The same key from a browser form: the HTML path keeps the same rules.
req POST /todos -H "$F" --data-urlencode 'idempotency_key=form-short' --data-urlencode 'title=by form'
assert_status 303 "form create"
assert_ne "$(header Idempotency-Key-Expires)" "" "a keyed form answer says when its key expires"

req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "replay within the TTL"
assert_eq "$(header Idempotent-Replayed)" true "replayed"
assert_eq "$(header Idempotency-Key-Expires)" "$first_expires" "a replay says the same expiry"
cmp -s "$T/body" "$T/first" || fail "the replayed body differs from the first"
CHECKS=$((CHECKS + 1))
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "two todos (one by API, one by form)"

# Past the TTL: refused, with where the todo is; nothing runs.
sleep 3
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 409 "after expiry"
assert_eq "$(header Content-Type)" "$P" "a problem"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-expired "its type"
assert_eq "$(jget "$BODY" '$.status')" 409 "its status"
assert_contains "$(jget "$BODY" '$.detail')" "done once" "the detail says it was done"
assert_contains "$(jget "$BODY" '$.detail')" "/todos/1" "the detail says where the todo is"
assert_contains "$(jget "$BODY" '$.detail')" "new key" "the detail says to use a new key"
assert_eq "$(header Location)" /todos/1 "the original Location"
assert_eq "$(header Idempotent-Replayed)" "" "not a replay"
assert_eq "$(header Idempotency-Key-Expires)" "" "no expiry on an expired key"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "still two todos"

# The same expired key for another body, method or path: a mismatch.
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"second"}'
assert_status 422 "another body with the expired key"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-reused "mismatch type"
req PATCH /todos/1 -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 422 "another method and path with the expired key"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "still two todos after the mismatches"

# The form reposted with its expired key: a readable page, not a second todo.
req POST /todos -H "$F" --data-urlencode 'idempotency_key=form-short' --data-urlencode 'title=by form'
assert_status 409 "form after expiry"
assert_contains "$(header Content-Type)" text/html "an HTML page"
assert_contains "$BODY" "already saved" "it says the form was saved"
assert_contains "$BODY" 'name="idempotency_key"' "with a fresh form"
assert_not_contains "$BODY" 'value="form-short"' "whose key is new"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'by form'")" 1 "one todo by form"

# A change of one todo, retried after its key expired: the todo's own path as Location.
req PATCH /todos/1 -H "$J" -H 'Idempotency-Key: patch-1' -d '{"is_completed":true}'
assert_status 200 "a keyed change"
assert_eq "$(header Location)" "" "no Location on a change"
sleep 3
req PATCH /todos/1 -H "$J" -H 'Idempotency-Key: patch-1' -d '{"is_completed":true}'
assert_status 409 "the change after expiry"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-expired "its type"
assert_eq "$(header Location)" /todos/1 "the todo's path"
assert_eq "$(sql 'SELECT version FROM todos WHERE id = 1')" 2 "changed once"

# A write purges: the expired rows become tombstones without their bodies.
req POST /todos -H "$J" -d '{"title":"a write without a key"}'
assert_status 201 "unkeyed write"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key IN ('short', 'form-short')")" 0 \
    "expired rows moved"
assert_eq "$(sql "SELECT todo_id || '|' || status || '|' || (forget_at - created_at)
    FROM idempotency_tombstones WHERE key = 'short'")" "1|201|15" "the tombstone"
assert_contains "$(sql "SELECT headers FROM idempotency_tombstones WHERE key = 'short'")" \
    "Location: /todos/1" "the tombstone keeps the Location"
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 409 "from the tombstone"
assert_eq "$(header Location)" /todos/1 "the original Location, from the tombstone"
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"second"}'
assert_status 422 "a mismatch, from the tombstone"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 3 "three todos"

# Past the horizon the key is forgotten: the tombstone is purged and the
# key counts as new.
created=$(sql "SELECT created_at FROM idempotency_tombstones WHERE key = 'short'")
while [ "$(date +%s)" -le $((created + 15)) ]; do sleep 0.2; done
req POST /todos -H "$J" -d '{"title":"another write without a key"}'
assert_status 201 "a write that purges"
assert_eq "$(sql "SELECT count(*) FROM idempotency_tombstones WHERE key IN ('short', 'form-short')")" 0 \
    "tombstones past the horizon purged"
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "past the horizon the key is new"
assert_eq "$(header Idempotent-Replayed)" "" "a new operation"
assert_eq "$(header Location)" /todos/5 "a new todo"
assert_eq "$(sql "SELECT todo_id FROM idempotency_keys WHERE key = 'short'")" 5 "a new key row"
assert_eq "$(header Idempotency-Key-Expires)" \
    "$(http_date "$(sql "SELECT expires_at FROM idempotency_keys WHERE key = 'short'")")" \
    "its own expiry"
pass
