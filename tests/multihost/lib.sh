#!/bin/bash
# Shared harness for the multi-host tests, sourced by each script: three
# instances of the program (three master processes, as three hosts would
# run them, 2 workers each) share one throwaway PostgreSQL cluster, behind
# one nginx rendered from tests/multihost/nginx.conf.in:
#   $BASE            round-robin over the three (fastcgi_next_upstream on)
#   $BASE1..$BASE3   one instance each, no failover
# Instance n listens on $T/todo<n>.sock and logs (its access log too) to
# $T/todo<n>.log. An EXIT trap stops the instances, nginx, the client jobs
# in JOBS and the cluster, however the script ends.
MH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# These tests are about several hosts on one shared database server.
ENGINE=postgresql
. "$MH_DIR/../lib.sh"

MH_N=3
INST_PID=()	# [n]: instance n's master process
INST_ENV=()	# [n]: "VAR=value ..." for instance n's environment (set before mh_start)
PORTS=()

# A free port no other of this harness's servers has taken.
mh_port() {
    local p i=0 q
    while [ $i -lt 20 ]; do
        p=$("$ROOT/build/freeport")
        for q in "${PORTS[@]}"; do [ "$q" != "$p" ] || p=; done
        if [ -n "$p" ]; then PORTS+=("$p"); echo "$p"; return 0; fi
        i=$((i + 1))
    done
    echo "no free port" >&2
    return 1
}

mh_render() {
    local user=""
    [ "$(id -u)" = 0 ] && user="user root root;"
    mkdir -p "$T/tmp"
    sed -e "s|@USER@|$user|" -e "s|@PREFIX@|$T|g" -e "s|@PORT@|$PORT|g" \
        -e "s|@PORT1@|$PORT1|g" -e "s|@PORT2@|$PORT2|g" -e "s|@PORT3@|$PORT3|g" \
        -e "s|@PARAMS@|$ROOT/nginx/todo_fastcgi_params|g" "$MH_DIR/nginx.conf.in" > "$T/nginx.conf"
}

# The base URL of instance n's own port.
base_of() {
    eval "echo \$BASE$1"
}

# inst_start N: starts instance N with INST_ENV[N] in its environment.
inst_start() {
    local n=$1
    # shellcheck disable=SC2086
    env ${INST_ENV[n]:-} "$BIN" --socket "$T/todo$n.sock" --db "$DB" --workers 2 \
        2>> "$T/todo$n.log" &
    INST_PID[n]=$!
}

# inst_wait N: until instance N answers /healthz 200 on its own port (10 s at most).
inst_wait() {
    local n=$1 i=0 base
    base=$(base_of "$n")
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$base/healthz")" = 200 ]; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "instance $n did not come up"
        sleep 0.1
    done
}

# The worker processes of instance N, one pid a line.
inst_workers() {
    [ -n "${INST_PID[$1]:-}" ] || return 0
    pgrep -P "${INST_PID[$1]}" || true
}

# inst_kill N: SIGKILL to instance N's workers, then to its master, as a
# host that loses power would go (nothing of it runs any cleanup).
inst_kill() {
    local n=$1 pid=${INST_PID[$1]:-}
    [ -n "$pid" ] || return 0
    pkill -9 -P "$pid" 2>/dev/null || true
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    INST_PID[n]=
}

# inst_stop N: a clean stop (SIGTERM to the master); stopped workers are
# continued first, and any worker still there after its master is killed.
inst_stop() {
    local n=$1 pid=${INST_PID[$1]:-} kids
    [ -n "$pid" ] || return 0
    kids=$(pgrep -P "$pid" || true)
    # shellcheck disable=SC2086
    [ -z "$kids" ] || kill -CONT $kids 2>/dev/null || true
    stop_pid "$pid"
    # shellcheck disable=SC2086
    [ -z "$kids" ] || kill -9 $kids 2>/dev/null || true
    INST_PID[n]=
}

# Starts the three instances (together: they migrate the new database
# under one advisory lock), then nginx; returns once each instance and the
# round-robin port answer /healthz 200.
mh_start() {
    local n i=0
    PORT=$(mh_port) PORT1=$(mh_port) PORT2=$(mh_port) PORT3=$(mh_port)
    # mh_port ran in subshells: keep the four apart for any later call.
    PORTS=("$PORT" "$PORT1" "$PORT2" "$PORT3")
    BASE=http://127.0.0.1:$PORT
    BASE1=http://127.0.0.1:$PORT1 BASE2=http://127.0.0.1:$PORT2 BASE3=http://127.0.0.1:$PORT3
    mh_render
    for n in $(seq 1 $MH_N); do inst_start "$n"; done
    nginx -p "$T" -c "$T/nginx.conf" 2>> "$T/error.log" &
    NGINX_PID=$!
    for n in $(seq 1 $MH_N); do inst_wait "$n"; done
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/healthz")" = 200 ]; do
        i=$((i + 1))
        [ $i -le 100 ] || fail "nginx did not come up"
        sleep 0.1
    done
}

mh_stop() {
    local rc=$? n pid
    set +e
    for pid in "${JOBS[@]}"; do
        pkill -P "$pid" 2>/dev/null
        kill "$pid" 2>/dev/null
    done
    stop_pid "$NGINX_PID"
    NGINX_PID=
    for n in $(seq 1 $MH_N); do inst_stop "$n"; done
    if [ $rc -ne 0 ]; then
        for n in $(seq 1 $MH_N); do
            echo "--- instance $n log (last 40 lines)" >&2
            tail -n 40 "$T/todo$n.log" >&2 2>/dev/null
        done
        echo "--- nginx access log (last 40 lines)" >&2
        tail -n 40 "$T/access.log" >&2 2>/dev/null
    fi
    # MH_KEEP=DIR keeps a copy of the run's files (logs, answers) for a post-mortem.
    if [ -n "${MH_KEEP:-}" ]; then
        rm -rf "$MH_KEEP" && cp -r "$T" "$MH_KEEP"
        [ -z "${PG_DIR:-}" ] || cp "$PG_DIR/server.log" "$MH_KEEP/postgresql.log"
    fi
    (exit $rc)
    stack_stop
}
trap mh_stop EXIT
# A stop from outside (ctest's timeout, ^C) goes through the same cleanup, as a failure.
trap 'exit 143' TERM
trap 'exit 130' INT

# Milliseconds since the epoch, the scripts' own clock for windows.
now_ms() {
    local t=${EPOCHREALTIME/./}
    echo "${t%???}"
}

# kpost BASE KEY JSON OUT: one keyed POST /todos; the body in OUT.body, the
# headers in OUT.headers; prints the status (000 when no answer).
kpost() {
    curl -s --max-time "${KPOST_MAX_TIME:-20}" -o "$4.body" -D "$4.headers" -w '%{http_code}' \
        -X POST "$1/todos" -H 'Content-Type: application/json' -H "Idempotency-Key: $2" \
        -d "$3" || true
}

# hget FILE NAME: a header's value from a saved header file, or "".
hget() {
    awk -v n="$(echo "$2" | tr 'A-Z' 'a-z')" 'BEGIN { FS = ": " }
        { sub(/\r$/, "") }
        tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }' "$1"
}

# Line counts of the instances' logs, "a b c": a mark for log_since.
log_mark() {
    local n out=""
    for n in $(seq 1 $MH_N); do
        out="$out $(wc -l < "$T/todo$n.log" 2>/dev/null || echo 0)"
    done
    echo $out
}

# log_since N MARK: instance N's log lines written after MARK.
log_since() {
    local n=$1 from
    from=$(echo "$2" | awk -v n="$n" '{ print $n }')
    tail -n +"$((from + 1))" "$T/todo$n.log"
}

# check_acknowledged ANSWERED: after a load of keyed creates whose clients
# wrote "KEY CODE TRIES" lines to $T/all.log and each first answer to
# $T/out/KEY.body: every acknowledged key has exactly one todo, the one
# with its title, nothing else was made, and every key replays its first
# answer byte for byte, whichever instance it reaches.
check_acknowledged() {
    local answered=$1 bad=0 key code try c i got
    assert_eq "$(integrity)" ok "integrity (pg_amcheck)"
    assert_eq "$(sql 'SELECT count(*) FROM todos')" "$answered" "one todo per answered key"
    assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" "$answered" "one key row per answered key"
    assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys WHERE status = 0 OR todo_id IS NULL')" 0 \
        "no key row left claimed but unrecorded"
    assert_eq "$(sql 'SELECT count(*) FROM todos WHERE id NOT IN (SELECT todo_id FROM idempotency_keys)')" 0 \
        "no todo without its key row"
    assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys WHERE todo_id NOT IN (SELECT id FROM todos)')" 0 \
        "no key row without its todo"
    assert_eq "$(sql "SELECT count(*) FROM (SELECT title FROM todos GROUP BY title HAVING count(*) > 1) AS dup")" 0 \
        "no duplicate todo"
    awk '{ print $1 }' "$T/all.log" | sort > "$T/keys.want"
    sql "SELECT k.key FROM idempotency_keys k JOIN todos t ON t.id = k.todo_id
         WHERE t.title = 'client ' || split_part(substr(k.key, 2), '-', 1) || ' item ' || split_part(k.key, '-', 2)
         ORDER BY 1" | sort > "$T/keys.have"
    assert_eq "$(comm -3 "$T/keys.want" "$T/keys.have")" "" "every acknowledged key maps to its own todo"
    while read -r key code try; do
        c=${key%%-*}; c=${c#c}; i=${key#*-}
        got=$(kpost "$BASE" "$key" "{\"title\":\"client $c item $i\"}" "$T/replay")
        if [ "$got" != "$code" ] || [ "$(hget "$T/replay.headers" Idempotent-Replayed)" != true ] ||
            ! cmp -s "$T/replay.body" "$T/out/$key.body"; then
            bad=$((bad + 1))
            echo "key $key: answered $code first, now $got" >&2
        fi
    done < "$T/all.log"
    assert_eq "$bad" 0 "every key replays its first answer"
}

# freeze_holding KEY JSON: a keyed POST to instance 1 (run with a
# TODO_TEST_TXN_DELAY_MS that holds its transaction open), then, once its
# transaction is open with the key claimed, its workers stopped (SIGSTOP).
# Sets FIRST (the client's pid; answer in $T/first.*) and FROZEN (the
# stopped workers, for kill -CONT).
freeze_holding() {
    KPOST_MAX_TIME=60 kpost "$BASE1" "$1" "$2" "$T/first" > "$T/first.status" &
    FIRST=$!
    JOBS+=("$FIRST")
    sleep 0.5
    assert_eq "$(sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" 1 \
        "instance 1 holds a transaction open"
    FROZEN=$(inst_workers 1)
    assert_eq "$(echo "$FROZEN" | wc -l)" 2 "instance 1 has 2 workers to freeze"
    # shellcheck disable=SC2086
    kill -STOP $FROZEN
}
