#!/bin/bash
# The README's "Try it with curl" examples, run as a reader pastes them
# (only the address changed to the test's port), in order, on a fresh
# database: each answers as the README says it does.
. "$(dirname "$0")/../lib.sh"
stack_start

# The curl commands of the section, one per line, continuations joined.
awk '/^## Try it with curl/ { on = 1; next } /^## / { on = 0 }
     on && /^    / { sub(/^    /, ""); print }' "$ROOT/README.md" |
    awk '{ if (sub(/\\$/, "")) { buf = buf $0; next } print buf $0; buf = "" }' |
    grep '^curl ' > "$T/examples" || true
n=$(wc -l < "$T/examples")
assert_eq "$n" 8 "curl commands in the README's section"

# Runs example $1 (1-based) as pasted, with its output in $T/out: status in STATUS.
run_example() {
    local cmd
    cmd=$(sed -n "${1}p" "$T/examples")
    cmd=${cmd//http:\/\/127.0.0.1:8080/$BASE}
    bash -c "$cmd" > "$T/out" 2>&1 || fail "example $1 failed: $cmd"
    STATUS=$(awk 'NR == 1 && /^HTTP/ { print $2 }' "$T/out")
    BODY=$(cat "$T/out")
}
out_header() {
    awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" 'BEGIN { FS = ": " } { sub(/\r$/, "") }
        tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }' "$T/out"
}

# 1: create with a key, then the same command again: a replay.
run_example 1
assert_status 201 "create"
assert_eq "$(out_header Location)" /todos/1 "create: Location"
assert_eq "$(out_header ETag)" '"1-1"' "create: ETag"
first=$(tail -n 1 "$T/out")
run_example 1
assert_status 201 "the retry"
assert_eq "$(out_header Idempotent-Replayed)" true "the retry is a replay"
assert_eq "$(tail -n 1 "$T/out")" "$first" "the retry's body is the first one"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo after the retry"

# 2: the same title with a fresh key is a second todo.
run_example 2
assert_eq "$(jget "$BODY" '$.id')" 2 "a new key makes a new todo"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 2 "two todos"

# 3, 4: the list, a page at a time.
run_example 3
assert_eq "$(jget "$BODY" '$.items[0].id')" 2 "first page"
assert_eq "$(jget "$BODY" '$.next_cursor')" 2 "first page: next_cursor"
run_example 4
assert_eq "$(jget "$BODY" '$.items[0].id')" 1 "second page"
assert_eq "$(jget "$BODY" '$.next_cursor')" "" "second page: last"

# 5: PATCH done; 6: PUT with the new ETag.
run_example 5
assert_status 200 "PATCH"
assert_eq "$(out_header ETag)" '"1-2"' "PATCH: the ETag the README's PUT sends"
run_example 6
assert_status 200 "PUT with If-Match"
assert_eq "$(sql "SELECT title FROM todos WHERE id = 1")" "Buy oat milk" "PUT replaced the title"

# 7: DELETE, twice.
run_example 7
assert_status 204 "DELETE"
run_example 7
assert_status 204 "DELETE again"
assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id = 1')" 0 "the todo is gone"

# 8: the form post, twice: one todo.
run_example 8
assert_status 303 "form post"
run_example 8
assert_status 303 "form re-post"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Water the plants'")" 1 \
    "one todo from the form posted twice"
pass
