#!/bin/bash
# `make bench QUICK=1` as a smoke test: every system and workload runs and
# answers without errors. Speed is the benchmark's business, not a test's:
# nothing here depends on timing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
QUICK=1 bash "$ROOT/tests/bench/bench.sh" > /dev/null
table=$ROOT/build/bench.md
cat "$table"
checks=0

# check WHAT PATTERN RPS_FIELD ERRORS_FIELD: the first table row matching
# PATTERN served requests, and without errors when ERRORS_FIELD is not 0.
check() {
    local line rps errors
    line=$(grep -E "$2" "$table" | head -1)
    [ -n "$line" ] || { echo "FAIL: no row for $1" >&2; exit 1; }
    rps=$(echo "$line" | awk -F'|' -v f="$3" '{gsub(/ /, "", $f); print $f}')
    awk -v r="$rps" 'BEGIN { exit !(r + 0 > 0) }' ||
        { echo "FAIL: $1 served nothing ($rps req/s)" >&2; exit 1; }
    if [ "$4" != 0 ]; then
        errors=$(echo "$line" | awk -F'|' -v f="$4" '{gsub(/ /, "", $f); print $f}')
        [ "$errors" = 0 ] || { echo "FAIL: $1 had $errors errors" >&2; exit 1; }
    fi
    checks=$((checks + 1))
}

check "ceiling A" '^\| A: nginx return 200 \|' 5 8
for wl in keyed_create replay get_id get_list form_create mix; do
    check "ceiling B on $wl" "^\| B: bare FastCGI \| $wl \|" 5 8
    check "the product's $wl" "^\| product \| $wl \|" 5 8
done
for wl in keyed_create replay get_id; do
    check "the peer's $wl" "^\| peer: FastAPI \+ SQLAlchemy \| $wl \|" 5 0
done
# PostgreSQL: the product on the cluster, and the server's own ceilings (pgbench).
for wl in keyed_create replay get_id get_list mix; do
    check "product-pg's $wl" "^\| product-pg \| $wl \|" 5 8
done
check "ceiling pg-create" '^\| pg-create \| keyed_create \|' 5 8
check "ceiling pg-create-2row" '^\| pg-create-2row \| keyed_create \|' 5 8
check "ceiling pg-select" '^\| pg-select \| get_id \|' 5 8
grep -Eq "^\| product-pg \| keyed_create \| .*[0-9.]+ of pg-create \(target ≥ 0\.50\); [0-9.]+ of pg-create-2row; [0-9.]+× peer" "$table" ||
    { echo "FAIL: product-pg's keyed creates not set against their ceilings" >&2; exit 1; }
for wl in replay get_id; do
    grep -Eq "^\| product-pg \| $wl \| .*[0-9.]+ of B \(target ≥ 0\.60\)" "$table" ||
        { echo "FAIL: product-pg's $wl not set against B" >&2; exit 1; }
done
grep -Eq "^# make bench: .*product-pg workers .*: fsync on, synchronous_commit on" "$table" ||
    { echo "FAIL: no PostgreSQL settings in the header" >&2; exit 1; }
grep -Eq "^Memory of product-pg .*largest worker [0-9]+ MiB \([0-9]+ KiB\), whole program [0-9]+ MiB" "$table" ||
    { echo "FAIL: no memory figures for product-pg" >&2; exit 1; }
for mode in full group normal; do
    check "keyed creates under TODO_SYNC=$mode" "^\| $mode \|" 3 6
done
grep -q "^Product over peer at 16 connections: keyed_create" "$table" ||
    { echo "FAIL: no comparison with the peer" >&2; exit 1; }
grep -Eq "largest process [0-9]+ MiB \([0-9]+ KiB\), whole program [0-9]+ MiB" "$table" || { echo "FAIL: no memory figures" >&2; exit 1; }
echo "$((checks + 7)) passed, 0 failed"
