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
assert_contains "$BODY" 'href="/todos/1/edit"' "edit link"
assert_contains "$BODY" '<input id="title" name="title" type="text" value="" required maxlength="200" autofocus>' \
    "the title is ready for the next todo"

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
assert_contains "$BODY" "This form was already used" "explains"
assert_contains "$BODY" '<a href="/todos/1/edit">‘Buy milk’</a>' "links the todo the key made"
k3=$(grep -o 'name="idempotency_key" value="[^"]*"' "$T/body" | tail -1 | sed 's/.*value="//; s/"$//')
assert_ne "$k3" "$k1" "offers a fresh key"
assert_contains "$BODY" 'value="Buy bread"' "keeps the new values"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Buy bread'")" 0 "nothing created"

# Errors come back with the input and the same key; not recorded.
req POST /todos -H "$F" --data-urlencode "idempotency_key=$k3" --data-urlencode 'title=   ' \
    --data-urlencode 'description=kept <text>'
assert_status 422 "invalid form"
assert_contains "$BODY" '<span class="field-error" id="title-error">Title: enter a title; it is empty.</span>' "message at its field"
assert_contains "$BODY" 'aria-invalid="true" aria-describedby="title-error" autofocus' "field marked and focused"
assert_contains "$BODY" '<a href="#title">Title: enter a title; it is empty.</a>' "summary links the field"
assert_contains "$BODY" 'id="list-heading"' "the list stays under the form"
assert_eq "$(form_key)" "$k3" "same key"
assert_contains "$BODY" "kept &lt;text&gt;" "input kept, escaped"
long=$(printf 'x%.0s' $(seq 201))
req POST /todos -H "$F" --data-urlencode "idempotency_key=$k3" --data-urlencode "title=$long" \
    --data-urlencode "description=$(printf 'é%.0s' $(seq 2001))"
assert_status 422 "too long"
assert_contains "$BODY" "Title: shorten it to at most 200 characters; it has 201." "says the limit and the length"
assert_contains "$BODY" "Description: shorten it to at most 2000 characters; it has 2001." "every field's message"
assert_contains "$BODY" 'aria-describedby="description-error">' "description marked, not focused"
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
assert_eq "$(header Location)" "/#todo-1" "back to the list, at the todo"
req POST /todos/1/complete -H "$F" -d 'idempotency_key=t-1&is_completed=1'
assert_eq "$(header Idempotent-Replayed)" true "complete replayed"
assert_eq "$(sql 'SELECT is_completed, version FROM todos WHERE id = 1')" '1|2' "completed once"
req GET /
assert_contains "$BODY" 'class="todo done"' "marked done"
req POST /todos/1/delete -H "$F" -d 'idempotency_key=d-1'
assert_status 200 "delete asks first"
assert_contains "$BODY" "<h1>Delete ‘Buy milk’?</h1>" "names the todo"
assert_contains "$BODY" '<input type="hidden" name="idempotency_key" value="d-1">' "with the same key"
assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id = 1')" 1 "not deleted yet"
req POST /todos/1/delete -H "$F" -d 'idempotency_key=d-1&confirm=yes'
assert_status 303 "delete"
assert_eq "$(header Location)" "/" "back to the list"
req POST /todos/1/delete -H "$F" -d 'idempotency_key=d-1&confirm=yes'
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
