#!/bin/bash
# The JSON API's successful paths: create, read, list with pagination,
# replace, patch, If-Match, delete, health.
. "$(dirname "$0")/../lib.sh"
stack_start

req GET /healthz
assert_status 200
assert_eq "$BODY" '{"status":"ok","read":"ok","write":"ok"}' "health body"

req POST /todos -H 'Content-Type: application/json' \
    -d '{"title":"  Buy milk  ","description":"two litres","is_completed":false}'
assert_status 201 "create"
assert_eq "$(header Location)" /todos/1 "Location"
assert_eq "$(header Content-Type)" application/json "Content-Type"
etag=$(header ETag)
assert_eq "$etag" '"1-1"' "ETag"
assert_eq "$(jget "$BODY" '$.title')" "Buy milk" "title is trimmed"
assert_eq "$(jget "$BODY" '$.description')" "two litres" "description"
assert_eq "$(jget "$BODY" '$.is_completed')" 0 "is_completed"
assert_contains "$(jget "$BODY" '$.created_at')" "Z" "created_at is UTC"
assert_eq "$(sql 'SELECT title FROM todos WHERE id = 1')" "Buy milk" "stored row"

req GET /todos/1
assert_status 200 "get"
assert_eq "$(header ETag)" "$etag" "ETag on GET"
assert_eq "$(jget "$BODY" '$.id')" 1 "id"

req GET /todos/999
assert_status 404 "unknown id"
assert_eq "$(header Content-Type)" application/problem+json "404 is a problem"

# Five more, then page through them two at a time, newest first.
for i in 2 3 4 5 6; do
    req POST /todos -H 'Content-Type: application/json' -d "{\"title\":\"t$i\"}"
    assert_status 201 "create $i"
done
req GET '/todos?limit=2'
assert_status 200 "list"
assert_eq "$(jget "$BODY" '$.items[0].id')" 6 "newest first"
assert_eq "$(jget "$BODY" '$.items[1].id')" 5 "second newest"
assert_eq "$(jget "$BODY" '$.items[2].id')" "" "limit honoured"
cursor=$(jget "$BODY" '$.next_cursor')
assert_ne "$cursor" "" "next_cursor"
req GET "/todos?limit=2&cursor=$cursor"
assert_eq "$(jget "$BODY" '$.items[0].id')" 4 "second page"
req GET '/todos?limit=200'
assert_eq "$(jget "$BODY" '$.items[5].id')" 1 "all six"
assert_eq "$(jget "$BODY" '$.next_cursor')" "" "no next page"
assert_contains "$BODY" '"next_cursor":null' "next_cursor null"
req GET /todos
assert_eq "$(sqlite3 :memory: "SELECT json_array_length('$BODY', '\$.items')")" 6 "default limit covers all"

# PUT replaces everything and bumps the ETag.
req PUT /todos/1 -H 'Content-Type: application/json' -H "If-Match: $etag" \
    -d '{"title":"Buy oat milk","description":null,"is_completed":true}'
assert_status 200 "put"
assert_eq "$(jget "$BODY" '$.title')" "Buy oat milk" "put title"
assert_eq "$(jget "$BODY" '$.description')" "" "put description null"
assert_contains "$BODY" '"description":null' "description is null"
assert_eq "$(jget "$BODY" '$.is_completed')" 1 "put completed"
new_etag=$(header ETag)
assert_ne "$new_etag" "$etag" "ETag changes"

# The old ETag is stale now.
req PUT /todos/1 -H 'Content-Type: application/json' -H "If-Match: $etag" \
    -d '{"title":"stale","description":null,"is_completed":false}'
assert_status 412 "stale If-Match on PUT"
assert_eq "$(sql 'SELECT title FROM todos WHERE id = 1')" "Buy oat milk" "412 changes nothing"
req PATCH /todos/1 -H 'Content-Type: application/merge-patch+json' -H "If-Match: $etag" \
    -d '{"title":"stale"}'
assert_status 412 "stale If-Match on PATCH"

# PATCH sets only what it names.
req PATCH /todos/1 -H 'Content-Type: application/merge-patch+json' -H "If-Match: $new_etag" \
    -d '{"description":"any brand"}'
assert_status 200 "patch"
assert_eq "$(jget "$BODY" '$.title')" "Buy oat milk" "patch keeps title"
assert_eq "$(jget "$BODY" '$.description')" "any brand" "patch sets description"
assert_eq "$(jget "$BODY" '$.is_completed')" 1 "patch keeps is_completed"
req PATCH /todos/1 -H 'Content-Type: application/json' -H 'If-Match: *' -d '{"is_completed":false}'
assert_status 200 "patch with application/json and If-Match *"
assert_eq "$(sql 'SELECT is_completed FROM todos WHERE id = 1')" 0 "patched row"

req PUT /todos/999 -H 'Content-Type: application/json' \
    -d '{"title":"x","description":null,"is_completed":false}'
assert_status 404 "put unknown"
req PATCH /todos/999 -H 'Content-Type: application/json' -d '{"title":"x"}'
assert_status 404 "patch unknown"

req DELETE /todos/1
assert_status 204 "delete"
assert_eq "$BODY" "" "204 has no body"
req DELETE /todos/1
assert_status 204 "delete again"
req DELETE /todos/424242
assert_status 204 "delete unknown"
req GET /todos/1
assert_status 404 "gone"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 5 "rows left"

req HEAD /todos/2
assert_status 200 "HEAD"
assert_eq "$(header ETag)" '"2-1"' "HEAD has the headers"
pass
