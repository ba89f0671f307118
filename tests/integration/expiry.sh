#!/bin/bash
# Keys expire after the TTL (2 seconds here): an expired key counts as new,
# and its row is replaced. Times are whole seconds, so the first request is
# sent early in a second: its replay then has more than a second to spare.
. "$(dirname "$0")/../lib.sh"
export TODO_KEY_TTL=2
stack_start
J='Content-Type: application/json'
while [ "$(date +%N)" -gt 300000000 ]; do sleep 0.02; done

req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "create"
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_eq "$(header Idempotent-Replayed)" true "replay within the TTL"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo"
exp=$(sql "SELECT expires_at - created_at FROM idempotency_keys WHERE key = 'short'")
assert_eq "$exp" 2 "expires_at is created_at + TTL"

sleep 3
req POST /todos -H "$J" -H 'Idempotency-Key: short' -d '{"title":"first"}'
assert_status 201 "after expiry"
assert_eq "$(header Idempotent-Replayed)" "" "a new operation"
assert_eq "$(header Location)" /todos/2 "a second todo"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "two todos"
assert_eq "$(sql "SELECT todo_id FROM idempotency_keys WHERE key = 'short'")" 2 "row replaced"

# Expired rows of other keys are purged by later writes.
req POST /todos -H "$J" -H 'Idempotency-Key: other' -d '{"title":"x"}'
sleep 3
req POST /todos -H "$J" -d '{"title":"a write without a key"}'
assert_status 201 "unkeyed write"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 0 "expired rows purged"
pass
