#!/bin/bash
# make bench: the product against two ceilings measured in the same run, on
# loopback, with wrk: A = nginx answering by itself, B = a bare libfcgi
# responder behind the same nginx (the FastCGI transport alone), sent the
# same requests as each workload (method, headers, body). Systems are
# interleaved (A B product A B product ...) so drift hits all alike; each
# figure is the median of ROUNDS rounds. The peer, the same API written with
# FastAPI + SQLAlchemy + SQLite (fastapi_todo.py), runs the workloads it has
# in the same rounds. Prints a table and writes it to build/bench.md, and
# every run behind it to build/bench-runs.txt.
# PostgreSQL: a throwaway cluster (tests/pg.sh, fsync and synchronous_commit
# on) seeded as the SQLite database, a second product instance on it
# (product-pg) behind the same nginx, and the server's own ceiling measured
# by pgbench (pg_*.sql: the product's create transaction, a plain two-row
# create, its select by id), all in the same interleaved rounds. PG=0 skips it.
# QUICK=1: one short round, a smoke test with no targets.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/bench
BIN=${TODO_BIN:-$ROOT/cgi-bin/todo.fcgi}
OUT=$ROOT/build/bench.md
QUICK_RUN=0
if [ "${QUICK:-0}" = 1 ]; then
    QUICK_RUN=1
    ROUNDS=1 DUR=1 CONNS="16" SIZES="" ROWS=${ROWS:-1000}
else
    ROUNDS=${ROUNDS:-3} DUR=${DUR:-5} CONNS=${CONNS:-"16 64"} ROWS=${ROWS:-100000}
    SIZES=${SIZES-"1000 100000 1000000"}
fi
# The product runs with its default worker count unless WORKERS is set; B
# with 4 per CPU, its best (with 3 on 2 CPUs, as the product, it served
# 15-20% less): the ceiling is B at its fastest.
WORKERS=${WORKERS:-}
BARE_WORKERS=${BARE_WORKERS:-$(($(nproc) * 4))}
WORKLOADS=${WORKLOADS:-"keyed_create replay get_id get_list form_create mix"}
PEER_WORKLOADS="keyed_create replay get_id"
PYTHON=/usr/bin/python3	# Debian's, with python3-fastapi, -uvicorn, -sqlalchemy
# product-pg: its default worker count (4 per CPU) unless PG_WORKERS is set.
PG=${PG:-1}
PG_WORKERS=${PG_WORKERS:-}
PG_WORKLOADS=${PG_WORKLOADS:-"keyed_create replay get_id get_list mix"}
. "$ROOT/tests/pg.sh"
PGBENCH=$PG_BIN/pgbench
[ -x "$PGBENCH" ] || PGBENCH=pgbench

T=$(mktemp -d /tmp/todo-bench.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    pg_stop
    rm -rf "$T"
}
trap cleanup EXIT

port() { "$ROOT/build/freeport"; }
PORT_A=$(port) PORT_B=$(port) PORT_P=$(port) PORT_F=$(port) PORT_G=$(port)
mkdir -p "$T/tmp"
user=""
[ "$(id -u)" = 0 ] && user="user root root;"
sed -e "s|@USER@|$user|" -e "s|@PREFIX@|$T|g" -e "s|@PORT_A@|$PORT_A|g" \
    -e "s|@PORT_B@|$PORT_B|g" -e "s|@PORT_P@|$PORT_P|g" -e "s|@PORT_F@|$PORT_F|g" \
    -e "s|@PORT_G@|$PORT_G|g" \
    -e "s|@PARAMS@|$ROOT/nginx/todo_fastcgi_params|g" "$HERE/nginx.conf.in" > "$T/nginx.conf"

# gen_db FILE ROWS: a database with ROWS todos and as many live keys, made
# afresh (with its writers' lock file gone too: a CGI run makes a database
# only where none was).
gen_db() {
    rm -f "$1" "$1-wal" "$1-shm" "$1-writer"
    env -i REQUEST_METHOD=GET REQUEST_URI=/healthz TODO_DB="$1" "$BIN" < /dev/null > /dev/null
    [ "$2" -gt 0 ] || return 0
    sqlite3 "$1" "
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $2)
        INSERT INTO todos (title, description, is_completed, created_at, updated_at)
        SELECT 'todo ' || x, CASE WHEN x % 3 = 0 THEN 'generated' END, x % 2,
            '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z' FROM c;
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < $2)
        INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, todo_id,
            status, headers, body, created_at, expires_at, forget_at)
        SELECT '', 'gen-' || x, 'POST', '/todos', hex(randomblob(32)), x, 201,
            'Content-Type: application/json' || char(13, 10), x'', unixepoch(),
            unixepoch() + 86400, unixepoch() + 2592000 FROM c;"
}

# gen_pg ROWS: the cluster's database as gen_db makes SQLite's: the program
# migrates it on first open (run once as CGI), then ROWS todos and live keys.
gen_pg() {
    env -i REQUEST_METHOD=GET REQUEST_URI=/healthz TODO_DB="$TODO_PG_DB" "$BIN" \
        < /dev/null > /dev/null 2>> "$T/todo-pg.log"
    psql -q -v ON_ERROR_STOP=1 -c "
        INSERT INTO todos (title, description, is_completed, created_at, updated_at)
        SELECT 'todo ' || x, CASE WHEN x % 3 = 0 THEN 'generated' END, x % 2,
            '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
        FROM generate_series(1, $1) x;
        INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, todo_id,
            status, headers, body, created_at, expires_at, forget_at)
        SELECT '', 'gen-' || x, 'POST', '/todos',
            encode(sha256(random()::text::bytea), 'hex'), x, 201,
            E'Content-Type: application/json\r\n', '', extract(epoch FROM now())::bigint,
            extract(epoch FROM now())::bigint + 86400,
            extract(epoch FROM now())::bigint + 2592000 FROM generate_series(1, $1) x;" \
        -c "VACUUM ANALYZE todos, idempotency_keys" -c "CHECKPOINT"
}

# The program on the cluster, its own instance and socket behind nginx.
PG_PID=
start_product_pg() {
    "$BIN" --socket "$T/todo-pg.sock" --db "$TODO_PG_DB" \
        ${PG_WORKERS:+--workers "$PG_WORKERS"} 2>> "$T/todo-pg.log" &
    PG_PID=$!
    PIDS+=($PG_PID)
    wait_up "http://127.0.0.1:$PORT_G/healthz"
}

PRODUCT_PID=
start_product() {
    "$BIN" --socket "$T/todo.sock" --db "$1" ${WORKERS:+--workers "$WORKERS"} "${@:2}" \
        2>> "$T/todo.log" &
    PRODUCT_PID=$!
    PIDS+=($PRODUCT_PID)
    wait_up "http://127.0.0.1:$PORT_P/healthz"
}
stop_product() {
    kill "$PRODUCT_PID" && wait "$PRODUCT_PID" 2>/dev/null || true
}
wait_up() {
    local i=0
    until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "not up: $1" >&2; exit 1; }
        sleep 0.1
    done
}

# run SYSTEM WORKLOAD CONNS PORT [SCRIPT]: one wrk run, one result line.
run() {
    local sys=$1 wl=$2 c=$3 url=http://127.0.0.1:$4/ out
    local args=(-t2 -c"$c" -d"${DUR}s" --latency)
    [ -n "${5:-}" ] && args+=(-s "$HERE/$5.lua")
    [ "$sys" = product ] && [ "$wl" = get ] && url=${url}healthz
    out=$(BENCH_ROWS=$ROWS wrk "${args[@]}" "$url")
    echo "$out" | awk -v sys="$sys" -v wl="$wl" -v c="$c" '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                         if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx/ { err += $NF }
        /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
        END { printf "%s %s %s %.0f %.3f %.3f %d\n", sys, wl, c, rps, p50, p99, err }' \
        >> "$T/results"
}

# pgb SYSTEM WORKLOAD CONNS SCRIPT: one pgbench run (-M prepared, -j 2, as
# long as a wrk run) of pg_SCRIPT.sql, one result line as run's: tps (the
# "without initial connection time" figure), p50 and p99 from the
# per-transaction log, errors (failed transactions, or 1 for an aborted run).
PGB_FP=$(printf 'benchmark' | sha256sum | cut -c1-64)
pgb() {
    local sys=$1 wl=$2 c=$3 log=$T/pgb/$1-$3 out rc=0 tps failed
    mkdir -p "$T/pgb"
    rm -f "$log".*
    out=$("$PGBENCH" -n -M prepared -c "$c" -j 2 -T "$DUR" -f "$HERE/$4.sql" \
        -D rows="$ROWS" -D fp="$PGB_FP" -D rawfp="$PGB_FP" \
        -D 'body={"id":100001,"title":"Buy milk","description":"benchmark","is_completed":false,"created_at":"2026-01-01T00:00:00.000Z","updated_at":"2026-01-01T00:00:00.000Z"}' \
        -l --log-prefix="$log" 2>&1) || rc=$?
    printf '== %s %s %s (exit %s)\n%s\n' "$sys" "$wl" "$c" "$rc" "$out" >> "$T/pgbench.log"
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p')
    failed=$(echo "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
    [ "$rc" = 0 ] || failed=$((${failed:-0} + 1))
    # the log: client, transaction, latency in us (or "failed"), ...
    cat "$log".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ {print $3}' | sort -n |
        awk -v sys="$sys" -v wl="$wl" -v c="$c" -v tps="${tps:-0}" -v err="${failed:-1}" '
            { v[NR] = $1 }
            function pct(p, i) { i = int(NR * p + 0.999999); if (i < 1) i = 1; return v[i] / 1000 }
            END { printf "%s %s %s %.0f %.3f %.3f %d\n", sys, wl, c, tps,
                      NR ? pct(0.5) : 0, NR ? pct(0.99) : 0, err }' >> "$T/results"
    rm -f "$log".*
}

echo "building the ceilings' database of $ROWS todos..." >&2
gen_db "$T/todo.db" "$ROWS"
"$ROOT/build/fcgi_bare" "$T/bare.sock" "$BARE_WORKERS" &
PIDS+=($!)
nginx -p "$T" -c "$T/nginx.conf" 2>> "$T/error.log" &
PIDS+=($!)
start_product "$T/todo.db"
if [ "$PG" = 1 ]; then
    echo "starting PostgreSQL, its database of $ROWS todos..." >&2
    pg_start
    gen_pg "$ROWS"
    start_product_pg
    PG_SETTINGS=$(psql -At -c "SELECT 'PostgreSQL ' || current_setting('server_version') ||
        ': fsync ' || current_setting('fsync') ||
        ', synchronous_commit ' || current_setting('synchronous_commit') ||
        ', wal_sync_method ' || current_setting('wal_sync_method') ||
        ', shared_buffers ' || current_setting('shared_buffers')")
    PG_NWORKERS=$(sed -n 's/^todo: \([0-9]*\) workers.*/\1/p' "$T/todo-pg.log" | head -1)
fi
"$PYTHON" "$HERE/fastapi_todo.py" init "$T/fastapi.db" "$ROWS"
BENCH_DB=$T/fastapi.db "$PYTHON" -m uvicorn --app-dir "$HERE" fastapi_todo:app \
    --uds "$T/fastapi.sock" --workers "$(nproc)" --log-level warning --no-access-log \
    2>> "$T/fastapi.log" &
PIDS+=($!)
wait_up "http://127.0.0.1:$PORT_F/healthz"
wait_up "http://127.0.0.1:$PORT_A/"
wait_up "http://127.0.0.1:$PORT_B/"
wait_up "http://127.0.0.1:$PORT_P/healthz"

rss() {
    # the largest peak RSS (VmHWM) of one child of the program whose master
    # is PID (a worker or the writer), and that of the whole program (master,
    # workers and writer), in KiB
    local w total=0 max=0 v
    for w in $1 $(pgrep -P "$1"); do
        v=$(awk '/VmHWM/ {print $2}' "/proc/$w/status")
        total=$((total + v))
        [ "$w" = "$1" ] || [ "$v" -le "$max" ] || max=$v
    done
    echo "$max $total"
}

: > "$T/results"
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r of $ROUNDS..." >&2
    for c in $CONNS; do
        for wl in $WORKLOADS; do
            run A get "$c" "$PORT_A"
            run B "$wl" "$c" "$PORT_B" "$wl"
            run product "$wl" "$c" "$PORT_P" "$wl"
            if [ "$PG" = 1 ]; then
                case " $PG_WORKLOADS " in
                *" $wl "*) run product-pg "$wl" "$c" "$PORT_G" "$wl" ;;
                esac
                case $wl in
                keyed_create)
                    pgb pg-create "$wl" "$c" pg_create
                    pgb pg-create-2row "$wl" "$c" pg_create_2row ;;
                get_id) pgb pg-select "$wl" "$c" pg_select ;;
                esac
            fi
            case " $PEER_WORKLOADS " in
            *" $wl "*) run peer "$wl" "$c" "$PORT_F" "$wl" ;;
            esac
        done
    done
    if [ "$r" = 1 ]; then
        read -r rss_w1 rss_t1 < <(rss "$PRODUCT_PID")
        if [ "$PG" = 1 ]; then read -r pg_rss_w1 pg_rss_t1 < <(rss "$PG_PID"); fi
    fi
done
read -r rss_w rss_t < <(rss "$PRODUCT_PID")
if [ "$PG" = 1 ]; then read -r pg_rss_w pg_rss_t < <(rss "$PG_PID"); fi

# Durability: keyed creates under each TODO_SYNC setting, interleaved.
SYNC_MODES="full group normal"
for r in $(seq 1 "$ROUNDS"); do
    echo "sync modes, round $r of $ROUNDS..." >&2
    for mode in $SYNC_MODES; do
        stop_product
        start_product "$T/todo.db" --sync "$mode"
        run "sync-$mode" keyed_create 16 "$PORT_P" keyed_create
    done
done
stop_product
start_product "$T/todo.db"

# Scale: the same GET and create on 1k, 100k and 1M todos and keys.
for size in $SIZES; do
    echo "scale: $size todos..." >&2
    stop_product
    gen_db "$T/scale.db" "$size"
    start_product "$T/scale.db"
    ROWS=$size run "scale-$size" get_id 16 "$PORT_P" get_id
    run "scale-$size" keyed_create 16 "$PORT_P" keyed_create
    keys=$(sqlite3 "$T/scale.db" 'SELECT count(*) FROM idempotency_keys')
    echo "scale-$size keys $keys" >> "$T/keys"
done

# Bounded keys: keyed creates for 10 s with a 2 s key TTL; purging
# keeps the key table near rate × TTL rows however long the run.
echo "bounded keys: TTL 2 s..." >&2
stop_product
gen_db "$T/ttl.db" 0
start_product "$T/ttl.db" --key-ttl 2
TTL_DUR=$((QUICK_RUN ? DUR : 10))
DUR=$TTL_DUR run ttl keyed_create 16 "$PORT_P" keyed_create
ttl_rows=$(sqlite3 "$T/ttl.db" 'SELECT count(*) FROM idempotency_keys')
ttl_todos=$(sqlite3 "$T/ttl.db" 'SELECT count(*) FROM todos')

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
med() { awk -v s="$1" -v w="$2" -v c="$3" -v f="$4" '$1 == s && $2 == w && $3 == c {print $f}' "$T/results" | median; }

{
    echo "# make bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $ROUNDS round(s) of ${DUR}s, product workers ${WORKERS:-default ($(($(nproc) + 1)))}, B workers $BARE_WORKERS$(
        [ "$PG" = 1 ] && echo ", product-pg workers ${PG_WORKERS:-default ($PG_NWORKERS)}; $PG_SETTINGS")"
    echo
    echo "| system | workload | conns | req/s | p50 ms | p99 ms | errors | vs B |"
    echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
    # row SYSTEM-LABEL SYSTEM WORKLOAD CONNS B-REQ/S
    row() {
        local rps
        rps=$(med "$2" "$3" "$4" 4)
        printf '| %s | %s | %s | %s | %s | %s | %s | %.2f |\n' "$1" "$3" "$4" "$rps" \
            "$(med "$2" "$3" "$4" 5)" "$(med "$2" "$3" "$4" 6)" "$(med "$2" "$3" "$4" 7)" \
            "$(echo "$rps $5" | awk '{print ($2 > 0) ? $1 / $2 : 0}')"
    }
    for c in $CONNS; do
        row "A: nginx return 200" A get "$c" "$(med B get_id "$c" 4)"
        for wl in $WORKLOADS; do
            b=$(med B "$wl" "$c" 4)
            row "B: bare FastCGI" B "$wl" "$c" "$b"
            row product product "$wl" "$c" "$b"
            case " $PEER_WORKLOADS " in
            *" $wl "*) row "peer: FastAPI + SQLAlchemy" peer "$wl" "$c" "$b" ;;
            esac
        done
    done
    echo
    for c in $CONNS; do
        printf 'Product over peer at %s connections:' "$c"
        for wl in $PEER_WORKLOADS; do
            printf ' %s %s×' "$wl" "$(echo "$(med product "$wl" "$c" 4) $(med peer "$wl" "$c" 4)" |
                awk '{printf "%.1f", ($2 > 0) ? $1 / $2 : 0}')"
        done
        echo
    done
    if [ "$PG" = 1 ]; then
        echo
        echo "PostgreSQL: product-pg is the product on the cluster; its ceilings, run by pgbench" \
            "(-M prepared, -j 2) in the same rounds: pg-create the product's create transaction" \
            "(BEGIN; claim the key; INSERT todo; record the response; COMMIT), pg-create-2row" \
            "BEGIN; INSERT todo; INSERT key; COMMIT, pg-select the product's select by id."
        echo
        echo "| system | workload | conns | req/s | p50 ms | p99 ms | errors | vs ceiling |"
        echo "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"
        # ratio A B: A / B to 2 places (0 without B)
        ratio() { echo "$1 $2" | awk '{printf "%.2f", ($2 > 0) ? $1 / $2 : 0}'; }
        # vs RPS CEILING-RPS NAME [TARGET [×]]: "0.42 of NAME (target ≥ 0.50: met)",
        # or with × "12.50× NAME (target ≥ 10×: met)"; a QUICK run states the target only
        vs() {
            local x t=${4:-} u=${5:-} verdict=""
            x=$(ratio "$1" "$2")
            if [ -n "$t" ] && [ "$QUICK_RUN" = 0 ]; then
                verdict=$(awk -v x="$x" -v t="$t" 'BEGIN { print (x >= t) ? ": met" : ": NOT met" }')
            fi
            printf '%s%s %s%s' "$x" "${u:- of}" "$3" "${t:+ (target ≥ $t$u$verdict)}"
        }
        for c in $CONNS; do
            for sys in pg-create pg-create-2row pg-select; do
                wl=keyed_create
                [ "$sys" = pg-select ] && wl=get_id
                case " $WORKLOADS " in *" $wl "*) ;; *) continue ;; esac
                printf '| %s | %s | %s | %s | %s | %s | %s | (ceiling) |\n' "$sys" "$wl" "$c" \
                    "$(med "$sys" "$wl" "$c" 4)" "$(med "$sys" "$wl" "$c" 5)" \
                    "$(med "$sys" "$wl" "$c" 6)" "$(med "$sys" "$wl" "$c" 7)"
            done
            for wl in $WORKLOADS; do
                case " $PG_WORKLOADS " in *" $wl "*) ;; *) continue ;; esac
                rps=$(med product-pg "$wl" "$c" 4)
                b=$(med B "$wl" "$c" 4)
                case $wl in
                keyed_create)
                    cmp="$(vs "$rps" "$(med pg-create "$wl" "$c" 4)" pg-create 0.50);"
                    cmp="$cmp $(vs "$rps" "$(med pg-create-2row "$wl" "$c" 4)" pg-create-2row);"
                    cmp="$cmp $(vs "$rps" "$(med peer "$wl" "$c" 4)" peer 10 ×)" ;;
                replay) cmp=$(vs "$rps" "$b" B 0.60) ;;
                get_id)
                    cmp="$(vs "$rps" "$b" B 0.60);"
                    cmp="$cmp $(vs "$rps" "$(med pg-select "$wl" "$c" 4)" pg-select)" ;;
                *) cmp=$(vs "$rps" "$b" B) ;;
                esac
                printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' product-pg "$wl" "$c" "$rps" \
                    "$(med product-pg "$wl" "$c" 5)" "$(med product-pg "$wl" "$c" 6)" \
                    "$(med product-pg "$wl" "$c" 7)" "$cmp"
            done
        done
    fi
    echo
    echo "| TODO_SYNC | keyed create req/s | p50 ms | p99 ms | errors | vs B |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    b=$(med B keyed_create 16 4)
    for mode in $SYNC_MODES; do
        rps=$(med "sync-$mode" keyed_create 16 4)
        printf '| %s | %s | %s | %s | %s | %.2f |\n' "$mode" "$rps" \
            "$(med "sync-$mode" keyed_create 16 5)" "$(med "sync-$mode" keyed_create 16 6)" \
            "$(med "sync-$mode" keyed_create 16 7)" "$(echo "$rps $b" | awk '{print $1 / $2}')"
    done
    if [ -n "$SIZES" ]; then
        echo
        echo "| database | GET /todos/{id} req/s | p99 ms | keyed create req/s | p99 ms | key rows after |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: |"
        for size in $SIZES; do
            printf '| %s todos | %s | %s | %s | %s | %s |\n' "$size" \
                "$(med "scale-$size" get_id 16 4)" "$(med "scale-$size" get_id 16 6)" \
                "$(med "scale-$size" keyed_create 16 4)" "$(med "scale-$size" keyed_create 16 6)" \
                "$(awk -v s="scale-$size" '$1 == s {print $3}' "$T/keys")"
        done
    fi
    echo
    echo "Bounded keys: $TTL_DUR s of keyed creates with a 2 s key TTL made $ttl_todos todos" \
        "($(med ttl keyed_create 16 4) req/s); $ttl_rows key rows remained" \
        "(rate × TTL = $(echo "$(med ttl keyed_create 16 4)" | awk '{printf "%.0f", $1 * 2}'))."
    echo
    n=$(($(echo $CONNS | wc -w) * $(echo $WORKLOADS | wc -w) * DUR))
    echo "Memory (peak RSS, VmHWM): after round 1, ${n} s of load on the product: largest process (a worker or the writer)" \
        "$rss_w1 KiB, whole program $rss_t1 KiB; after all $ROUNDS rounds, $((n * ROUNDS)) s:" \
        "largest process $((rss_w / 1024)) MiB ($rss_w KiB), whole program $((rss_t / 1024)) MiB ($rss_t KiB)."
    if [ "$PG" = 1 ]; then
        n=0
        for wl in $WORKLOADS; do
            case " $PG_WORKLOADS " in *" $wl "*) n=$((n + DUR)) ;; esac
        done
        n=$((n * $(echo $CONNS | wc -w)))
        echo
        echo "Memory of product-pg (peak RSS, VmHWM; the server's processes not counted): after round 1," \
            "${n} s of load: largest worker $pg_rss_w1 KiB, whole program $pg_rss_t1 KiB;" \
            "after all $ROUNDS rounds, $((n * ROUNDS)) s: largest worker $((pg_rss_w / 1024)) MiB" \
            "($pg_rss_w KiB), whole program $((pg_rss_t / 1024)) MiB ($pg_rss_t KiB)."
    fi
} > "$T/table.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/table.md" "$OUT"
# Every run behind the medians: system, workload, connections, req/s, p50, p99, errors.
cp "$T/results" "${OUT%.md}-runs.txt"
# pgbench's own reports, for the ceilings' figures.
[ ! -f "$T/pgbench.log" ] || cp "$T/pgbench.log" "${OUT%.md}-pgbench.txt"
cat "$OUT"
