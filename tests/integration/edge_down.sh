#!/bin/bash
# The program stopped behind a running web server: a browser gets a page in
# the site's look and an API client a problem, with the web server's status
# (502 from nginx, 503 from Apache) and Retry-After; both come back once
# the program is started again.
. "$(dirname "$0")/../lib.sh"
stack_start

stop_pid "$TODO_PID"
TODO_PID=
for what in page form; do
    if [ "$what" = page ]; then
        req GET / -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8'
    else
        req POST /todos -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' \
            -H 'Content-Type: application/x-www-form-urlencoded' -d 'title=Buy+milk'
    fi
    case $STATUS in 502|503) CHECKS=$((CHECKS + 1)) ;; *) fail "$what with the program down: $STATUS" ;; esac
    assert_eq "$(header Content-Type | cut -d';' -f1)" text/html "$what: HTML"
    assert_eq "$(header Retry-After)" 5 "$what: Retry-After"
    assert_eq "$(header Cache-Control)" no-store "$what: not kept"
    assert_contains "$BODY" '<html lang="en">' "$what: lang"
    assert_contains "$BODY" '<main>' "$what: main"
    assert_contains "$BODY" '<h1>The todo list is not answering</h1>' "$what: h1"
    assert_contains "$BODY" 'never made twice' "$what: a retry is safe"
    assert_contains "$BODY" '<a href="/">' "$what: a link home"
    assert_contains "$BODY" '/static/style.css' "$what: the site's style"
done

req POST /todos -H 'Accept: application/json' -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: down-1' -d '{"title":"Buy milk"}'
case $STATUS in 502|503) CHECKS=$((CHECKS + 1)) ;; *) fail "the API with the program down: $STATUS" ;; esac
down=$STATUS
assert_eq "$(header Content-Type | cut -d';' -f1)" application/problem+json "problem+json"
assert_eq "$(header Retry-After)" 5 "Retry-After"
assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "type"
assert_eq "$(jget "$BODY" '$.status')" "$down" "the status member matches"
assert_contains "$(jget "$BODY" '$.detail')" Idempotency-Key "the detail says how to retry"

# Started again: the same request is made once.
program_start
retry_503 20 "the program back" POST /todos -H 'Accept: application/json' \
    -H 'Content-Type: application/json' -H 'Idempotency-Key: down-1' -d '{"title":"Buy milk"}'
i=0
while [ "$STATUS" = 502 ] && [ $i -lt 40 ]; do
    sleep 0.5
    i=$((i + 1))
    req POST /todos -H 'Accept: application/json' -H 'Content-Type: application/json' \
        -H 'Idempotency-Key: down-1' -d '{"title":"Buy milk"}'
done
assert_status 201 "created once the program is back"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 1 "one todo"
pass
