#!/bin/bash
# The API documents itself: its OpenAPI description at /openapi.json, the
# /docs page made from it, and a page for every problem type the program
# can answer with (found in its source, so a new type without a page fails
# here) at its type URI; an unknown type is a 404. tests/api checks the
# description against the program's answers.
. "$(dirname "$0")/../lib.sh"
stack_start

# The string literals of each problem_set() call's type argument.
types=$(perl -0777 -ne 'while (/\bproblem_set\(\s*[^,]+,\s*[^,]+,\s*((?:[^,"]|"[^"]*")+),/g) {
        my $t = $1; print "$1\n" while $t =~ /"([a-z0-9-]+)"/g }' \
    $(find "$ROOT/src" -name '*.c') | sort -u)
n=$(printf '%s\n' "$types" | grep -c .)
[ "$n" -ge 15 ] || fail "only $n problem types found in the source: $types"
CHECKS=$((CHECKS + 1))

for t in $types; do
    req GET "/problems/$t"
    assert_status 200 "/problems/$t"
    assert_eq "$(header Content-Type)" "text/html; charset=utf-8" "/problems/$t: Content-Type"
    assert_contains "$BODY" '<html lang="en">' "/problems/$t: lang"
    title=$(printf '%s' "$BODY" | sed -n 's|.*<title>\(.*\)</title>.*|\1|p')
    assert_ne "$title" "" "/problems/$t: title"
    h1=$(printf '%s' "$BODY" | sed -n 's|.*<h1>\(.*\)</h1>.*|\1|p')
    assert_eq "$h1" "$title" "/problems/$t: main heading"
    assert_contains "$BODY" "<code>/problems/$t</code>" "/problems/$t: names its type"
    assert_contains "$BODY" "What to do" "/problems/$t: says what to do"
done

# The type URI in a real problem answer is the page's address.
req POST /todos -H 'Content-Type: application/json' -d '{"title":'
assert_status 400 "malformed JSON"
type=$(jget "$BODY" '$.type')
req GET "$type"
assert_status 200 "the type of a real answer resolves"

req HEAD /problems/validation
assert_status 200 "HEAD of a problem page"
assert_eq "$(header Content-Type)" "text/html; charset=utf-8" "HEAD of a problem page: Content-Type"

for p in /problems/no-such-problem /problems/Validation /problems/validation.html \
    /problems/ /problems/%2e%2e%2fopenapi /problems/validation/x \
    "/problems/$(printf 'a%.0s' $(seq 49))"; do
    req GET "$p" --path-as-is
    assert_status 404 "$p"
done
req GET /problems/no-such-problem
assert_eq "$(header Content-Type)" "text/html; charset=utf-8" "unknown problem page: Content-Type"
req POST /problems/validation -H 'Content-Type: application/json' -d '{}'
assert_status 405 "POST to a problem page"

# The description, served as committed, wherever the program runs.
req GET /openapi.json
assert_status 200 "/openapi.json"
assert_eq "$(header Content-Type)" application/json "/openapi.json: Content-Type"
assert_eq "$(header Link)" '</openapi.json>; rel="service-desc"' "/openapi.json: Link"
cmp -s "$T/body" "$ROOT/templates/openapi.json" || fail "/openapi.json is not templates/openapi.json"
CHECKS=$((CHECKS + 1))
assert_eq "$(jget "$BODY" '$.openapi' | cut -c1-4)" 3.1. "OpenAPI version"
paths=$(sqlite3 -batch :memory: "SELECT key FROM json_each(readfile('$T/body'), '\$.paths')")
[ "$(printf '%s\n' "$paths" | grep -c '^/')" -ge 6 ] || fail "paths in the description: $paths"
for p in /todos /todos/{id} /healthz /openapi.json /docs /problems/{name}; do
    assert_contains "$paths" "$p" "the description has $p"
done

req HEAD /openapi.json
assert_status 200 "HEAD /openapi.json"
assert_eq "$(header Content-Type)" application/json "HEAD /openapi.json: Content-Type"

# Every JSON answer, problems included, links to it.
req GET /healthz
assert_eq "$(header Link)" '</openapi.json>; rel="service-desc"' "/healthz: Link"
req GET /todos/999
assert_eq "$(header Link)" '</openapi.json>; rel="service-desc"' "a problem: Link"

# The page for people: in the app's layout, naming every path.
req GET /docs
assert_status 200 "/docs"
assert_eq "$(header Content-Type)" "text/html; charset=utf-8" "/docs: Content-Type"
assert_eq "$(header Link)" '</openapi.json>; rel="service-desc"' "/docs: Link"
assert_contains "$BODY" '<html lang="en">' "/docs: lang"
assert_contains "$BODY" '<title>Todo API</title>' "/docs: title"
assert_contains "$BODY" '<h1>Todo API</h1>' "/docs: main heading"
assert_contains "$BODY" '/static/style.css' "/docs: the app's style"
assert_not_contains "$BODY" 'src="http' "/docs: nothing from elsewhere"
for p in $paths; do
    assert_contains "$BODY" "$p" "/docs mentions $p"
done
for t in $types; do
    assert_contains "$BODY" "href=\"/problems/$t\"" "/docs links to /problems/$t"
done

pass
