#!/bin/bash
# A worker that keeps dying by itself is restarted after a wait that
# doubles with each quick death (1 s, 2 s, 4 s: no crash loop spinning the
# master), while one killed with SIGKILL from outside is restarted at once;
# the service answers again after each restart and the metrics count them.
. "$(dirname "$0")/../lib.sh"
ulimit -c 0	# the crashes below leave no core files
stack_start --workers 1

writer=$(sed -n 's/^writer \([0-9]*\) started$/\1/p' "$T/todo.log" | tail -1)

# worker_pid [NOT]: the one worker's pid once it is running (other than NOT).
worker_pid() {
    local i pid
    for i in $(seq 1 150); do
        pid=$(pgrep -P "$TODO_PID" | grep -vx "${writer:-none}" | grep -vx "${1:-none}" | head -1 || true)
        [ -n "$pid" ] && { echo "$pid"; return 0; }
        sleep 0.1
    done
    fail "no worker running after 15 s"
}

# metric NAME{LABELS}: a sample's value on the metrics listener.
metric() {
    curl -s "$MBASE/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# crash SIGNAL WANT_MS: sends SIGNAL to the worker, waits for the next, and
# checks the wait the log gives; sets MS to how long the restart took.
crash() {
    local sig=$1 want=$2 t0 new
    t0=$(date +%s%N)
    kill -"$sig" "$pid"
    new=$(worker_pid "$pid")
    MS=$((($(date +%s%N) - t0) / 1000000))
    assert_contains "$(cat "$T/todo.log")" \
        "worker $pid killed by signal $(kill -l "$sig"); restarting in $want ms" \
        "the log gives the wait after SIG$sig ($want ms)"
    pid=$new
}

before=$(metric 'todo_process_restarts_total{process="worker"}')
pid=$(worker_pid)
for want in 1000 2000 4000; do
    crash ABRT "$want"
    # The master waits at least that long; the upper bound is generous.
    CHECKS=$((CHECKS + 1))
    [ "$MS" -ge $((want - 100)) ] || fail "worker restarted after $MS ms, before its $want ms wait"
    [ "$MS" -le $((want + 10000)) ] || fail "worker restarted after $MS ms, long after its $want ms wait"
    req GET /healthz
    assert_status 200 "health after the restart that waited $want ms"
done

# Killed from outside: not a loop of its own, restarted at once.
crash KILL 0
CHECKS=$((CHECKS + 1))
[ "$MS" -le 5000 ] || fail "worker killed by SIGKILL restarted after $MS ms"
req POST /todos -H 'Content-Type: application/json' -H 'Idempotency-Key: after-restarts' \
    -d '{"title":"after the restarts"}'
assert_status 201 "a create after the restarts"
assert_eq "$(metric 'todo_process_restarts_total{process="worker"}')" "$((before + 4))" \
    "four worker restarts counted"
assert_eq "$(grep -c 'restarting in' "$T/todo.log")" 4 "four restarts logged, no more"
pass
