#!/bin/bash
# Runs a command with a throwaway PostgreSQL cluster of its own (tests/pg.sh),
# TODO_PG_DB naming it; the cluster is stopped however the command ends.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/pg.sh"
trap pg_stop EXIT
pg_start
"$@"
