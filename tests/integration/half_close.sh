#!/bin/bash
# A client that sends its whole request and then half-closes its socket
# (shutdown(SHUT_WR)) gets the full answer, and its change is made once.
# Each change is held open a second before its commit, so the client's FIN
# reaches the front end while it waits on the program.
. "$(dirname "$0")/../lib.sh"
export TODO_TEST_TXN_DELAY_MS=1000
stack_start

# dechunk: a chunked body on stdin, decoded; fails unless it ends with its last chunk.
dechunk() {
    local size n
    while IFS= read -r size; do
        n=$((16#${size%$'\r'}))
        [ "$n" -gt 0 ] || return 0
        dd bs=1 count="$n" status=none
        IFS= read -r size
    done
    return 1
}

# half_close FILE: sends the request in FILE, half-closes, and reads the
# answer to its end; sets STATUS and BODY (the whole body, its length as
# its headers say), headers in $T/headers.
half_close() {
    "$ROOT/build/halfclose" "$PORT" 60 < "$1" > "$T/answer" || fail "no whole answer to a half-closed request"
    tr -d '\r' < "$T/answer" | sed '/^$/q' > "$T/headers"
    STATUS=$(head -1 "$T/headers" | awk '{print $2}')
    sed '1,/^\r$/d' "$T/answer" > "$T/raw"
    if [ "$(header Transfer-Encoding)" = chunked ]; then
        dechunk < "$T/raw" > "$T/body" || fail "the chunked body ends before its last chunk"
    else
        cp "$T/raw" "$T/body"
        assert_eq "$(wc -c < "$T/body")" "$(header Content-Length)" "the body is as long as it says"
    fi
    BODY=$(cat "$T/body")
}

# request METHOD PATH BODY [HEADER...]: an HTTP/1.1 request, written to $T/request.
request() {
    local method=$1 path=$2 body=$3 h
    shift 3
    {
        printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n' "$method" "$path" "$PORT"
        for h in "$@"; do printf '%s\r\n' "$h"; done
        printf 'Content-Length: %d\r\n\r\n%s' "${#body}" "$body"
    } > "$T/request"
}

request POST /todos '{"title":"half-closed"}' 'Content-Type: application/json' 'Idempotency-Key: half-1'
half_close "$T/request"
assert_status 201 "a keyed create, half-closed"
assert_eq "$(header Content-Type)" application/json "its Content-Type"
assert_eq "$(jget "$BODY" '$.title')" half-closed "its body, whole"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'half-closed'")" 1 "one todo"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'half-1'")" 1 "one key row"

# The retry, half-closed too, is the replay.
half_close "$T/request"
assert_status 201 "the retry, half-closed"
assert_eq "$(header Idempotent-Replayed)" true "it is replayed"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'half-closed'")" 1 "still one todo"

# A browser-style form post and a read, half-closed.
request POST /todos 'title=half-closed+form&idempotency_key=half-2' \
    'Content-Type: application/x-www-form-urlencoded'
half_close "$T/request"
assert_status 303 "a form post, half-closed"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'half-closed form'")" 1 "one todo from the form"
request GET /todos ''
half_close "$T/request"
assert_status 200 "a read, half-closed"
assert_eq "$(jget "$BODY" '$.items[0].title')" "half-closed form" "the list, whole"
pass
