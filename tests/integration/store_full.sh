#!/bin/bash
# A full disk: the database on a small tmpfs, filled by another file. Each
# change is answered at once, 201 or 503 unavailable with Retry-After (never
# 500, never a hang), /healthz says writes fail while reads work, and every
# todo acknowledged before is still there. Once the filler is removed, the
# service takes writes again by itself, each retried key makes one todo,
# and the file passes integrity_check. SQLite only (its file is the store).
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'
DATA=$T/data
mkdir -p "$DATA"
mount -t tmpfs -o size=8m tmpfs "$DATA"
# The mount goes with the rest: detached first, then stack_stop as always.
trap 'rc=$?; umount -l "$DATA" 2>/dev/null; (exit $rc); stack_stop' EXIT
[ "$FRONTEND" != apache-cgi ] || chown www-data:www-data "$DATA"
DB=$DATA/todo.db
stack_start

# post KEY TITLE: a keyed create, answered within the harness's bound.
post() {
    timed "a create" POST /todos -H "$J" -H "Idempotency-Key: $1" -d "{\"title\":\"$2\"}"
}

for i in $(seq 1 20); do
    post "before-$i" "before $i"
    assert_status 201 "a create before the disk filled"
done

dd if=/dev/zero of="$DATA/filler" bs=64k 2>/dev/null || true
full=0 acked=()
for i in $(seq 1 60); do
    post "full-$i" "full $i"
    case $STATUS in
    201) acked+=("$i") ;;
    503)
        full=$((full + 1))
        assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "a create on a full disk: type"
        assert_ne "$(header Retry-After)" "" "a create on a full disk: Retry-After"
        ;;
    *) fail "a create on a full disk answered $STATUS" ;;
    esac
    last=$i
    [ $full -lt 5 ] || break
done
[ $full -ge 1 ] || fail "no create was refused on a full disk"
echo "on the full disk: ${#acked[@]} acknowledged, $full refused"

req GET /healthz
assert_status 503 "/healthz on a full disk"
assert_eq "$(header Content-Type)" application/problem+json "/healthz on a full disk: Content-Type"
assert_eq "$(jget "$BODY" '$.write')" fail "/healthz on a full disk: write"
# Plain CGI opens the file for each request, and the open itself needs room
# (SQLite's shared memory file): reads fail there too, answered alike.
if [ "$FRONTEND" != apache-cgi ]; then
    assert_eq "$(jget "$BODY" '$.read')" ok "/healthz on a full disk: read"
    req GET /todos?limit=5
    assert_status 200 "a read on a full disk"
else
    req GET /todos?limit=5
    assert_status 503 "a read on a full disk, under plain CGI"
    assert_eq "$(jget "$BODY" '$.type')" /problems/unavailable "a read on a full disk: type"
fi
if [ "$FRONTEND" != apache-cgi ]; then
    curl -s "$MBASE/metrics" > "$T/metrics"
    grep -q '^todo_store_write_up 0$' "$T/metrics" || fail "todo_store_write_up is not 0 on a full disk"
fi

rm -f "$DATA/filler"
# The refused keys, retried until they are taken: the service recovers alone.
deadline=$(( $(date +%s) + 30 ))
for i in $(seq 1 "$last"); do
    case " ${acked[*]} " in *" $i "*) continue ;; esac
    post "full-$i" "full $i"
    while [ "$STATUS" = 503 ]; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "writes still refused 30 s after the disk had room"
        sleep 0.5
        post "full-$i" "full $i"
    done
    assert_status 201 "a refused create retried once the disk has room"
done

for i in $(seq 1 20); do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'before $i'")" 1 "todo 'before $i'"
done
for i in "${acked[@]}"; do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'full $i'")" 1 "acknowledged todo 'full $i'"
done
for i in $(seq 1 "$last"); do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'full $i'")" 1 "one todo for key full-$i"
done
req GET /healthz
for i in $(seq 1 20); do [ "$STATUS" = 200 ] && break; sleep 0.5; req GET /healthz; done
assert_status 200 "/healthz once the disk has room"
assert_eq "$(jget "$BODY" '$.write')" ok "/healthz once the disk has room: write"
assert_eq "$(integrity)" ok "integrity_check"
pass
