#!/bin/sh
# Starts the program on a unix socket and a self-contained nginx in front of
# it, everything under var/; Ctrl-C (or `nginx/run.sh stop`) stops both.
# Used by `make run` and `make stop`. Settings: PORT, DB, KEY_TTL, KEY_HORIZON,
# WORKERS, METRICS_PORT (/metrics on 127.0.0.1 there; 9113 by default).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
var=$root/var
PORT=${PORT:-8080}
DB=${DB:-$var/todo.db}
KEY_TTL=${KEY_TTL:-86400}
KEY_HORIZON=${KEY_HORIZON:-}
WORKERS=${WORKERS:-}
METRICS_PORT=${METRICS_PORT:-9113}

stop() {
    for f in "$var/nginx/nginx.pid" "$var/todo.pid"; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        if kill "$pid" 2>/dev/null; then
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$f"
    done
}

if [ "${1:-}" = stop ]; then
    stop
    exit 0
fi

stop
mkdir -p "$var/nginx"
# DB is an SQLite file, or a PostgreSQL connection string (not a path).
case $DB in
postgres://*|postgresql://*|*=*) where="a PostgreSQL database" ;;
*) mkdir -p "$(dirname "$DB")"; where="database $DB" ;;
esac
"$here/render.sh" "$var/nginx" "$PORT" "$var/todo.sock" "$METRICS_PORT" > "$var/nginx/nginx.conf"

set -- --socket "$var/todo.sock" --db "$DB" --key-ttl "$KEY_TTL"
[ -n "$WORKERS" ] && set -- "$@" --workers "$WORKERS"
# Unset: 30 days, or the TTL when that is longer.
[ -n "$KEY_HORIZON" ] && set -- "$@" --key-horizon "$KEY_HORIZON"
"$root/cgi-bin/todo.fcgi" "$@" 2>> "$var/todo.log" &
echo $! > "$var/todo.pid"
nginx -p "$var/nginx" -c "$var/nginx/nginx.conf" &
nginx_pid=$!
trap 'stop; exit 0' INT TERM
trap 'stop' EXIT

i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$nginx_pid" 2>/dev/null; then
        echo "the service did not start; see $var/todo.log and $var/nginx/error.log" >&2
        exit 1
    fi
    sleep 0.1
done
echo "serving http://127.0.0.1:$PORT/ ($where), metrics on http://127.0.0.1:$METRICS_PORT/metrics;"
echo "Ctrl-C or 'make stop' stops it"
wait "$nginx_pid"
