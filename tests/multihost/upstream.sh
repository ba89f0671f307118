#!/bin/bash
# The harness itself: three instances up, each healthy on its own port,
# the round-robin upstream reaching each in turn, the schema migrated once
# although the three started together.
. "$(dirname "$0")/lib.sh"
mh_start
for n in 1 2 3; do
    STATUS=$(curl -s -o "$T/body" -w '%{http_code}' --max-time 2 "$(base_of $n)/healthz")
    BODY=$(cat "$T/body")
    assert_status 200 "instance $n /healthz on its own port"
    assert_eq "$BODY" '{"status":"ok","read":"ok","write":"ok"}' "instance $n /healthz body"
done
assert_eq "$(ps -o pid= --ppid "${INST_PID[1]}" | wc -l)" 2 "instance 1 runs 2 workers"
mark=$(log_mark)
for i in $(seq 1 6); do
    req GET /healthz
    assert_status 200 "/healthz through the upstream"
done
for n in 1 2 3; do
    assert_eq "$(log_since $n "$mark" | grep -c ' GET /healthz 200 ')" 2 \
        "round-robin: instance $n served 2 of 6"
done
assert_eq "$(sql 'SELECT version FROM schema_version')" 3 "migrated once, to version 3"
pass
