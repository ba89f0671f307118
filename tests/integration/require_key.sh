#!/bin/bash
# TODO_REQUIRE_KEY=1: a POST without a key is refused; with one it works.
. "$(dirname "$0")/../lib.sh"
export TODO_REQUIRE_KEY=1
stack_start
J='Content-Type: application/json'

req POST /todos -H "$J" -d '{"title":"no key"}'
assert_status 400 "no key"
assert_eq "$(jget "$BODY" '$.type')" /problems/idempotency-key-required "type"
req POST /todos -H "$J" -H 'Idempotency-Key: k' -d '{"title":"with key"}'
assert_status 201 "with a key"
req PATCH /todos/1 -H "$J" -d '{"is_completed":true}'
assert_status 200 "other methods need no key"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo"
pass
