#!/bin/bash
# The README's backup recipes, taken while the service runs, restore to a
# working database: same todos, and keys that still replay.
. "$(dirname "$0")/../lib.sh"
stack_start
J='Content-Type: application/json'

for i in $(seq 1 20); do
    req POST /todos -H "$J" -H "Idempotency-Key: b-$i" -d "{\"title\":\"todo $i\"}"
    assert_status 201 "create $i"
done
# Writes go on while the backups are taken.
for i in $(seq 21 40); do
    curl -s -o /dev/null --max-time 10 -X POST "$BASE/todos" -H "$J" \
        -H "Idempotency-Key: b-$i" -d "{\"title\":\"todo $i\"}" &
    JOBS+=($!)
done
if [ "$ENGINE" = postgresql ]; then
    # pg_dump's snapshot is one transaction: each todo comes with its key.
    pg_dump -Fc -f "$T/todo.dump" todo
    wait_jobs
    createdb restored
    pg_restore -d restored "$T/todo.dump"
    n=$(psql -XAtq -d restored -c 'SELECT count(*) FROM todos')
    k=$(psql -XAtq -d restored -c 'SELECT count(*) FROM idempotency_keys')
    [ "$n" -ge 20 ] && [ "$n" -le 40 ] || fail "the restored database has $n todos"
    CHECKS=$((CHECKS + 1))
    assert_eq "$k" "$n" "restored: every todo has its key row"
    top=$(psql -XAtq -d restored -c 'SELECT max(id) FROM todos')
    assert_eq "$(psql -XAtq -d restored -c 'SELECT version FROM schema_version')" \
        "$(sql 'SELECT version FROM schema_version')" "restored schema version"
    # A new todo in the restored database gets an id past every restored one.
    stop_pid "$NGINX_PID"; stop_pid "$TODO_PID"; NGINX_PID= TODO_PID=
    DB=${DB/dbname=todo/dbname=restored}
    stack_start
    req POST /todos -H "$J" -H 'Idempotency-Key: b-7' -d '{"title":"todo 7"}'
    assert_status 201 "replay from the restored database"
    assert_eq "$(header Idempotent-Replayed)" true "replayed"
    assert_eq "$(header Location)" /todos/7 "same todo"
    req POST /todos -H "$J" -H 'Idempotency-Key: b-new' -d '{"title":"after restore"}'
    assert_status 201 "a create after the restore"
    [ "$(jget "$BODY" '$.id')" -gt "$top" ] || fail "the new id $(jget "$BODY" '$.id') reuses a restored one"
    CHECKS=$((CHECKS + 1))
    pass
    exit 0
fi
sqlite3 "$DB" ".backup '$T/backup.db'"
sqlite3 "$DB" "VACUUM INTO '$T/vacuum.db'"
wait_jobs

for copy in backup.db vacuum.db; do
    assert_eq "$(sqlite3 "$T/$copy" 'PRAGMA integrity_check')" ok "$copy integrity"
    n=$(sqlite3 "$T/$copy" 'SELECT count(*) FROM todos')
    k=$(sqlite3 "$T/$copy" 'SELECT count(*) FROM idempotency_keys')
    [ "$n" -ge 20 ] && [ "$n" -le 40 ] || fail "$copy has $n todos"
    CHECKS=$((CHECKS + 1))
    assert_eq "$k" "$n" "$copy: every todo has its key row"
    assert_eq "$(sqlite3 "$T/$copy" 'PRAGMA user_version')" "$(sql 'PRAGMA user_version')" "$copy schema version"
done

# Serve the restored copy: a retried key replays instead of creating.
stop_pid "$NGINX_PID"; stop_pid "$TODO_PID"; NGINX_PID= TODO_PID=
cp "$T/backup.db" "$DB"
rm -f "$DB-wal" "$DB-shm"
stack_start
req POST /todos -H "$J" -H 'Idempotency-Key: b-7' -d '{"title":"todo 7"}'
assert_status 201 "replay from the restored database"
assert_eq "$(header Idempotent-Replayed)" true "replayed"
assert_eq "$(header Location)" /todos/7 "same todo"
pass
