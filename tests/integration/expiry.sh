#!/bin/bash
# Keys expire after the TTL (1 second here): an expired key counts as new,
# and its row is replaced.
. "$(dirname "$0")/../lib.sh"
export TODO_KEY_TTL=1
stack_start
J='Content-Type: application/json'

req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "create"
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_eq "$(header Idempotent-Replayed)" true "replay within the TTL"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo"
exp=$(sql "SELECT expires_at - created_at FROM idempotency_keys WHERE key = 'short'")
assert_eq "$exp" 1 "expires_at is created_at + TTL"

sleep 2
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "after expiry"
assert_eq "$(header Idempotent-Replayed)" "" "a new operation"
assert_eq "$(header Location)" /todos/2 "a second todo"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "two todos"
assert_eq "$(sql "SELECT todo_id FROM idempotency_keys WHERE key = 'short'")" 2 "row replaced"

# Expired rows of other keys are purged by later writes.
req POST /todos -H "$J" -H 'Idempotency-Key: other' -d '{"title":"x"}'
sleep 2
req POST /todos -H "$J" -d '{"title":"a write without a key"}'
assert_status 201 "unkeyed write"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 0 "expired rows purged"
pass
