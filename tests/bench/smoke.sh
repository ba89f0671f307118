#!/bin/bash
# `make bench QUICK=1` as a smoke test: every system and workload runs and
# answers without errors. Speed is the benchmark's business, not a test's:
# nothing here depends on timing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
QUICK=1 bash "$ROOT/tests/bench/bench.sh" > /dev/null
table=$ROOT/build/bench.md
cat "$table"
for row in "A: nginx return 200" "B: bare FastCGI" "keyed_create" "replay" "get_id" \
    "get_list" "form_create" "mix"; do
    line=$(grep -F "| $row |" "$table" | head -1)
    [ -n "$line" ] || { echo "FAIL: no row for $row" >&2; exit 1; }
    rps=$(echo "$line" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
    errors=$(echo "$line" | awk -F'|' '{gsub(/ /, "", $8); print $8}')
    awk -v r="$rps" 'BEGIN { exit !(r + 0 > 0) }' ||
        { echo "FAIL: $row served nothing ($rps req/s)" >&2; exit 1; }
    [ "$errors" = 0 ] || { echo "FAIL: $row had $errors errors" >&2; exit 1; }
done
for wl in keyed_create replay get_id; do
    line=$(grep -F "| peer: FastAPI + SQLAlchemy | $wl |" "$table" | head -1)
    rps=$(echo "$line" | awk -F'|' '{gsub(/ /, "", $5); print $5}')
    awk -v r="$rps" 'BEGIN { exit !(r + 0 > 0) }' ||
        { echo "FAIL: the peer served nothing for $wl" >&2; exit 1; }
done
grep -q "Product over peer at 16 connections: keyed_create" "$table" ||
    { echo "FAIL: no comparison with the peer" >&2; exit 1; }
grep -q "peak RSS per worker" "$table" || { echo "FAIL: no memory figures" >&2; exit 1; }
echo "12 passed, 0 failed"
