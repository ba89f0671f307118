#!/bin/bash
# Durability as the disk sees it: the program runs under strace, and for a
# keyed create, a replay and a plain create the trace shows whether the
# write-ahead log was synced after the commit's last write to it and before
# the answer left for nginx. group (the default) and full must sync first;
# normal is the documented exception. Under group, the shared commit counts
# in the writers' lock file must show every commit covered by a sync.
. "$(dirname "$0")/../lib.sh"
command -v strace > /dev/null || { echo "FAIL: strace is needed" >&2; exit 1; }

REAL_BIN=$BIN
BIN=$T/traced
cat > "$BIN" <<EOF
#!/bin/sh
exec strace -f -qq -y -s 128 -o "\$TRACE" \
    -e trace=write,pwrite64,writev,sendto,sendmsg,fsync,fdatasync "$REAL_BIN" "\$@"
EOF
chmod +x "$BIN"

# TODO_PID is strace: the program is its child, and strace, told to stop,
# would only let go of it. Stop the program; strace then ends by itself.
stop_traced() {
    local p
    for p in $(pgrep -P "${TODO_PID:-0}" 2>/dev/null || true); do stop_pid "$p"; done
    stop_pid "$TODO_PID"
    TODO_PID=
}
trap 'rc=$?; stop_pid "$NGINX_PID"; stop_traced; (exit $rc); stack_stop' EXIT

# synced_before_answer TRACE STATUS: for each answer with STATUS, whether
# every write to the log before it was followed by a sync of the log (by any
# process: a sync flushes the file, whoever wrote it). One worker, so the
# trace is in order. Prints one "yes" or "no" per answer.
synced_before_answer() {
    awk -v status="Status: $2" '
        /(pwrite64|write)\([0-9]+<[^>]*-wal>/ { dirty = 1 }
        /(fsync|fdatasync)\([0-9]+<[^>]*-wal>/ { dirty = 0 }
        index($0, status) && /(write|writev|sendto|sendmsg)\([0-9]+<(UNIX|socket)/ {
            print dirty ? "no" : "yes"
        }' "$1"
}

# run MODE: one keyed create, its replay and a plain create, traced.
run() {
    export TRACE=$T/trace.$1
    stack_start --sync "$1" --workers 1
    req POST /todos -H 'Content-Type: application/json' -H "Idempotency-Key: d-$1" \
        -d '{"title":"Durable"}'
    assert_status 201 "$1: keyed create"
    req POST /todos -H 'Content-Type: application/json' -H "Idempotency-Key: d-$1" \
        -d '{"title":"Durable"}'
    assert_status 201 "$1: replay"
    assert_eq "$(header Idempotent-Replayed)" true "$1: replay is marked"
    req POST /todos -H 'Content-Type: application/json' -d '{"title":"Plain"}'
    assert_status 201 "$1: plain create"
    stop_pid "$NGINX_PID"
    NGINX_PID=
    stop_traced
    grep -q 'fdatasync\|fsync' "$TRACE" || grep -q 'pwrite64' "$TRACE" ||
        fail "$1: the trace shows no disk writes at all"
}

for mode in group full; do
    run "$mode"
    assert_eq "$(synced_before_answer "$T/trace.$mode" 201 | sort | uniq -c | tr -s ' ')" \
        " 3 yes" "$mode: the log was synced before each of the 3 answers went out"
done

# group's bookkeeping: started = written = synced once all is quiet.
read -r started written synced < <(od -An -t u8 -N 24 -w24 "$DB-writer" | tr -s ' ' | sed 's/^ //')
assert_eq "$started" "$written" "every COMMIT begun has ended"
[ "$synced" -ge "$written" ] || fail "the shared counts say $written commits, $synced synced"
CHECKS=$((CHECKS + 1))
[ "$written" -ge 2 ] || fail "the shared counts saw only $written commits"
CHECKS=$((CHECKS + 1))

run normal
assert_eq "$(synced_before_answer "$T/trace.normal" 201 | head -1)" no \
    "normal: the keyed create is answered before any sync"
assert_eq "$(sql "SELECT count(*) FROM todos")" 6 "two todos from each of the three modes (replays make none)"
pass
