# A throwaway PostgreSQL cluster for the tests: sourced, it provides
#   pg_start         initdb, start on a unix socket in a private temp dir, create db "todo"
#   pg_stop          stop it (immediate) and remove the dir; safe to call twice
#   pg_restart_fast  a clean shutdown and start (connections are dropped)
#   pg_crash         an immediate shutdown (as after a crash) and start: recovery runs
# pg_start exports PGHOST PGPORT PGDATABASE PGUSER and TODO_PG_DB (a conninfo).
# Callers trap EXIT to call pg_stop.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=

# Runs a command as the cluster's owner: the server refuses to run as root.
pg_as() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

# Waits until the server accepts connections (pg_ctl -w stops waiting at
# "ready", but a start after a crash first replays the log).
pg_wait() {
    local i=0
    until pg_as "$PG_BIN/pg_isready" -q -h "$PG_DIR" -p "$PGPORT" -d postgres; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then
            echo "pg.sh: the server did not come up" >&2
            cat "$PG_DIR/server.log" >&2 2>/dev/null || true
            return 1
        fi
        sleep 0.1
    done
}

pg_ctl_start() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start > /dev/null &&
        pg_wait
}

pg_start() {
    local port=5432
    PG_DIR=$(mktemp -d /tmp/todo-pg.XXXXXX)
    # The app (root) and nginx's workers connect through the socket in here.
    chmod 755 "$PG_DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    # Only a socket in a private dir: any port number names it without clashing.
    [ -x "$ROOT/build/freeport" ] && port=$("$ROOT/build/freeport")
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 \
        --no-locale --no-sync > "$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log" >&2
        return 1
    }
    # The server itself syncs every commit, as in production.
    cat >> "$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
unix_socket_permissions = 0777
port = $port
fsync = on
synchronous_commit = on
max_connections = 200
log_min_messages = warning
EOF
    export PGHOST=$PG_DIR PGPORT=$port PGDATABASE=todo PGUSER=postgres
    export TODO_PG_DB="host=$PG_DIR port=$port dbname=todo user=postgres"
    pg_ctl_start || return 1
    pg_as "$PG_BIN/createdb" -h "$PG_DIR" -p "$port" -U postgres todo
}

pg_stop() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop > /dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=
}

pg_restart_fast() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop > /dev/null && pg_ctl_start
}

pg_crash() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop > /dev/null && pg_ctl_start
}
