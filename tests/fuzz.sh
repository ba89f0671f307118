#!/bin/bash
# The fuzzers in their short form: each target for 30 s in CI, 10 s otherwise
# (`make fuzz` runs them for a minute each, FUZZ_SECONDS to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10
[ "${CI:-}" = true ] && seconds=30
make --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-$seconds}"
