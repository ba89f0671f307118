#!/bin/bash
# Idempotency-Key semantics over HTTP: byte-equal replay, equal JSON values,
# quoted keys, mismatches, unstored failures, retried PUT/PATCH/DELETE.
. "$(dirname "$0")/../lib.sh"
stack_start
J='Content-Type: application/json'

req POST /todos -H "$J" -H 'Idempotency-Key: create-1' -d '{"title":"Buy milk","description":"2 l"}'
assert_status 201 "first create"
cp "$T/body" "$T/first.body"
first_loc=$(header Location) first_etag=$(header ETag) first_ct=$(header Content-Type)
assert_eq "$(header Idempotent-Replayed)" "" "first is not a replay"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo"
assert_eq "$(sql "SELECT todo_id || ' ' || status || ' ' || method || ' ' || path FROM idempotency_keys WHERE key = 'create-1'")" \
    "1 201 POST /todos" "key row maps to the todo"

# The same request, members reordered and spaced, key quoted: a replay.
req POST /todos -H "$J" -H 'Idempotency-Key: "create-1"' -d '{ "description" : "2 l",
  "title" : "Buy milk" }'
assert_status 201 "replay status"
assert_eq "$(header Idempotent-Replayed)" true "replay header"
assert_eq "$(header Location)" "$first_loc" "replay Location"
assert_eq "$(header ETag)" "$first_etag" "replay ETag"
assert_eq "$(header Content-Type)" "$first_ct" "replay Content-Type"
cmp -s "$T/body" "$T/first.body" || fail "replayed body differs from the first"
CHECKS=$((CHECKS + 1))
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "still one todo"

# The same key for something else: 422, nothing changes.
req POST /todos -H "$J" -H 'Idempotency-Key: create-1' -d '{"title":"Buy bread"}'
assert_status 422 "reused key, other body"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-reused "mismatch type"
req PUT /todos/1 -H "$J" -H 'Idempotency-Key: create-1' \
    -d '{"title":"Buy milk","description":"2 l","is_completed":false}'
assert_status 422 "reused key, other method and path"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-reused "mismatch type (PUT)"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "mismatch created nothing"
assert_eq "$(sql 'SELECT title FROM todos')" "Buy milk" "mismatch changed nothing"

# Two keys, equal data: two intents, two todos.
req POST /todos -H "$J" -H 'Idempotency-Key: create-2' -d '{"title":"Buy milk","description":"2 l"}'
assert_status 201 "second key"
assert_eq "$(header Location)" /todos/2 "second todo"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "two todos"

# A validation failure is not recorded: fix the body, keep the key.
req POST /todos -H "$J" -H 'Idempotency-Key: create-3' -d '{"title":""}'
assert_status 422 "invalid body"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'create-3'")" 0 "422 not stored"
req POST /todos -H "$J" -H 'Idempotency-Key: create-3' -d '{"title":"fixed"}'
assert_status 201 "same key after the fix"
assert_eq "$(header Idempotent-Replayed)" "" "not a replay"

# A retried PUT replays and does not overwrite someone else's later change.
req PUT /todos/1 -H "$J" -H 'Idempotency-Key: put-1' \
    -d '{"title":"Buy milk","description":"3 l","is_completed":false}'
assert_status 200 "put"
cp "$T/body" "$T/put.body"
req PATCH /todos/1 -H "$J" -d '{"title":"Someone else was here"}'
assert_status 200 "another client's patch"
req PUT /todos/1 -H "$J" -H 'Idempotency-Key: put-1' \
    -d '{"title":"Buy milk","description":"3 l","is_completed":false}'
assert_status 200 "retried put"
assert_eq "$(header Idempotent-Replayed)" true "retried put is a replay"
cmp -s "$T/body" "$T/put.body" || fail "retried PUT body differs"
assert_eq "$(sql 'SELECT title FROM todos WHERE id = 1')" "Someone else was here" "newer change kept"

# 404 and 412 are not recorded either.
req PATCH /todos/77 -H "$J" -H 'Idempotency-Key: patch-77' -d '{"title":"x"}'
assert_status 404 "patch unknown"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'patch-77'")" 0 "404 not stored"
req PATCH /todos/1 -H "$J" -H 'Idempotency-Key: patch-412' -H 'If-Match: "1-1"' -d '{"title":"x"}'
assert_status 412 "stale"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'patch-412'")" 0 "412 not stored"

# A replay survives the todo's deletion.
req DELETE /todos/2 -H 'Idempotency-Key: del-2'
assert_status 204 "delete"
req DELETE /todos/2 -H 'Idempotency-Key: del-2'
assert_status 204 "delete retried"
assert_eq "$(header Idempotent-Replayed)" true "delete replayed"
req POST /todos -H "$J" -H 'Idempotency-Key: create-2' -d '{"title":"Buy milk","description":"2 l"}'
assert_status 201 "create replayed after delete"
assert_eq "$(header Location)" /todos/2 "names the deleted todo"
assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id = 2')" 0 "not recreated"
pass
