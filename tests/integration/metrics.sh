#!/bin/bash
# GET /metrics on the loopback metrics listener: real traffic moves the
# counters by exactly its amounts, summed over the workers and the writer;
# histograms are cumulative and agree with their counts; the key gauges
# equal the table's rows; promtool finds nothing to complain about; the
# public site refuses /metrics; and a real Prometheus scrapes it. Under
# plain CGI no counters are kept: only the store's gauges are checked.
. "$(dirname "$0")/../lib.sh"

PROM_PID=
# Prometheus is stopped with the rest, whatever ends the test.
trap 'rc=$?; set +e; stop_pid "$PROM_PID"; (exit $rc); stack_stop' EXIT

stack_start

# scrape FILE: the metrics listener's answer in FILE, its status in STATUS.
scrape() {
    STATUS=$(curl -s --max-time 10 -o "$1" -D "$T/headers" -w '%{http_code}' "$MBASE/metrics")
    BODY=$(head -c 2000 "$1")
}

# value FILE SERIES: a sample's value (SERIES written as in the scrape), 0 if absent.
value() {
    awk -v s="$2" '$1 == s { v = $2 } END { print v == "" ? 0 : v }' "$1"
}

# delta SERIES: how much SERIES moved from $T/before to $T/after.
delta() {
    echo $(( $(value "$T/after" "$1") - $(value "$T/before" "$1") ))
}

# Every histogram's buckets never decrease, +Inf equals _count; prints
# each fault, then "histograms N".
hist_check() {
    awk '
    /^#/ { next }
    $1 ~ /_bucket\{/ {
        s = $1; le = s; sub(/le="[^"]*"/, "", s); sub(/,?\}$/, "}", s); sub(/\{\}$/, "", s)
        sub(/_bucket/, "", s); sub(/.*le="/, "", le); sub(/".*/, "", le)
        if (s in last && $2 + 0 < last[s]) print "bucket le=" le " of " s " decreases"
        last[s] = $2 + 0
        if (le == "+Inf") inf[s] = $2 + 0
        next
    }
    $1 ~ /_count/ { s = $1; sub(/_count/, "", s); count[s] = $2 + 0 }
    END {
        n = 0
        for (s in last) {
            n++
            if (!(s in inf)) print s " has no +Inf bucket"
            else if (!(s in count)) print s " has no _count"
            else if (count[s] != inf[s]) print s ": _count " count[s] " but +Inf " inf[s]
        }
        print "histograms " n
    }' "$1"
}

# The public site answers /metrics 404 (nginx and Apache alike), even with
# a header that looks like the listener's mark.
req GET /metrics -H 'TODO-Metrics: 1'
assert_status 404 "public /metrics"
assert_not_contains "$BODY" "todo_http_requests_total" "no metrics on the public site"
# The metrics listener answers /metrics only.
req GET /todos
PUBLIC_TODOS=$STATUS
STATUS=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$MBASE/todos")
assert_ne "$STATUS" 200 "the metrics listener does not serve the API (public: $PUBLIC_TODOS)"

# The program itself answers /metrics only to a request its server marks.
STATUS=$(env -i REQUEST_METHOD=GET PATH_INFO=/metrics TODO_DB="$DB" "$BIN" 2>/dev/null |
    head -1 | tr -d '\r')
assert_eq "$STATUS" "Status: 404 Not Found" "unmarked /metrics, as CGI"
STATUS=$(env -i REQUEST_METHOD=GET PATH_INFO=/metrics TODO_METRICS=1 TODO_DB="$DB" "$BIN" \
    2>/dev/null | head -1 | tr -d '\r')
assert_eq "$STATUS" "Status: 200 OK" "marked /metrics, as CGI"

scrape "$T/before"
assert_status 200 "GET /metrics on the listener"
assert_eq "$(header Content-Type)" "text/plain; version=0.0.4; charset=utf-8" \
    "the exposition format's media type"

# Traffic: two creates, a replay, a mismatch, a validation error, a read by
# id, an unknown path.
post() {	# post KEY BODY
    local k=()
    [ -z "$1" ] || k=(-H "Idempotency-Key: $1")
    req POST /todos -H 'Content-Type: application/json' "${k[@]}" -d "$2"
}
post m-one '{"title":"One"}'
assert_status 201 "create one"
ID=$(jget "$BODY" '$.id')
post m-two '{"title":"Two"}'
assert_status 201 "create two"
post m-one '{"title":"One"}'
assert_status 201 "the retry of one"
assert_eq "$(header Idempotent-Replayed)" true "replayed"
post m-one '{"title":"Other"}'
assert_status 422 "the key reused for another body"
post '' '{"title":""}'
assert_status 422 "an empty title"
req GET "/todos/$ID"
assert_status 200 "read one by id"
req GET /no/such/path
assert_status 404 "an unknown path"

CONFLICTS=0
if [ "$FRONTEND" != apache-cgi ]; then
    # A conflict: another session holds the store past the lock timeout
    # (5 s) while a keyed create waits for it.
    if [ "$ENGINE" = postgresql ]; then
        { echo "BEGIN; INSERT INTO idempotency_keys (scope, key, method, path, fingerprint,
              status, headers, body, created_at, expires_at, forget_at)
              VALUES ('', 'm-held', 'POST', '/todos', 'f', 0, '', '', 0, 4000000000, 4000000000);"
          sleep 8; echo "ROLLBACK;"; } | psql -X -q -v ON_ERROR_STOP=1 > /dev/null &
    else
        { echo "BEGIN IMMEDIATE;"; sleep 8; echo "ROLLBACK;"; } | sqlite3 "$DB" &
    fi
    HOLDER=$!
    JOBS+=($HOLDER)
    sleep 1
    post m-held '{"title":"Held"}'
    assert_status 409 "a keyed create while the store is held"
    CONFLICTS=1
    wait_jobs
fi

scrape "$T/after"
assert_status 200 "the second scrape"

if [ "$FRONTEND" = apache-cgi ]; then
    # One process per request keeps no counters: the page says so.
    assert_contains "$(cat "$T/after")" "# Plain CGI" "the CGI note"
    assert_not_contains "$(cat "$T/after")" "todo_http_requests_total" "no counters under CGI"
else
    R='todo_http_requests_total{route="/todos",method="POST"'
    assert_eq "$(delta "$R,code=\"201\"}")" 3 "POST /todos 201"
    assert_eq "$(delta "$R,code=\"422\"}")" 2 "POST /todos 422"
    assert_eq "$(delta "$R,code=\"409\"}")" $CONFLICTS "POST /todos 409"
    assert_eq "$(delta 'todo_http_requests_total{route="/todos/{id}",method="GET",code="200"}')" 1 \
        "GET /todos/{id} 200, by its pattern"
    assert_eq "$(delta 'todo_http_requests_total{route="unmatched",method="GET",code="404"}')" 1 \
        "an unknown path, as one label value"
    assert_eq "$(delta 'todo_http_requests_total{route="/metrics",method="GET",code="200"}')" 1 \
        "the first scrape, counted"
    assert_not_contains "$(cat "$T/after")" "route=\"/todos/$ID\"" "no raw path as a label"
    assert_not_contains "$(cat "$T/after")" "/no/such/path" "no unknown path as a label"
    O=todo_idempotency_outcomes_total
    assert_eq "$(delta "$O{outcome=\"created\"}")" 2 "created"
    assert_eq "$(delta "$O{outcome=\"replayed\"}")" 1 "replayed"
    assert_eq "$(delta "$O{outcome=\"mismatch\"}")" 1 "mismatch"
    assert_eq "$(delta "$O{outcome=\"conflict\"}")" $CONFLICTS "conflict"
    assert_eq "$(delta "$O{outcome=\"expired\"}")" 0 "expired"
    assert_eq "$(delta "$O{outcome=\"unknown\"}")" 0 "unknown"
    assert_eq "$(delta 'todo_http_request_duration_seconds_count{route="/todos",method="POST"}')" \
        $((5 + CONFLICTS)) "a duration per POST /todos"
    assert_eq "$(value "$T/after" todo_workers)" 2 "the workers"
    assert_eq "$(value "$T/after" 'todo_process_restarts_total{process="worker"}')" 0 "no restarts"
    if [ "$ENGINE" = sqlite ]; then
        # The writer's figures: the two creates were committed in batches.
        batches=$(delta todo_writer_batch_size_count)
        [ "$batches" -ge 2 ] || fail "the writer's batches did not move: $batches"
        CHECKS=$((CHECKS + 1))
        assert_eq "$(delta todo_writer_commit_seconds_count)" "$batches" "a time per commit"
        [ "$(delta todo_writer_batch_size_sum)" -ge 2 ] || fail "batches held the creates"
        CHECKS=$((CHECKS + 1))
        [ "$(delta todo_sqlite_sync_seconds_count)" -ge 1 ] || fail "no sync was timed"
        CHECKS=$((CHECKS + 1))
    else
        assert_not_contains "$(cat "$T/after")" "todo_writer_" "no writer on PostgreSQL"
    fi
    out=$(hist_check "$T/after")
    assert_eq "$(echo "$out" | grep -v '^histograms')" "" "histograms are cumulative, +Inf is _count"
    n=$(echo "$out" | sed -n 's/^histograms //p')
    [ "$n" -ge 3 ] || fail "only $n histograms checked"
    CHECKS=$((CHECKS + 1))

    # A worker killed is restarted, and counted; the counters survive it.
    kill -9 "$(pgrep -n -P "$TODO_PID")"
    i=0
    until scrape "$T/restarted" && [ "$(value "$T/restarted" \
        'todo_process_restarts_total{process="worker"}')" = 1 ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail "the restart was not counted"
        sleep 0.1
    done
    assert_eq "$(value "$T/restarted" "$O{outcome=\"created\"}")" \
        "$(value "$T/after" "$O{outcome=\"created\"}")" "the counters survive a worker"
fi

# Key rows as the tables have them: add two expired rows the purge has not
# reached and a tombstone, and the gauges count them.
sql "INSERT INTO idempotency_keys (scope, key, method, path, fingerprint, status, headers,
     body, created_at, expires_at, forget_at)
     VALUES ('', 'm-old-1', 'POST', '/todos', 'f', 201, '', '', 1, 2, 3),
     ('', 'm-old-2', 'POST', '/todos', 'f', 201, '', '', 1, 2, 3)"
sql "INSERT INTO idempotency_tombstones (scope, key, method, path, fingerprint, status, headers,
     created_at, expires_at, forget_at) VALUES ('', 'm-gone', 'POST', '/todos', 'f', 201, '', 1, 2,
     4000000000)"
scrape "$T/keys"
assert_eq "$(value "$T/keys" todo_store_up)" 1 "the store answered"
assert_eq "$(value "$T/keys" todo_idempotency_keys)" "$(sql 'SELECT count(*) FROM idempotency_keys')" \
    "key rows"
assert_eq "$(value "$T/keys" todo_idempotency_keys_expired)" \
    "$(sql 'SELECT count(*) FROM idempotency_keys WHERE expires_at <= 2')" "expired key rows"
assert_eq "$(value "$T/keys" todo_idempotency_keys_expired)" 2 "the two expired rows"
assert_eq "$(value "$T/keys" todo_idempotency_tombstones)" \
    "$(sql 'SELECT count(*) FROM idempotency_tombstones')" "tombstones"
assert_eq "$(value "$T/keys" todo_idempotency_tombstones)" 1 "the tombstone"
assert_eq "$(value "$T/keys" "todo_info{engine=\"$ENGINE\"}")" 1 "the engine"

# The service clock's step: under FastCGI, within a second of none (clock_step.sh steps it).
if [ "$FRONTEND" != apache-cgi ]; then
    CHECKS=$((CHECKS + 1))
    awk '$1 == "todo_clock_step_seconds" { found = 1; v = $2 < 0 ? -$2 : $2 }
        END { exit !(found && v <= 1) }' "$T/keys" ||
        fail "todo_clock_step_seconds missing or not near 0: $(grep '^todo_clock' "$T/keys")"
fi

# promtool's own check of the format and its naming rules, on a real scrape.
out=$(promtool check metrics < "$T/keys" 2>&1) || fail "promtool: $out"
assert_eq "$out" "" "promtool has nothing to say"

# A real Prometheus (loopback, a free port, storage here) scrapes the
# listener; its API reports the target up and the key rows it read.
PPORT=$("$ROOT/build/freeport")
cat > "$T/prometheus.yml" <<CONF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: todo
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
CONF
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$PPORT" > "$T/prometheus.log" 2>&1 &
PROM_PID=$!
# query EXPR: the first value Prometheus's API gives for EXPR, or "".
query() {
    local r
    r=$(curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1")
    [ -n "$r" ] && jget "$r" '$.data.result[0].value[1]' 2>/dev/null || true
}
KEYS=$(sql 'SELECT count(*) FROM idempotency_keys')
i=0
until [ "$(query todo_idempotency_keys)" = "$KEYS" ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || { cat "$T/prometheus.log" >&2; fail "Prometheus did not read $KEYS key rows"; }
    sleep 0.1
done
CHECKS=$((CHECKS + 1))
assert_eq "$(query 'up{job="todo"}')" 1 "Prometheus has the target up"
stop_pid "$PROM_PID"
PROM_PID=
pass
