#!/bin/bash
# What the web server answers by itself, under each front end: compression
# of pages, styles, scripts and JSON; cache lifetimes of static files; the
# favicon; and its own errors (a missing file, a body over its limit, a
# request it cannot read) as an HTML page for a browser and problem+json
# for an API client.
. "$(dirname "$0")/../lib.sh"
stack_start
HTML='Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
JSON='Accept: application/json'

# raw PATH [curl args...]: a GET like req for a binary (gzipped) body,
# left in $T/body only.
raw() {
    local path=$1
    shift
    STATUS=$(curl -s --max-time 10 -o "$T/body" -D "$T/headers" -w '%{http_code}' "$@" "$BASE$path")
    BODY="(binary, $(wc -c < "$T/body") bytes)"
}

# Pages carry fresh keys and a session: compare them with the UUIDs masked.
unkeyed() {
    sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/UUID/g' "$1"
}

# A todo, so that the page has an item on it.
req POST /todos -H 'Content-Type: application/json' -H 'Idempotency-Key: edge-1' \
    -d "{\"title\":\"Buy milk\",\"description\":\"$(printf 'semi-skimmed %.0s' $(seq 40))\"}"
assert_status 201 "create"
id=$(jget "$BODY" '$.id')

# Compression: the same bytes, gzipped, when the client accepts gzip.
for path in / /static/style.css /static/app.js /openapi.json; do
    raw "$path" -H 'Accept-Encoding: gzip' -b "$T/jar" -c "$T/jar"
    assert_status 200 "$path gzipped"
    assert_eq "$(header Content-Encoding)" gzip "$path: Content-Encoding"
    assert_contains "$(header Vary)" Accept-Encoding "$path: Vary"
    gzip -dc < "$T/body" > "$T/unzipped" || fail "$path: the body is not gzip"
    req GET "$path" -b "$T/jar" -c "$T/jar"
    assert_status 200 "$path plain"
    assert_eq "$(header Content-Encoding)" "" "$path: not compressed unasked"
    assert_eq "$(unkeyed "$T/unzipped" | sha256sum)" "$(unkeyed "$T/body" | sha256sum)" \
        "$path: the gzipped body decompresses to the plain one"
done
for path in /static/style.css /static/app.js; do
    raw "$path" -H 'Accept-Encoding: gzip'
    # Static files vary by encoding alone: one cached copy per encoding.
    assert_eq "$(header Vary)" Accept-Encoding "$path: Vary"
    gzip -dc < "$T/body" | cmp -s - "$ROOT$path" || fail "$path: not the file's bytes once unzipped"
    CHECKS=$((CHECKS + 1))
done

# A todo's ETag stays strong with compression accepted, and If-Match holds.
req GET "/todos/$id" -H 'Accept-Encoding: gzip'
assert_status 200 "todo"
etag=$(header ETag)
assert_eq "${etag:0:1}" '"' "a strong ETag under gzip ($etag)"
req GET "/todos/$id"
assert_eq "$(header ETag)" "$etag" "the same ETag without gzip"
req PATCH "/todos/$id" -H 'Accept-Encoding: gzip' -H 'Content-Type: application/json' \
    -H 'Idempotency-Key: edge-2' -H "If-Match: $etag" -d '{"title":"Buy oat milk"}'
assert_status 200 "If-Match with the ETag seen under gzip"

# Static files: cached for a while by browsers, then revalidated.
for path in /static/style.css /static/app.js /static/favicon.svg; do
    req GET "$path"
    assert_status 200 "$path"
    assert_eq "$(header Cache-Control)" "public, max-age=600" "$path: Cache-Control"
    assert_ne "$(header ETag)" "" "$path: ETag"
    assert_ne "$(header Last-Modified)" "" "$path: Last-Modified"
    assert_eq "$(header X-Content-Type-Options)" nosniff "$path: nosniff"
    req GET "$path" -H "If-None-Match: $(header ETag)"
    assert_status 304 "$path revalidated"
done
# The program's own answers stay uncached.
raw / -H 'Accept-Encoding: gzip'
assert_eq "$(header Cache-Control)" "private, no-cache" "the page: Cache-Control"
req GET /todos -H 'Accept-Encoding: gzip'
assert_eq "$(header Cache-Control)" "no-store" "the API: Cache-Control"

# The icon: the SVG the page links, and /favicon.ico for browsers that ask.
req GET /static/favicon.svg
assert_eq "$(header Content-Type | cut -d';' -f1)" image/svg+xml "favicon.svg type"
assert_contains "$BODY" "<svg" "favicon.svg body"
req GET /
assert_contains "$BODY" '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' "the page links the icon"
assert_contains "$BODY" '<meta name="description" content="' "the page describes itself"
assert_contains "$BODY" '<meta name="color-scheme" content="light dark">' "light and dark"
raw /favicon.ico -H "$HTML"
assert_status 200 "/favicon.ico"
case $(header Content-Type) in
image/x-icon|image/vnd.microsoft.icon) CHECKS=$((CHECKS + 1)) ;;
*) fail "/favicon.ico type: $(header Content-Type)" ;;
esac
cmp -s "$T/body" "$ROOT/static/favicon.ico" || fail "/favicon.ico: not static/favicon.ico"
CHECKS=$((CHECKS + 1))

# The web server's 404, as a page for a browser and a problem for a client.
for path in /static/missing.css /static/; do
    req GET "$path" -H "$HTML"
    assert_status 404 "$path for a browser"
    assert_eq "$(header Content-Type | cut -d';' -f1)" text/html "$path: HTML"
    assert_contains "$BODY" '<html lang="en">' "$path: lang"
    assert_contains "$BODY" '<title>Page not found' "$path: title"
    assert_contains "$BODY" '<main>' "$path: main"
    assert_contains "$BODY" '<h1>Page not found</h1>' "$path: h1"
    assert_contains "$BODY" '<a href="/">' "$path: a link home"
    assert_contains "$BODY" '/static/style.css' "$path: the site's style"
    assert_not_contains "$BODY" "$FRONTEND" "$path: not the server's own page"
    assert_contains "$(header Vary)" Accept "$path: Vary"
    req GET "$path" -H "$JSON"
    assert_status 404 "$path for a client"
    assert_eq "$(header Content-Type | cut -d';' -f1)" application/problem+json "$path: problem+json"
    assert_eq "$(jget "$BODY" '$.type')" /problems/not-found "$path: type"
    assert_eq "$(jget "$BODY" '$.status')" 404 "$path: status member"
    assert_contains "$(header Vary)" Accept "$path: Vary"
done
# /metrics is the loopback listener's: the public site answers it 404.
req GET /metrics -H "$HTML" -H 'TODO-Metrics: 1'
assert_status 404 "public /metrics for a browser"
assert_contains "$BODY" '<h1>Page not found</h1>' "public /metrics: the 404 page"
req GET /metrics -H "$JSON"
assert_status 404 "public /metrics for a client"
assert_eq "$(jget "$BODY" '$.type')" /problems/not-found "public /metrics: a problem"
# JSON listed before text/html: a problem, as the program decides too.
req GET /static/missing.css -H 'Accept: application/json, text/html'
assert_eq "$(header Content-Type | cut -d';' -f1)" application/problem+json "JSON first: problem+json"
req GET /static/missing.css
assert_eq "$(header Content-Type | cut -d';' -f1)" application/problem+json "no Accept: problem+json"

# A body over the web server's limit (1 MiB): 413 in both forms, nothing made.
head -c 1100000 /dev/zero | tr '\0' a > "$T/big"
before=$(sql 'SELECT count(*) FROM todos')
req POST /todos -H "$HTML" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$T/big"
assert_status 413 "a big form"
assert_eq "$(header Content-Type | cut -d';' -f1)" text/html "413 page"
assert_contains "$BODY" '<h1>Too much to send</h1>' "413 page h1"
assert_contains "$BODY" '<a href="/">' "413 page: a link home"
req POST /todos -H "$JSON" -H 'Content-Type: application/json' -H 'Idempotency-Key: edge-3' \
    --data-binary @"$T/big"
assert_status 413 "a big body"
assert_eq "$(header Content-Type | cut -d';' -f1)" application/problem+json "413 problem"
assert_eq "$(jget "$BODY" '$.type')" /problems/body-too-large "413 type"
assert_eq "$(jget "$BODY" '$.status')" 413 "413 status member"
assert_eq "$(sql 'SELECT count(*) FROM todos')" "$before" "nothing made"

# A request line over 8 KiB (read before any header: problem+json) and a
# header over 8 KiB (HTML for a browser that said so first). Apache answers
# these before any site configuration applies: the status alone is checked
# there.
long=$(head -c 10000 /dev/zero | tr '\0' q)
req GET "/todos?x=$long" -H "$HTML"
assert_status 414 "a long request line"
if [ "$FRONTEND" = nginx ]; then
    assert_eq "$(header Content-Type | cut -d';' -f1)" application/problem+json "414 problem"
    assert_eq "$(jget "$BODY" '$.status')" 414 "414 status member"
    assert_eq "$(jget "$BODY" '$.title')" "URI Too Long" "414 title"
fi
req GET /todos -H "$HTML" -H "X-Padding: $long"
assert_status 400 "a long header"
if [ "$FRONTEND" = nginx ]; then
    assert_eq "$(header Content-Type | cut -d';' -f1)" text/html "400 page"
    assert_contains "$BODY" '<h1>The request could not be read</h1>' "400 page h1"
    req GET /todos -H "$JSON" -H "X-Padding: $long"
    assert_status 400 "a long header from a client"
    assert_eq "$(jget "$BODY" '$.type')" /problems/bad-request "400 type"
fi

# The program's own 404 still comes from the program.
req GET /todos/999999 -H "$JSON"
assert_status 404 "the program's 404"
assert_eq "$(jget "$BODY" '$.type')" /problems/not-found "the program's problem"
assert_ne "$(jget "$BODY" '$.detail')" "There is nothing at this address." "the program's own detail"
pass
