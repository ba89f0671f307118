#!/bin/bash
# The database file replaced by a backup copy (mv over it) under load.
# Every create started after the replacement and answered 201 is in the
# new file, the others were answered 503 (unavailable or outcome-unknown);
# nothing acknowledged before the replacement leaks into the new file
# (the old file's write-ahead log is not applied to it); the new file
# passes integrity_check; and the service keeps answering. SQLite under
# FastCGI: the writer and the workers' handles on one file.
. "$(dirname "$0")/../lib.sh"
J='Content-Type: application/json'
stack_start

for i in $(seq 1 10); do
    req POST /todos -H "$J" -H "Idempotency-Key: kept-$i" -d "{\"title\":\"kept $i\"}"
    assert_status 201 "a create before the backup"
done
sqlite3 "$DB" ".backup '$T/backup.db'"
cp "$T/backup.db" "$DB.new"

# client N: 40 keyed creates, one line each: start and end (ns), status, title.
client() {
    local n=$1 i t0 st
    for i in $(seq 1 40); do
        t0=$(date +%s%N)
        st=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X POST -H "$J" \
            -H "Idempotency-Key: load-$n-$i" -d "{\"title\":\"load $n $i\"}" "$BASE/todos")
        echo "$t0 $(date +%s%N) $st load $n $i"
    done > "$T/client.$n"
}
for n in 1 2 3; do client "$n" & JOBS+=($!); done
sleep 1
moved=$(date +%s%N)
mv "$DB.new" "$DB"
wait_jobs

# The service keeps answering: a new create is taken within a bounded wait.
retry_503 20 "a create after the file was replaced" \
    POST /todos -H "$J" -H 'Idempotency-Key: after' -d '{"title":"after"}'
assert_status 201 "a create after the replacement"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'after'")" 1 "the create after, in the new file"

cat "$T"/client.* > "$T/all"
before=0 after=0
while read -r t0 t1 st _ n i; do
    case $st in
    201|503) ;;
    *) fail "a create under load answered $st" ;;
    esac
    found=$(sql "SELECT count(*) FROM todos WHERE title = 'load $n $i'")
    if [ "$t0" -gt "$moved" ] && [ "$st" = 201 ]; then
        after=$((after + 1))
        assert_eq "$found" 1 "'load $n $i', acknowledged after the replacement, in the new file"
    fi
    if [ "$t1" -lt "$moved" ]; then
        before=$((before + 1))
        assert_eq "$found" 0 "'load $n $i', answered before the replacement, not in the new file"
    fi
done < "$T/all"
echo "answered before the replacement: $before; acknowledged after it: $after"
[ "$before" -gt 0 ] || fail "no create was answered before the replacement"
for i in $(seq 1 10); do
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'kept $i'")" 1 "todo 'kept $i'"
done
grep -q 'the database file was replaced' "$T/todo.log" || fail "the log does not say the file was replaced"
assert_eq "$(integrity)" ok "integrity_check of the new file"
pass
