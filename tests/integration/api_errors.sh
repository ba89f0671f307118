#!/bin/bash
# Every error status of the API, each a problem+json document, and none of
# them changes anything.
. "$(dirname "$0")/../lib.sh"
stack_start

# expect STATUS TYPE [FIELD] -- METHOD PATH [curl args...]
expect() {
    local status=$1 type=$2 field=$3
    shift 4
    req "$@"
    assert_status "$status" "$* "
    assert_eq "$(header Content-Type)" application/problem+json "$*: Content-Type"
    assert_eq "$(jget "$BODY" '$.type')" "/problems/$type" "$*: type"
    assert_eq "$(jget "$BODY" '$.status')" "$status" "$*: status member"
    assert_ne "$(jget "$BODY" '$.title')" "" "$*: title"
    assert_ne "$(jget "$BODY" '$.detail')" "" "$*: detail"
    [ "$field" = - ] || assert_eq "$(jget "$BODY" '$.field')" "$field" "$*: field"
}
J='Content-Type: application/json'

expect 400 malformed-json - -- POST /todos -H "$J" -d '{"title":'
expect 400 malformed-json - -- POST /todos -H "$J" -d '{"title":"a"} x'
expect 400 malformed-json - -- POST /todos -H "$J" --data-binary ''
expect 400 malformed-json - -- POST /todos -H "$J" --data-binary $'{"title":"\xff"}'
expect 422 validation title -- POST /todos -H "$J" -d '{"title":"   "}'
expect 422 validation title -- POST /todos -H "$J" -d "{\"title\":\"$(printf 'x%.0s' $(seq 201))\"}"
expect 422 validation title -- POST /todos -H "$J" -d '{"title":5}'
expect 422 validation title -- POST /todos -H "$J" -d '{"description":"no title"}'
expect 422 validation description -- POST /todos -H "$J" \
    -d "{\"title\":\"a\",\"description\":\"$(printf 'd%.0s' $(seq 2001))\"}"
expect 422 validation description -- POST /todos -H "$J" -d '{"title":"a","description":7}'
expect 422 validation is_completed -- POST /todos -H "$J" -d '{"title":"a","is_completed":"yes"}'
expect 422 validation - -- POST /todos -H "$J" -d '{"title":"a","owner":"me"}'
expect 422 validation - -- POST /todos -H "$J" -d '["title"]'
expect 415 unsupported-media-type - -- POST /todos -H 'Content-Type: text/plain' -d '{"title":"a"}'
expect 415 unsupported-media-type - -- PUT /todos/1 -H 'Content-Type: text/plain' -d '{}'
expect 413 body-too-large - -- POST /todos -H "$J" --data-binary "@$(head -c 70000 /dev/zero | tr '\0' 'a' > "$T/big"; echo "$T/big")"
expect 404 not-found - -- GET /nowhere
expect 404 not-found - -- GET /todos/abc
expect 404 not-found - -- GET /todos/0
expect 405 method-not-allowed - -- DELETE /todos
assert_eq "$(header Allow)" "GET, HEAD, POST" "Allow header"
expect 405 method-not-allowed - -- POST /todos/1 -H "$J" -d '{}'
assert_eq "$(header Allow)" "GET, HEAD, PUT, PATCH, DELETE" "Allow on a todo"
expect 422 validation limit -- GET '/todos?limit=0'
expect 422 validation limit -- GET '/todos?limit=201'
expect 422 validation cursor -- GET '/todos?cursor=x'
expect 400 invalid-idempotency-key - -- POST /todos -H "$J" -H 'Idempotency-Key: a b' -d '{"title":"a"}'
expect 400 invalid-idempotency-key - -- POST /todos -H "$J" -H "Idempotency-Key: $(printf 'k%.0s' $(seq 256))" -d '{"title":"a"}'
expect 400 invalid-idempotency-key - -- POST /todos -H "$J" -H 'Idempotency-Key: "unterminated' -d '{"title":"a"}'

# PUT needs every field.
req POST /todos -H "$J" -d '{"title":"a"}'
assert_status 201 "a todo to replace"
expect 422 validation is_completed -- PUT /todos/1 -H "$J" -d '{"title":"a","description":null}'
expect 422 validation description -- PUT /todos/1 -H "$J" -d '{"title":"a","is_completed":true}'

assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "errors created nothing"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 0 "errors recorded no key"
assert_eq "$(sql 'SELECT title FROM todos')" a "errors changed nothing"
req GET /healthz
assert_status 200 "still answering"
pass
