#!/bin/bash
# The systemd unit passes `systemd-analyze verify` (with ExecStart pointed at
# the binary just built) and keeps its hardening settings.
. "$(dirname "$0")/../lib.sh"

unit=$T/todo.service
sed "s|/usr/local/bin/todo.fcgi|$BIN|" "$ROOT/nginx/todo.service" > "$unit"
out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
CHECKS=$((CHECKS + 1))
assert_eq "$(printf %s "$out" | grep -c "$unit" || true)" 0 "no warnings about the unit: $out"
for setting in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes StateDirectory=todo \
    RuntimeDirectory=todo RuntimeDirectoryMode=0750 User=todo; do
    assert_contains "$(cat "$unit")" "$setting" "unit sets $setting"
done
pass
