#!/bin/bash
# The same binary as plain CGI: one request per process, no server.
. "$(dirname "$0")/../lib.sh"

# cgi METHOD URI [BODY [KEY]]: runs one request; output in $T/out.
cgi() {
    local body=${3:-} key=${4:-} query=
    # As a server sets it: what follows '?', else empty.
    case $2 in *\?*) query=${2#*\?} ;; esac
    printf %s "$body" | env -i PATH="$PATH" TODO_DB="$DB" REQUEST_METHOD="$1" \
        REQUEST_URI="$2" QUERY_STRING="$query" CONTENT_TYPE=application/json \
        CONTENT_LENGTH=${#body} ${key:+HTTP_IDEMPOTENCY_KEY="$key"} \
        "$BIN" > "$T/out"
    STATUS=$(head -1 "$T/out" | tr -d '\r')
    BODY=$(sed '1,/^\r$/d' "$T/out")
}

cgi POST /todos '{"title":"From CGI"}' cgi-1
assert_eq "$STATUS" "Status: 201 Created" "create"
assert_contains "$(cat "$T/out")" "Location: /todos/1" "Location"
cp "$T/out" "$T/first"
cgi POST /todos '{"title":"From CGI"}' cgi-1
assert_eq "$STATUS" "Status: 201 Created" "replay status"
assert_contains "$(cat "$T/out")" "Idempotent-Replayed: true" "replayed"
assert_eq "$BODY" "$(sed '1,/^\r$/d' "$T/first")" "same body"
cgi GET /todos
assert_eq "$STATUS" "Status: 200 OK" "list"
assert_eq "$(jget "$BODY" '$.items[0].title')" "From CGI" "listed"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo"

# Parallel CGI processes with one key still make one todo.
for i in $(seq 1 16); do
    printf %s '{"title":"burst"}' | env -i PATH="$PATH" TODO_DB="$DB" REQUEST_METHOD=POST \
        REQUEST_URI=/todos CONTENT_TYPE=application/json CONTENT_LENGTH=17 \
        HTTP_IDEMPOTENCY_KEY=cgi-burst "$BIN" | head -1 > "$T/b$i" &
    JOBS+=($!)
done
wait_jobs
assert_eq "$(cat "$T"/b* | tr -d '\r' | sort -u)" "Status: 201 Created" "all 201"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'burst'")" 1 "one todo from 16 processes"
pass
