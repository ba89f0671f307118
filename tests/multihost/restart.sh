#!/bin/bash
# The shared database goes away under load: 4 clients create todos with
# keys through the round-robin upstream, each key retried until a 2xx,
# while PostgreSQL is restarted (fast shutdown, then start) and later
# crashed (immediate shutdown: recovery runs at start); a monitor polls
# /healthz every 0.1 s. Afterwards every acknowledged key is there once
# with its todo, and replays byte for byte; nothing answered a 5xx but 503,
# each 503 with Retry-After and a problem; /healthz was 200 before, between
# and after the outages and 503 only while the database was away (the
# windows by this script's clock, with 1 s of grace); no worker died.
. "$(dirname "$0")/lib.sh"
mh_start
CLIENTS=4 PER_CLIENT=400 TRIES=60 SECONDS_MAX=40 GRACE_MS=1000

# A client: keyed creates, each retried with its key (60 tries, 0.2 s
# apart) until a 2xx; new keys until told to stop. Every answer is logged
# with its time; the first 503 of each client is kept whole.
client() {
    local c=$1 i try code t0 end=$((SECONDS + SECONDS_MAX))
    for i in $(seq 1 $PER_CLIENT); do
        [ ! -e "$T/stop" ] && [ $SECONDS -lt $end ] || break
        for try in $(seq 1 $TRIES); do
            t0=$(now_ms)
            code=$(KPOST_MAX_TIME=15 kpost "$BASE" "c$c-$i" "{\"title\":\"client $c item $i\"}" \
                "$T/out/c$c-$i")
            echo "$t0 $(now_ms) $code c$c-$i" >> "$T/out/codes.c$c"
            case $code in 2??) break ;; esac
            if [ "$code" = 503 ] && [ ! -e "$T/out/c$c.503.body" ]; then
                cp "$T/out/c$c-$i.body" "$T/out/c$c.503.body"
                cp "$T/out/c$c-$i.headers" "$T/out/c$c.503.headers"
            fi
            sleep 0.2
        done
        echo "c$c-$i $code $try" >> "$T/out/c$c.log"
    done
}

# The monitor: /healthz every 0.1 s, "start end status" in ms; the first 503 kept.
monitor() {
    local n=0 t0 code
    while [ ! -e "$T/stop" ] && [ $n -lt 1000 ]; do
        t0=$(now_ms)
        code=$(curl -s --max-time 2 -o "$T/out/h.body" -D "$T/out/h.headers" -w '%{http_code}' \
            "$BASE/healthz" || true)
        echo "$t0 $(now_ms) $code" >> "$T/out/health.log"
        if [ "$code" = 503 ] && [ ! -e "$T/out/h.503.body" ]; then
            cp "$T/out/h.body" "$T/out/h.503.body"
            cp "$T/out/h.headers" "$T/out/h.503.headers"
        fi
        n=$((n + 1))
        sleep 0.1
    done
}

mkdir -p "$T/out"
for n in 1 2 3; do
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(base_of $n)/healthz")" 200 \
        "instance $n healthy before"
done
monitor &
JOBS+=($!)
for c in $(seq 1 $CLIENTS); do
    client "$c" &
    JOBS+=($!)
done

sleep 4
w1s=$(now_ms)
pg_restart_fast
w1e=$(now_ms)
sleep 4
w2s=$(now_ms)
pg_crash
w2e=$(now_ms)
sleep 4
touch "$T/stop"
wait_jobs
cat "$T"/out/c*.log > "$T/all.log"
sort -n "$T"/out/codes.c* > "$T/codes.log"
echo "database away: restart $w1s-$w1e ($((w1e - w1s)) ms), crash $w2s-$w2e ($((w2e - w2s)) ms);" \
    "keys: $(wc -l < "$T/all.log"), retried: $(awk '$3 > 1' "$T/all.log" | wc -l);" \
    "answers: $(awk '{ print $3 }' "$T/codes.log" | sort | uniq -c | tr -s ' \n' ' ');" \
    "/healthz: $(awk '{ print $3 }' "$T/out/health.log" | sort | uniq -c | tr -s ' \n' ' ')"

# Every key was answered, and nothing but 2xx and 503 was ever answered.
answered=$(awk '$2 ~ /^2/' "$T/all.log" | wc -l)
CHECKS=$((CHECKS + 1))
[ "$answered" -ge 50 ] || fail "only $answered keys answered"
assert_eq "$(awk '$2 !~ /^2/' "$T/all.log")" "" "every key was answered 2xx in the end"
assert_eq "$(awk '$3 !~ /^(2..|503)$/' "$T/codes.log")" "" "no answer but 2xx and 503"
assert_eq "$(awk '$3 !~ /^(200|503)$/' "$T/out/health.log")" "" "/healthz answered only 200 or 503"
# The outages were seen.
seen503=$(awk '$3 == 503' "$T/codes.log" "$T/out/health.log" | wc -l)
CHECKS=$((CHECKS + 1))
[ "$seen503" -ge 1 ] || fail "no 503 seen: the outages went unnoticed"

# Each 503 kept (a create's, /healthz's) says when to retry, as a problem.
for f in "$T"/out/c*.503.headers "$T"/out/h.503.headers; do
    [ -e "$f" ] || continue
    what=$(basename "$f" .503.headers)
    b=$(cat "${f%.headers}.body")
    assert_eq "$(hget "$f" Content-Type)" application/problem+json "$what: a 503 is a problem"
    assert_contains "$(jget "$b" '$.type')" /problems/ "$what: a 503 names its problem"
    assert_eq "$(jget "$b" '$.status')" 503 "$what: a 503 problem's status"
    assert_ne "$(hget "$f" Retry-After)" "" "$what: a 503 carries Retry-After"
done

# /healthz: 503 only while the database was away (an answer whose
# [start, end] meets a window widened by the grace), 200 before the first
# window, between the two and after the second; the creates' 503s likewise.
windows() {
    awk -v a1=$((w1s - GRACE_MS)) -v b1=$((w1e + GRACE_MS)) -v a2=$((w2s - GRACE_MS)) \
        -v b2=$((w2e + GRACE_MS)) -v w1s="$w1s" -v w2e="$w2e" '
        { w = ($2 >= a1 && $1 <= b1) || ($2 >= a2 && $1 <= b2) }
        $3 == 503 && !w { print "503 outside the windows: " $0 }
        $3 == 200 && !w { if ($2 < w1s) before++; else if ($1 > w2e) after++; else between++ }
        END { printf "200 before, between, after: %d %d %d\n", before, between, after }' "$1"
}
windows "$T/out/health.log" > "$T/health.windows"
assert_eq "$(grep -c '^503 outside' "$T/health.windows" || true)" 0 \
    "/healthz 503 only while the database was away"
read -r _ _ _ _ before between after < <(grep '^200 before' "$T/health.windows")
CHECKS=$((CHECKS + 1))
[ "$before" -ge 3 ] && [ "$between" -ge 3 ] && [ "$after" -ge 3 ] ||
    fail "/healthz 200 before, between, after: $before, $between, $after"
windows "$T/codes.log" > "$T/codes.windows"
assert_eq "$(grep '^503 outside' "$T/codes.windows" || true)" "" "creates answered 503 only while the database was away"
for n in 1 2 3; do
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(base_of $n)/healthz")" 200 \
        "instance $n healthy after"
done
assert_eq "$(grep -hE 'killed by signal|exited with' "$T"/todo[123].log || true)" "" \
    "no worker crashed or exited"

check_acknowledged "$answered"
pass
