#!/bin/bash
# Hostile and broken requests, table-driven: each gets its expected status,
# nothing crashes, the server answers afterwards, and nothing is lost.
. "$(dirname "$0")/../lib.sh"
stack_start
J='Content-Type: application/json'
F='Content-Type: application/x-www-form-urlencoded'
ROWS=0

# row STATUS NAME METHOD PATH [curl args...]
row() {
    local want=$1 name=$2
    shift 2
    ROWS=$((ROWS + 1))
    req "$@"
    assert_status "$want" "$name"
    alive "$name"
}

# raw STATUS NAME BYTES: a request curl cannot send, written to the socket.
raw() {
    local want=$1 name=$2 got
    ROWS=$((ROWS + 1))
    exec 3<>"/dev/tcp/127.0.0.1/$PORT"
    printf '%b' "$3" >&3
    got=$(timeout 10 head -1 <&3 | tr -d '\r' | awk '{print $2}')
    exec 3<&- 3>&-
    STATUS=$got
    assert_status "$want" "$name"
    alive "$name"
}

alive() {
    curl -fsS -o /dev/null --max-time 5 "$BASE/healthz" || fail "server not answering after: $1"
}

deep() {
    printf "%${1}s" | tr ' ' "$2"
}

req POST /todos -H "$J" -d '{"title":"keep me"}'
assert_status 201 "a todo that must survive"

# Broken JSON
row 400 "truncated JSON" POST /todos -H "$J" -d '{"title":"a"'
row 400 "unquoted names" POST /todos -H "$J" -d '{title:"a"}'
row 400 "trailing comma" POST /todos -H "$J" -d '{"title":"a",}'
row 400 "single quotes" POST /todos -H "$J" -d "{'title':'a'}"
row 400 "comment" POST /todos -H "$J" -d '{"title":"a"/*x*/}'
row 400 "10,000-deep arrays" POST /todos -H "$J" -d "$(deep 10000 '[')$(deep 10000 ']')"
row 400 "10,000-deep objects" POST /todos -H "$J" -d "$(for i in $(seq 5000); do printf '{"a":'; done)1$(deep 5000 '}')"
row 400 "raw NUL byte in JSON" POST /todos -H "$J" --data-binary @<(printf '{"title":"a\0b"}')
row 400 "invalid UTF-8" POST /todos -H "$J" --data-binary @<(printf '{"title":"\xff\xfe"}')
row 422 "overlong UTF-8" POST /todos -H "$J" --data-binary @<(printf '{"title":"\xc0\xaf"}')
row 400 "empty body" POST /todos -H "$J" --data-binary ''
row 400 "only white space" POST /todos -H "$J" -d '   '
# Valid JSON, wrong values
row 422 "escaped NUL in title" POST /todos -H "$J" -d '{"title":"a\u0000b"}'
row 201 "lone surrogate" POST /todos -H "$J" -d '{"title":"\ud800"}'
assert_eq "$(jget "$BODY" '$.title')" "�" "a lone surrogate becomes U+FFFD"
row 422 "huge number as title" POST /todos -H "$J" -d '{"title":123456789012345678901234567890}'
row 422 "huge exponent as flag" POST /todos -H "$J" -d '{"title":"a","is_completed":1e999999}'
row 422 "null title" POST /todos -H "$J" -d '{"title":null}'
row 422 "array body" PATCH /todos/1 -H "$J" -d '[]'
row 422 "string body" POST /todos -H "$J" -d '"title"'
row 422 "control character" POST /todos -H "$J" -d '{"title":"a\u0007"}'
row 422 "2001 multibyte characters" POST /todos -H "$J" -d "{\"title\":\"a\",\"description\":\"$(deep 2001 x | sed 's/x/é/g')\"}"
row 201 "200 emoji are 200 characters" POST /todos -H "$J" -d "{\"title\":\"$(deep 200 x | sed 's/x/😀/g')\"}"
row 201 "charset parameter" POST /todos -H 'Content-Type: application/json; charset=utf-8' -d '{"title":"ok"}'
row 415 "look-alike media type" POST /todos -H 'Content-Type: application/jsonx' -d '{"title":"a"}'
row 415 "no media type" POST /todos -H 'Content-Type:' -d '{"title":"a"}'
# Keys
row 400 "empty key" POST /todos -H "$J" -H 'Idempotency-Key;' -d '{"title":"a"}'
row 400 "256-character key" POST /todos -H "$J" -H "Idempotency-Key: $(deep 256 k)" -d '{"title":"a"}'
row 400 "key with a space" POST /todos -H "$J" -H 'Idempotency-Key: a b' -d '{"title":"a"}'
row 400 "non-ASCII key" POST /todos -H "$J" -H 'Idempotency-Key: clé' -d '{"title":"a"}'
row 400 "bad escape in a quoted key" POST /todos -H "$J" -H 'Idempotency-Key: "a\b"' -d '{"title":"a"}'
row 201 "escaped quote in a quoted key" POST /todos -H "$J" -H 'Idempotency-Key: "a\"b"' -d '{"title":"quoted"}'
raw 400 "CR/LF inside a header" 'POST /todos HTTP/1.1\r\nHost: x\r\nIdempotency-Key: a\rb\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
# SQL injection is data
row 201 "SQL in a title" POST /todos -H "$J" -d "{\"title\":\"'); DROP TABLE todos;--\"}"
assert_eq "$(jget "$BODY" '$.title')" "'); DROP TABLE todos;--" "stored verbatim"
row 201 "SQL in a key" POST /todos -H "$J" -H "Idempotency-Key: x';DELETE/**/FROM/**/todos;--" -d '{"title":"k"}'
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'x'';DELETE/**/FROM/**/todos;--'")" 1 "key stored verbatim"
row 404 "SQL in a path" GET '/todos/1%20OR%201=1'
row 422 "SQL in a cursor" GET "/todos?cursor=1%20OR%201=1"
# Sizes and lengths
row 413 "70 KB body" POST /todos -H "$J" --data-binary "@$(deep 70000 a > "$T/big"; echo "$T/big")"
row 413 "10 MB body" POST /todos -H "$J" --data-binary "@$(head -c 10000000 /dev/zero > "$T/huge"; echo "$T/huge")"
raw 400 "Content-Length shorter than the body" 'POST /todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"title":"a"}'
raw 400 "negative Content-Length" 'POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\nConnection: close\r\n\r\n'
raw 400 "Content-Length that is not a number" 'POST /todos HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\nConnection: close\r\n\r\n'
row 414 "100 KB query string" GET "/todos?limit=1&x=$(deep 100000 q)"
row 422 "limit that overflows" GET '/todos?limit=99999999999999999999'
row 422 "negative limit" GET '/todos?limit=-1'
row 404 "id that overflows" GET /todos/99999999999999999999
# Paths and methods
row 404 "traversal out of /static/" GET '/static/../src/db.c' --path-as-is
row 400 "encoded traversal" GET '/static/..%2f..%2fMakefile' --path-as-is
row 400 "traversal to /etc" GET '/static/../../../../etc/passwd' --path-as-is
row 404 "trailing slash" GET /todos/
row 405 "unknown method" FOO /todos
row 405 "OPTIONS" OPTIONS /todos/1
raw 400 "NUL in the request line" 'GET /to\0dos HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
# Forms
row 400 "repeated form field" POST /todos -H "$F" -d 'idempotency_key=f1&title=a&title=b'
row 400 "bad percent escape" POST /todos -H "$F" -d 'idempotency_key=f2&title=%G1'
row 400 "NUL in a form" POST /todos -H "$F" -d 'idempotency_key=f3&title=a%00b'
row 400 "too many form fields" POST /todos -H "$F" -d "$(for i in $(seq 40); do printf 'f%d=1&' $i; done)"
row 422 "empty form" POST /todos -H "$F" -d 'idempotency_key=f4'
row 400 "a bad key in a form" POST /todos -H "$F" -d 'idempotency_key=a%20b&title=x'

[ $ROWS -ge 40 ] || fail "only $ROWS hostile requests"
CHECKS=$((CHECKS + 1))
assert_eq "$(sql 'SELECT title FROM todos WHERE id = 1')" "keep me" "nothing lost"
assert_eq "$(integrity)" ok "database intact"
assert_eq "$(grep -cE ' [0-9]+ [0-9.]+ [a-z]+$' "$T/todo.log" | tr -d ' ')" "$(grep -cE ' [0-9]+ [0-9.]+ [a-z]+$' "$T/todo.log")" "log readable"
assert_eq "$(grep -E ' 5[0-9][0-9] [0-9.]+ [a-z]+$' "$T/todo.log" | wc -l)" 0 "no 5xx"
echo "$ROWS hostile requests"
pass
