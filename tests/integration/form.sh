#!/bin/bash
# The HTML page and its forms: fresh keys per render, create with
# Post/Redirect/Get, double submit, errors, a re-used key, escaping.
. "$(dirname "$0")/../lib.sh"
stack_start
F='Content-Type: application/x-www-form-urlencoded'

# The hidden key of the create form in the last page.
form_key() {
    grep -o 'name="idempotency_key" value="[^"]*"' "$T/body" | head -1 | sed 's/.*value="//; s/"$//'
}

req GET /
assert_status 200 "page"
assert_contains "$(header Content-Type)" text/html "HTML"
assert_contains "$(header Content-Security-Policy)" "frame-ancestors 'none'" "CSP"
assert_eq "$(header X-Content-Type-Options)" nosniff "nosniff"
k1=$(form_key)
[[ $k1 =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "key '$k1' is not a UUID v4"
CHECKS=$((CHECKS + 1))
req GET /
k2=$(form_key)
assert_ne "$k2" "$k1" "a fresh key on every render"

# Create: 303 to the page with a confirmation.
req POST /todos -H "$F" --data-urlencode "idempotency_key=$k1" --data-urlencode 'title=Buy milk' \
    --data-urlencode 'description=semi-skimmed'
assert_status 303 "form create"
assert_eq "$(header Location)" "/?created=1" "redirect"
assert_eq "$(sql "SELECT title || '|' || description FROM todos")" "Buy milk|semi-skimmed" "row"
req GET "/?created=1"
assert_contains "$BODY" "Created ‘Buy milk’" "confirmation"
assert_contains "$BODY" 'action="/todos/1/complete"' "toggle form"
assert_contains "$BODY" 'action="/todos/1/delete"' "delete form"
assert_eq "$(grep -c 'name="idempotency_key"' "$T/body")" 3 "each form has its own key"

# Double submit (and a browser header that must lose to the field): nothing more.
req POST /todos -H "$F" -H 'Idempotency-Key: something-else' --data-urlencode "idempotency_key=$k1" \
    --data-urlencode 'title=Buy milk' --data-urlencode 'description=semi-skimmed'
assert_status 303 "re-post"
assert_eq "$(header Location)" "/?created=1" "same redirect"
assert_eq "$(header Idempotent-Replayed)" true "replayed"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "still one todo"

# Two quick submits at once: one todo.
for i in 1 2 3; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 -X POST "$BASE/todos" -H "$F" \
        --data-urlencode "idempotency_key=$k2" --data-urlencode 'title=Clicked thrice' > "$T/c$i" &
    JOBS+=($!)
done
wait_jobs
assert_eq "$(cat "$T"/c? | sort -u)" 303 "all redirected"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Clicked thrice'")" 1 "one todo from a triple click"

# The same key with other values: an explanation and a fresh form.
req POST /todos -H "$F" --data-urlencode "idempotency_key=$k1" --data-urlencode 'title=Buy bread'
assert_status 422 "re-used key"
assert_contains "$(header Content-Type)" text/html "an HTML page"
assert_contains "$BODY" "already" "explains"
k3=$(form_key)
assert_ne "$k3" "$k1" "offers a fresh key"
assert_contains "$BODY" 'value="Buy bread"' "keeps the new values"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Buy bread'")" 0 "nothing created"

# Errors come back with the input and the same key; not recorded.
req POST /todos -H "$F" --data-urlencode "idempotency_key=$k3" --data-urlencode 'title=   ' \
    --data-urlencode 'description=kept <text>'
assert_status 422 "invalid form"
assert_contains "$BODY" "title must be 1 to 200 characters" "message"
assert_eq "$(form_key)" "$k3" "same key"
assert_contains "$BODY" "kept &lt;text&gt;" "input kept, escaped"
req POST /todos -H "$F" --data-urlencode "idempotency_key=$k3" --data-urlencode 'title=Buy bread'
assert_status 303 "corrected form with the same key"

# Escaping: a script title is text.
req POST /todos -H "$F" --data-urlencode "idempotency_key=esc-1" \
    --data-urlencode 'title=<script>alert(1)</script>'
assert_status 303 "script title"
req GET /
assert_contains "$BODY" "&lt;script&gt;alert(1)&lt;/script&gt;" "escaped"
assert_not_contains "$BODY" "<script>alert(1)" "never raw"

# Toggle and delete through their forms, each retried once.
req POST /todos/1/complete -H "$F" -d 'idempotency_key=t-1&is_completed=1'
assert_status 303 "complete"
assert_eq "$(header Location)" / "back to the list"
req POST /todos/1/complete -H "$F" -d 'idempotency_key=t-1&is_completed=1'
assert_eq "$(header Idempotent-Replayed)" true "complete replayed"
assert_eq "$(sql 'SELECT is_completed, version FROM todos WHERE id = 1')" '1|2' "completed once"
req GET /
assert_contains "$BODY" 'class="todo done"' "marked done"
req POST /todos/1/delete -H "$F" -d 'idempotency_key=d-1'
assert_status 303 "delete"
req POST /todos/1/delete -H "$F" -d 'idempotency_key=d-1'
assert_status 303 "delete re-posted"
assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id = 1')" 0 "deleted"
req POST /todos/1/complete -H "$F" -d 'idempotency_key=t-2&is_completed=0'
assert_status 404 "complete a deleted todo"
assert_contains "$(header Content-Type)" text/html "readable page"

# Unreadable forms get readable pages.
req POST /todos -H "$F" -d 'idempotency_key=x&title=a&title=b'
assert_status 400 "repeated field"
assert_contains "$(header Content-Type)" text/html "HTML error"
req POST /todos -H "$F" -d 'title=%zz'
assert_status 400 "bad escape"
pass
