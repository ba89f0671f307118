#!/bin/bash
# Builds everything again with clang, -Werror, AddressSanitizer and
# UndefinedBehaviorSanitizer into build/san, then runs the unit tests and the
# core integration scripts against that build. Any sanitizer report aborts
# the process that made it, which fails the test.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
make --no-print-directory SAN=1 CC=clang BUILD=build/san BIN=build/san/todo.fcgi \
    build/san/todo.fcgi units >/dev/null
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in build/san/unit/test_*; do
    echo "== $t"
    case $t in
    */test_pg) bash tests/with_pg.sh "$t" ;;	# the engine against a cluster of its own
    *) "$t" ;;
    esac
done
for s in api_crud api_errors idempotency idempotency_parallel concurrency form page hostile cgi scope \
    outcome_unknown half_close metrics clock_step idle_sockets writer_stall store_removed \
    store_replaced; do
    echo "== $s (sanitizer build)"
    TODO_BIN=$ROOT/build/san/todo.fcgi bash "tests/integration/$s.sh"
done
for s in api_crud idempotency idempotency_parallel form page crash; do
    echo "== $s (sanitizer build, PostgreSQL)"
    ENGINE=postgresql TODO_BIN=$ROOT/build/san/todo.fcgi bash "tests/integration/$s.sh"
done
echo "sanitizer build: all passed"
