# Shared harness for the integration tests: sourced by each script.
# stack_start starts the program and a self-contained nginx on a free
# loopback port with a temporary database; an EXIT trap always stops both.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# TODO_BIN runs the suite against another build (the sanitizer one).
BIN=${TODO_BIN:-$ROOT/cgi-bin/todo.fcgi}
T=$(mktemp -d /tmp/todo-test.XXXXXX)
chmod 755 "$T"
DB=$T/todo.db
# The store the suite runs against: sqlite (a file in $T) or postgresql (a
# throwaway cluster of its own, started here, stopped with the rest).
ENGINE=${ENGINE:-sqlite}
if [ "$ENGINE" = postgresql ]; then
    . "$ROOT/tests/pg.sh"
    pg_start || { rm -rf "$T"; exit 1; }
    DB=$TODO_PG_DB
fi
TODO_PID=
NGINX_PID=
FAILED=0
CHECKS=0
STATUS=
BODY=
JOBS=()

stop_pid() {
    local pid=$1 i=0
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

stack_stop() {
    local rc=$?
    stop_pid "$NGINX_PID"
    stop_pid "$TODO_PID"
    NGINX_PID= TODO_PID=
    if [ $rc -ne 0 ]; then
        echo "--- program log" >&2; cat "$T/todo.log" >&2 2>/dev/null || true
        echo "--- $FRONTEND error log" >&2; cat "$T/error.log" >&2 2>/dev/null || true
        [ "$ENGINE" != postgresql ] || { echo "--- postgresql log" >&2; cat "$PG_DIR/server.log" >&2 2>/dev/null || true; }
    fi
    [ "$ENGINE" != postgresql ] || pg_stop
    rm -rf "$T"
    exit $rc
}
trap stack_stop EXIT

# The front end the suite runs against: nginx (FastCGI), apache-fcgi
# (mod_proxy_fcgi) or apache-cgi (plain CGI, one process per request).
FRONTEND=${FRONTEND:-nginx}

# Starts the program and the front end; extra arguments go to the program.
# Settings that must reach a CGI program too are taken from the environment
# (TODO_KEY_TTL, TODO_REQUIRE_KEY). $BASE is the public site, $MBASE the
# loopback metrics listener (GET $MBASE/metrics).
stack_start() {
    local i=0
    PORT=$("$ROOT/build/freeport")
    BASE=http://127.0.0.1:$PORT
    # The loopback metrics listener: /metrics is answered there only.
    MPORT=$("$ROOT/build/freeport")
    while [ "$MPORT" = "$PORT" ]; do MPORT=$("$ROOT/build/freeport"); done
    MBASE=http://127.0.0.1:$MPORT
    case $FRONTEND in
    nginx)
        "$ROOT/nginx/render.sh" "$T" "$PORT" "$T/todo.sock" "$MPORT" > "$T/nginx.conf"
        program_start "$@"
        nginx -p "$T" -c "$T/nginx.conf" 2>> "$T/error.log" &
        NGINX_PID=$!
        ;;
    apache-fcgi|apache-cgi)
        # Apache's children run as www-data when started as root: give them
        # copies they can read, in a folder they can write.
        mkdir -p "$T/cgi-bin"
        cp -r "$ROOT/static" "$ROOT/templates" "$T/"
        cp "$BIN" "$T/cgi-bin/todo.fcgi"
        "$ROOT/apache/render.sh" "$T" "$PORT" "$T/todo.sock" "$T/static" "$T/cgi-bin" \
            "$T/templates" "$DB" "$MPORT" > "$T/httpd.conf"
        if [ "$FRONTEND" = apache-cgi ]; then
            [ "$(id -u)" != 0 ] || chown -R www-data:www-data "$T"
            apache2 -f "$T/httpd.conf" -DFOREGROUND -DTODO_CGI 2>> "$T/error.log" &
        else
            program_start "$@"
            apache2 -f "$T/httpd.conf" -DFOREGROUND 2>> "$T/error.log" &
        fi
        NGINX_PID=$!
        ;;
    *)
        echo "unknown FRONTEND $FRONTEND" >&2
        exit 1
        ;;
    esac
    until curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "FAIL: the service did not start" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# Stops the program and the front end and starts them again on the same
# port, database and socket, as an operator restarting a host would.
stack_restart() {
    stop_pid "$NGINX_PID"
    stop_pid "$TODO_PID"
    NGINX_PID= TODO_PID=
    program_start "$@"
    nginx -p "$T" -c "$T/nginx.conf" 2>> "$T/error.log" &
    NGINX_PID=$!
}

# TODO_PRELOAD: a library preloaded into the program alone, never the
# front end or the clients (build/clockshift.so, which moves its wall clock).
program_start() {
    env ${TODO_PRELOAD:+LD_PRELOAD="$TODO_PRELOAD"} "$BIN" --socket "$T/todo.sock" --db "$DB" --workers 2 "$@" 2>> "$T/todo.log" &
    TODO_PID=$!
}

# req METHOD PATH [curl args...]: sets STATUS and BODY; headers in $T/headers.
req() {
    local method=$1 path=$2 how
    shift 2
    how=(-X "$method")
    [ "$method" = HEAD ] && how=(--head)
    STATUS=$(curl -s --max-time 10 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
        "${how[@]}" "$@" "$BASE$path")
    BODY=$(cat "$T/body")
}

# timed WHAT METHOD PATH [curl args...]: req, which must answer within 5 s
# (a bound for answers that would otherwise wait on something held up).
timed() {
    local what=$1 t0 ms
    shift
    t0=$(date +%s%N)
    req "$@" || true
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "timed: $what: $STATUS in $ms ms"
    [ "$ms" -le 5000 ] || fail "$what took $ms ms"
    CHECKS=$((CHECKS + 1))
}

# The value of a header of the last response (case-insensitive), or "".
header() {
    awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" 'BEGIN { FS = ": " }
        { sub(/\r$/, "") }
        tolower($1) == n { sub(/^[^:]*: /, ""); print; exit }' "$T/headers"
}

# One query on the suite's store, as an operator would run it: rows as
# "a|b" lines, the same from either engine.
sql() {
    if [ "$ENGINE" = postgresql ]; then
        psql -X -A -t -q -v ON_ERROR_STOP=1 -c "$1"
    else
        sqlite3 -batch "$DB" "$1"
    fi
}

# "ok" when the store's own check finds its tables and indexes sound.
integrity() {
    if [ "$ENGINE" = postgresql ]; then
        pg_as "$PG_BIN/pg_amcheck" -h "$PGHOST" -p "$PGPORT" -U postgres --install-missing \
            --heapallindexed todo > "$T/amcheck.log" 2>&1 && echo ok || cat "$T/amcheck.log"
    else
        sql 'PRAGMA integrity_check'
    fi
}

# retry_503 SECONDS WHAT METHOD PATH [curl args...]: repeats the request
# every half second while it is answered 503; fails after SECONDS.
retry_503() {
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$(( $(date +%s) + secs ))
    while :; do
        req "$@"
        [ "$STATUS" = 503 ] || return 0
        [ "$(date +%s)" -lt "$deadline" ] || fail "$what: still 503 after $secs s"
        sleep 0.5
    done
}

# sleep_past EPOCH: waits until the clock is past EPOCH (a minute at most).
sleep_past() {
    local i=0
    while [ "$(date +%s)" -le "$1" ]; do
        i=$((i + 1))
        [ $i -le 600 ] || fail "the clock never passed $1"
        sleep 0.1
    done
}

fail() {
    echo "FAIL: $*" >&2
    echo "last status: $STATUS" >&2
    echo "last body: $BODY" >&2
    exit 1
}

assert_eq() {
    CHECKS=$((CHECKS + 1))
    [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
}

assert_ne() {
    CHECKS=$((CHECKS + 1))
    [ "$1" != "$2" ] || fail "$3: got '$1', want anything else"
}

assert_contains() {
    CHECKS=$((CHECKS + 1))
    case "$1" in *"$2"*) ;; *) fail "$3: '$2' not found in '$1'" ;; esac
}

assert_not_contains() {
    CHECKS=$((CHECKS + 1))
    case "$1" in *"$2"*) fail "$3: '$2' found in '$1'" ;; *) ;; esac
}

assert_status() {
    CHECKS=$((CHECKS + 1))
    [ "$STATUS" = "$1" ] || fail "${2:-status}: got $STATUS, want $1"
}

# A JSON member's value via the sqlite3 shell's JSON functions.
jget() {
    sqlite3 -batch :memory: "SELECT json_extract(json('$(printf %s "$1" | sed "s/'/''/g")'), '$2')"
}

# Waits for the client jobs a test put in JOBS (never for the servers).
wait_jobs() {
    local pid
    for pid in "${JOBS[@]}"; do wait "$pid" || true; done
    JOBS=()
}

pass() {
    echo "$CHECKS passed, 0 failed"
}
