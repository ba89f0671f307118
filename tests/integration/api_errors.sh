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
M='Content-Type: application/merge-patch+json'

# detail_has TEXT...: the last problem's detail names each TEXT.
detail_has() {
    local d t
    d=$(jget "$BODY" '$.detail')
    for t in "$@"; do assert_contains "$d" "$t" "detail of the last problem"; done
}

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
expect 422 validation owner -- POST /todos -H "$J" -d '{"title":"a","owner":"me"}'
detail_has "Unknown member 'owner'" "title, description and is_completed"
expect 422 validation - -- POST /todos -H "$J" -d '["title"]'
expect 415 unsupported-media-type - -- POST /todos -H 'Content-Type: text/plain' -d '{"title":"a"}'
detail_has "text/plain" "send Content-Type: application/json"
expect 415 unsupported-media-type - -- PUT /todos/1 -H 'Content-Type: text/plain' -d '{}'
# JSON sent as a form (curl -d's default) or with no Content-Type: told so, not given the page.
expect 415 unsupported-media-type - -- POST /todos -d '{"title":"x"}'
detail_has "looks like JSON" "application/x-www-form-urlencoded" "send Content-Type: application/json"
expect 415 unsupported-media-type - -- POST /todos -H 'Idempotency-Key: as-form' -d ' [{"title":"x"}]'
detail_has "looks like JSON"
expect 415 unsupported-media-type - -- POST /todos -H 'Content-Type:' -d '{"title":"x"}'
detail_has "looks like JSON" "no Content-Type" "send Content-Type: application/json"
expect 415 unsupported-media-type - -- POST /todos -H 'Content-Type:' --data-binary 'title=x'
detail_has "no Content-Type" "send Content-Type: application/json"
expect 415 unsupported-media-type - -- PATCH /todos/1 -d '{"title":"x"}'
detail_has "looks like JSON" "send Content-Type: application/json"
expect 415 unsupported-media-type - -- PATCH /todos/1 -H 'Content-Type: text/plain' -d 'x'
detail_has "text/plain" "application/merge-patch+json"
expect 415 unsupported-media-type - -- POST /todos/1/complete -H "$J" -d '{"is_completed":true}'
detail_has "application/json" "send Content-Type: application/x-www-form-urlencoded"
# Unknown query parameters: a list takes limit and cursor, every other API request none.
expect 422 validation is_completed -- GET '/todos?is_completed=true'
detail_has "Unknown query parameter is_completed" "limit and cursor"
expect 422 validation sort -- GET '/todos?limit=5&sort=desc'
detail_has "sort" "limit and cursor"
expect 422 validation fields -- GET '/todos/1?fields=title'
detail_has "Unknown query parameter fields" "no query parameters"
expect 422 validation verbose -- GET '/healthz?verbose'
detail_has "verbose"
expect 422 validation dry_run -- POST '/todos?dry_run=1' -H "$J" -H 'Idempotency-Key: with-query' -d '{"title":"a"}'
detail_has "dry_run" "no query parameters"
expect 422 validation limit -- DELETE '/todos/1?limit=1'
detail_has "Unknown query parameter limit"
# The page ignores what it does not know, as links from elsewhere may carry it.
req GET '/?utm_source=mail'
assert_status 200 "the page with an unknown query parameter"
assert_contains "$(header Content-Type)" text/html "the page stays a page"
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
expect 422 validation colour -- PUT /todos/1 -H "$J" \
    -d '{"title":"a","description":null,"is_completed":true,"colour":"red"}'
detail_has "Unknown member 'colour'"
expect 422 validation colour -- PATCH /todos/1 -H "$M" -d '{"colour":"red"}'
detail_has "Unknown member 'colour'" "title, description and is_completed"
expect 422 validation due -- PATCH /todos/1 -H "$J" -H 'Idempotency-Key: patch-due' -d '{"title":"b","due":"2030-01-01"}'
detail_has "Unknown member 'due'"
expect 422 validation fields -- PATCH '/todos/1?fields=title' -H "$J" -d '{"title":"b"}'
expect 422 validation force -- DELETE '/todos/1?force=1'

assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "errors created nothing"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" 0 "errors recorded no key"
assert_eq "$(sql 'SELECT title FROM todos')" a "errors changed nothing"
req GET /healthz
assert_status 200 "still answering"
pass
