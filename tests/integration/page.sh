#!/bin/bash
# The page beyond creating: editing with the version carried in the form,
# the conflict page, the filter and its counts, going back to the same
# place in the list, and pages (not JSON) for a browser's errors.
. "$(dirname "$0")/../lib.sh"
stack_start
F='Content-Type: application/x-www-form-urlencoded'
H='Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

# Whether the last answer's Vary headers (the web server may add its own) name Accept.
vary_accept() {
    tr -d '\r' < "$T/headers" | grep -iE '^vary:' | tr 'A-Z' 'a-z' | tr -d ' ' |
        sed 's/^vary://' | tr ',' '\n' | grep -qx accept && echo yes || echo no
}

# The value of hidden field $1 in the last page (the first such field).
hidden() {
    grep -o "name=\"$1\" value=\"[^\"]*\"" "$T/body" | head -1 | sed 's/.*value="//; s/"$//'
}

n=0
for t in 'Buy milk' 'Call the plumber' 'Book train tickets'; do
    n=$((n + 1))
    req POST /todos -H "$F" --data-urlencode "idempotency_key=c-$n" --data-urlencode "title=$t"
    assert_status 303 "create $t"
done

# A todo's page: its edit form, with the version it was read at.
req GET /todos/2/edit
assert_status 200 "edit page"
assert_contains "$BODY" "<h1>Edit ‘Call the plumber’</h1>" "names the todo"
assert_contains "$BODY" 'action="/todos/2/edit"' "posts to itself"
assert_eq "$(hidden version)" 1 "carries the version"
assert_contains "$BODY" 'href="/#todo-2">Cancel</a>' "cancel goes back to the todo"
ek=$(hidden idempotency_key)
req GET /todos/2 -H "$H"
assert_status 200 "a browser opening a todo's address"
assert_contains "$(header Content-Type)" text/html "gets its page"
assert_eq "$(vary_accept)" yes "which varies with Accept"
req GET /todos/2
assert_eq "$(jget "$BODY" '$.title')" "Call the plumber" "API clients keep JSON"

# Saving an edit, then the same form again: one change.
req POST /todos/2/edit -H "$F" --data-urlencode "idempotency_key=$ek" -d 'version=1' \
    --data-urlencode 'title=Call the plumber about the leak' --data-urlencode 'description=before Friday'
assert_status 303 "edit saved"
assert_eq "$(header Location)" "/#todo-2" "back to the todo in the list"
req POST /todos/2/edit -H "$F" --data-urlencode "idempotency_key=$ek" -d 'version=1' \
    --data-urlencode 'title=Call the plumber about the leak' --data-urlencode 'description=before Friday'
assert_status 303 "the same edit sent again"
assert_eq "$(header Idempotent-Replayed)" true "replayed"
assert_eq "$(sql 'SELECT title, description, version FROM todos WHERE id = 2')" \
    'Call the plumber about the leak|before Friday|2' "changed once"

# Another tab still holds version 1: its save is not applied, both are shown.
req POST /todos/2/edit -H "$F" -d 'idempotency_key=tab-2&version=1' \
    --data-urlencode 'title=Call the electrician' --data-urlencode 'description='
assert_status 409 "an edit of an older version"
assert_contains "$BODY" "<h1>This todo was changed elsewhere</h1>" "says so"
assert_contains "$BODY" "<dd>Call the electrician</dd>" "shows your changes"
assert_contains "$BODY" "<dd>Call the plumber about the leak</dd>" "and the saved version"
assert_contains "$BODY" 'href="/#todo-2">Keep the saved version</a>' "one choice keeps it"
assert_eq "$(sql 'SELECT title, version FROM todos WHERE id = 2')" 'Call the plumber about the leak|2' \
    "nothing overwritten"
mine=$(hidden idempotency_key)
assert_ne "$mine" tab-2 "the other choice is a new operation"
assert_eq "$(hidden version)" 2 "over the version saved now"
req POST /todos/2/edit -H "$F" --data-urlencode "idempotency_key=$mine" -d 'version=2' \
    --data-urlencode 'title=Call the electrician' --data-urlencode 'description='
assert_status 303 "saving mine"
assert_eq "$(sql "SELECT title || '|' || coalesce(description, 'null') || '|' || version FROM todos WHERE id = 2")" \
    'Call the electrician|null|3' "mine wins, an empty description is none"

# An edit with errors comes back as its page, values and key kept.
req POST /todos/2/edit -H "$F" -d 'idempotency_key=bad-1&version=3&title=&description=x'
assert_status 422 "edit with an empty title"
assert_contains "$BODY" "Title: enter a title; it is empty." "message"
assert_eq "$(hidden idempotency_key)" bad-1 "same key"
assert_eq "$(hidden version)" 3 "same version"
req POST /todos/2/edit -H "$F" -d 'idempotency_key=bad-2&title=x'
assert_status 400 "an edit without its version"
assert_contains "$(header Content-Type)" text/html "a page"
req POST /todos/99/edit -H "$F" -d 'idempotency_key=gone-1&version=1&title=x'
assert_status 404 "an edit of a todo that is gone"
assert_contains "$BODY" "That todo is gone" "says so"

# The filter: counts, and the shown list.
req POST /todos/1/complete -H "$F" -d 'idempotency_key=t-1&is_completed=1&show=open'
assert_status 303 "complete from the open list"
assert_eq "$(header Location)" "/?show=open#todo-1" "back to the open list"
req GET '/?show=open'
assert_contains "$BODY" '<a href="/?show=all">All <span class="count">3</span></a>' "all counted"
assert_contains "$BODY" '<a href="/?show=open" aria-current="page">Open <span class="count">2</span></a>' \
    "open counted and current"
assert_contains "$BODY" '<a href="/?show=done">Done <span class="count">1</span></a>' "done counted"
assert_not_contains "$BODY" 'id="todo-1"' "a done todo is not in the open list"
assert_contains "$BODY" '<input type="hidden" name="show" value="open">' "forms carry the filter"
req GET '/?show=done'
assert_contains "$BODY" 'id="todo-1"' "it is in the done list"
assert_not_contains "$BODY" 'id="todo-3"' "an open one is not"
req GET '/?show=nonsense&cursor=x'
assert_status 200 "an unknown filter or cursor is the whole list"

# Page 2 stays page 2 after an action on it.
for i in $(seq 1 52); do echo "INSERT INTO todos (title, is_completed, version, created_at, updated_at) VALUES ('Item $i', 0, 1, '2026-12-03T07:00:00.000Z', '2026-12-03T07:00:00.000Z');"; done > "$T/many.sql"
sql "$(cat "$T/many.sql")"
req GET /
older=$(grep -o 'class="older button" href="[^"]*"' "$T/body" | sed 's/.*href="//; s/"$//')
assert_contains "$older" "/?cursor=" "a link to older todos"
req GET "$older"
assert_contains "$BODY" 'id="todo-3"' "older todos on page 2"
cursor=${older#/?cursor=}
req POST /todos/3/complete -H "$F" -d "idempotency_key=t-3&is_completed=1&cursor=$cursor"
assert_eq "$(header Location)" "/?cursor=$cursor#todo-3" "back on page 2, at the todo"
req POST /todos/3/delete -H "$F" -d "idempotency_key=d-3&cursor=$cursor"
assert_status 200 "delete asks first"
assert_contains "$BODY" "href=\"/?cursor=$cursor#todo-3\">Keep it</a>" "keeping it goes back"
req POST /todos/3/delete -H "$F" -d "idempotency_key=d-3&cursor=$cursor&confirm=yes"
assert_eq "$(header Location)" "/?cursor=$cursor" "deleted, back on page 2"

# A browser's errors are pages; API clients keep problem+json.
req GET /nope -H "$H"
assert_status 404 "a mistyped address"
assert_contains "$(header Content-Type)" text/html "a page"
assert_contains "$BODY" "<h1>Page not found</h1>" "says so"
assert_contains "$BODY" '<html lang="en">' "in the layout"
assert_eq "$(vary_accept)" yes "varies with Accept"
req GET /todos/99999 -H "$H"
assert_status 404 "a todo that is not there"
assert_contains "$BODY" "That todo is gone" "a page"
req GET /nope
assert_status 404 "without Accept"
assert_eq "$(header Content-Type)" application/problem+json "problem+json"
req GET /nope -H 'Accept: application/json, text/html'
assert_eq "$(header Content-Type)" application/problem+json "JSON first: problem+json"
req DELETE / -H "$H"
assert_status 405 "a method the page does not take"
assert_contains "$BODY" "<h1>Not possible here</h1>" "a page"
assert_eq "$(header Allow)" "GET, HEAD" "Allow kept"
req POST /todos -H "$H" -H 'Content-Type: text/plain' -d 'x'
assert_status 415 "not a form"
assert_contains "$(header Content-Type)" text/html "a page"
big=$(head -c 70000 /dev/zero | tr '\0' x)
req POST /todos -H "$H" -H "$F" --data-urlencode "title=$big"
assert_status 413 "too large"
assert_contains "$BODY" "<h1>Too much to send</h1>" "a page that says so"
req POST /todos -H "$F" --data-urlencode "title=$big"
assert_status 413 "too large, from an API client"
assert_eq "$(header Content-Type)" application/problem+json "problem+json"
pass
