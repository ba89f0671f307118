#!/bin/bash
# A host frozen inside a transaction for longer than the server lets a
# session idle in one (idle_in_transaction_session_timeout, 3 s here): the
# server ends that session and frees the key. Instance 1 (its write
# transactions held open 2 s) takes a keyed POST and is stopped (SIGSTOP)
# half a second in; after the limit, the same key sent to instance 2 is
# created there, once. When instance 1 is continued, its change fails
# with a 503 that says to retry, never a second 201; that retry replays
# instance 2's answer byte for byte. One todo, one key row.
. "$(dirname "$0")/lib.sh"
psql -XAtq -c "ALTER SYSTEM SET idle_in_transaction_session_timeout = '3s'" \
    -c "SELECT pg_reload_conf()" > /dev/null
INST_ENV[1]="TODO_TEST_TXN_DELAY_MS=2000"
mh_start
KEY=frozen-long DATA='{"title":"Held past the limit"}'

# The program keeps the server's own limit, not its 30 s default.
assert_eq "$(psql -XAtq -c 'SHOW idle_in_transaction_session_timeout')" 3s "the server's limit"

freeze_holding "$KEY" "$DATA"

# Past the limit the server has ended the frozen session: the key is free.
i=0
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")" = 0 ]; do
    i=$((i + 1))
    [ $i -le 100 ] || fail "the frozen session was not ended"
    sleep 0.1
done
assert_eq "$(kpost "$BASE2" "$KEY" "$DATA" "$T/second")" 201 "the key is created on instance 2"
assert_eq "$(hget "$T/second.headers" Idempotent-Replayed)" "" "a first answer, not a replay"
assert_eq "$(sql "SELECT count(*) FROM todos")" 1 "one todo"

# shellcheck disable=SC2086
kill -CONT $FROZEN
wait "$FIRST" || true
assert_eq "$(cat "$T/first.status")" 503 "the frozen change fails, and says so"
assert_eq "$(hget "$T/first.headers" Retry-After)" 1 "with Retry-After"
assert_eq "$(hget "$T/first.headers" Content-Type)" application/problem+json "as a problem"

# Its retry, through any instance, gets instance 2's answer.
for b in "$BASE1" "$BASE" "$BASE3"; do
    assert_eq "$(kpost "$b" "$KEY" "$DATA" "$T/retry")" 201 "the retry via $b"
    assert_eq "$(hget "$T/retry.headers" Idempotent-Replayed)" true "replayed via $b"
    cmp -s "$T/retry.body" "$T/second.body" || fail "the retry via $b differs from the first answer"
    CHECKS=$((CHECKS + 1))
done
assert_eq "$(sql "SELECT count(*) FROM todos")" 1 "still one todo"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = '$KEY' AND status = 201")" 1 \
    "one key row, recorded"
assert_eq "$(integrity)" ok "integrity (pg_amcheck)"
pass
