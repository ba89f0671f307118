#!/bin/bash
# Keys belong to the client that sent them, browser forms refuse cross-site
# posts, and every request leaves one access log line without secrets.
. "$(dirname "$0")/../lib.sh"
stack_start
J='Content-Type: application/json'
F='Content-Type: application/x-www-form-urlencoded'
TOKEN_A=token-a-$RANDOM$RANDOM
TOKEN_B=token-b-$RANDOM$RANDOM

# The same key from two bearer tokens: two keys, two todos, no cross replay.
req POST /todos -H "$J" -H "Authorization: Bearer $TOKEN_A" -H 'Idempotency-Key: shared' -d '{"title":"A"}'
assert_status 201 "client A"
req POST /todos -H "$J" -H "Authorization: Bearer $TOKEN_B" -H 'Idempotency-Key: shared' -d '{"title":"B"}'
assert_status 201 "client B, same key, other body: not a mismatch"
assert_eq "$(header Idempotent-Replayed)" "" "B does not get A's response"
assert_eq "$(jget "$BODY" '$.title')" B "B's own todo"
req POST /todos -H "$J" -H "Authorization: Bearer $TOKEN_A" -H 'Idempotency-Key: shared' -d '{"title":"A"}'
assert_eq "$(header Idempotent-Replayed)" true "A's retry replays A's response"
assert_eq "$(jget "$BODY" '$.title')" A "A's todo"
# Anonymous clients share one scope, apart from both.
req POST /todos -H "$J" -H 'Idempotency-Key: shared' -d '{"title":"anonymous"}'
assert_status 201 "anonymous"
req POST /todos -H "$J" -H 'Idempotency-Key: shared' -d '{"title":"someone else, anonymous"}'
assert_status 422 "anonymous clients share a scope"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 3 "three todos"
assert_eq "$(sql "SELECT count(DISTINCT scope) FROM idempotency_keys WHERE key = 'shared'")" 3 "three scopes"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE scope LIKE '%$TOKEN_A%' OR scope LIKE '%$TOKEN_B%'")" 0 "tokens are not stored"
assert_eq "$(sql "SELECT length(scope) FROM idempotency_keys WHERE scope LIKE 'b:%' LIMIT 1")" 66 "a hash is"

# Browser sessions: the first visit sets an HttpOnly, SameSite=Lax cookie.
req GET /
cookie=$(header Set-Cookie)
assert_contains "$cookie" "todo_session=" "session cookie"
assert_contains "$cookie" "HttpOnly" "HttpOnly"
assert_contains "$cookie" "SameSite=Lax" "SameSite=Lax"
session=${cookie#todo_session=}; session=${session%%;*}
req GET / -H "Cookie: todo_session=$session"
assert_eq "$(header Set-Cookie)" "" "no new cookie for a known session"
req POST /todos -H "$F" -H "Cookie: todo_session=$session" -d 'idempotency_key=form-1&title=Mine'
assert_status 303 "form in session 1"
req POST /todos -H "$F" -H "Cookie: todo_session=$session" -d 'idempotency_key=form-1&title=Mine'
assert_eq "$(header Idempotent-Replayed)" true "replay in the same session"
assert_eq "$(header Set-Cookie)" "" "replays never carry cookies"
other=00000000-0000-4000-8000-000000000000
req POST /todos -H "$F" -H "Cookie: todo_session=$other" -d 'idempotency_key=form-1&title=Mine'
assert_status 303 "another session with the same key"
assert_eq "$(header Idempotent-Replayed)" "" "is a new operation"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Mine'")" 2 "one todo per session"

# Cross-site form posts are refused and change nothing.
req POST /todos -H "$F" -H 'Sec-Fetch-Site: cross-site' -d 'idempotency_key=x-1&title=Evil'
assert_status 403 "Sec-Fetch-Site: cross-site"
assert_contains "$(header Content-Type)" text/html "a readable page"
req POST /todos -H "$F" -H 'Origin: http://evil.example' -d 'idempotency_key=x-2&title=Evil'
assert_status 403 "foreign Origin"
req POST /todos/1/delete -H "$F" -H 'Origin: null' -d 'idempotency_key=x-3'
assert_status 403 "opaque Origin"
req POST /todos -H "$F" -H "Origin: $BASE" -H 'Sec-Fetch-Site: same-origin' -d 'idempotency_key=x-4&title=Fine'
assert_status 303 "same-origin form post"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Evil'")" 0 "nothing from other sites"
assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id = 1')" 1 "not deleted"

# The access log: one line per request, outcomes counted, no secrets.
if [ "$FRONTEND" != apache-cgi ]; then
    log=$(cat "$T/todo.log")
    assert_contains "$log" "POST /todos 201" "a create is logged"
    assert_contains "$log" " replayed" "a replay is logged"
    assert_contains "$log" " mismatch" "a mismatch is logged"
    assert_contains "$log" "POST /todos 403" "a refusal is logged"
    assert_not_contains "$log" "$TOKEN_A" "no bearer token"
    assert_not_contains "$log" "Evil" "no bodies"
    line=$(grep ' POST /todos 201 ' "$T/todo.log" | head -1)
    [[ $line =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\ POST\ /todos\ 201\ [0-9]+\.[0-9]{3}\ created$ ]] \
        || fail "log line format: '$line'"
    CHECKS=$((CHECKS + 1))
fi
pass
