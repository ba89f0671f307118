#!/bin/bash
# A host killed mid-transaction: 4 clients create todos with keys through
# the round-robin upstream, each retried with its key until a 2xx, while
# instance 1 (its write transactions held open 50 ms, so kills land inside
# them) has its workers killed with SIGKILL every 150 ms, and once the
# whole instance, master and workers, then started again. Afterwards every
# acknowledged key maps to exactly one todo, no todo lacks its key, every
# key replays its first answer byte for byte, and the database is intact.
. "$(dirname "$0")/lib.sh"
INST_ENV[1]="TODO_TEST_TXN_DELAY_MS=50"
mh_start
CLIENTS=4 PER_CLIENT=400 TRIES=50 SECONDS_MAX=40

# A client: keyed creates, each retried with its key until it gets a 2xx;
# new keys until told to stop (the file stop), each key seen through.
# Client 4 sends each key first to instance 1 alone (no failover: a kill
# reaches the client), then its retries through the round-robin upstream,
# to whichever host is next.
client() {
    local c=$1 i try code base end=$((SECONDS + SECONDS_MAX))
    for i in $(seq 1 $PER_CLIENT); do
        [ ! -e "$T/stop" ] && [ $SECONDS -lt $end ] || break
        for try in $(seq 1 $TRIES); do
            base=$BASE
            [ "$c" != 4 ] || [ "$try" != 1 ] || base=$BASE1
            code=$(KPOST_MAX_TIME=15 kpost "$base" "c$c-$i" "{\"title\":\"client $c item $i\"}" \
                "$T/out/c$c-$i")
            echo "$code" >> "$T/out/codes"
            case $code in 2??) break ;; esac
            sleep 0.2
        done
        echo "c$c-$i $code $try" >> "$T/out/c$c.log"
    done
}

mkdir -p "$T/out"
for c in $(seq 1 $CLIENTS); do
    client "$c" &
    JOBS+=($!)
done

# Kill one of instance 1's workers every 150 ms; halfway, the whole instance.
kills=0 whole=0
for round in $(seq 1 40); do
    if [ "$round" = 20 ]; then
        inst_kill 1
        whole=1
        sleep 0.3
        inst_start 1
        inst_wait 1
    fi
    mapfile -t workers < <(inst_workers 1)
    if [ ${#workers[@]} -gt 0 ]; then
        kill -9 "${workers[RANDOM % ${#workers[@]}]}" 2>/dev/null && kills=$((kills + 1))
    fi
    sleep 0.15
done
touch "$T/stop"
wait_jobs
cat "$T"/out/c*.log > "$T/all.log"
inst_wait 1

answered=$(awk '$2 ~ /^2/' "$T/all.log" | wc -l)
retried=$(awk '$3 > 1' "$T/all.log" | wc -l)
resent=$(awk -v p="$PORT" '$2 == p && $5 ~ /^2/ && /upstream=[^ ]*, /' "$T/access.log" | wc -l)
eofs=$(grep -c 'unexpected EOF on client connection with an open transaction' "$PG_DIR/server.log" || true)
echo "kills: $kills workers + $whole whole instance; keys answered 2xx: $answered;" \
    "keys that needed retries: $retried; transactions cut by a kill: $eofs;" \
    "POSTs nginx sent on to another instance: $resent;" \
    "answers seen: $(sort "$T/out/codes" | uniq -c | tr -s ' \n' ' ')"
CHECKS=$((CHECKS + 1))
[ "$kills" -ge 20 ] || fail "only $kills workers killed"
CHECKS=$((CHECKS + 1))
[ "$answered" -ge 100 ] || fail "only $answered keys answered"
assert_eq "$(awk '$2 !~ /^2/' "$T/all.log")" "" "every key was answered 2xx in the end"
# Both ways a request outlives its host were taken: the client's own retry
# with the key, and nginx's passing the request on to the next instance.
CHECKS=$((CHECKS + 1))
[ "$retried" -ge 1 ] || fail "no client had to retry a key"
CHECKS=$((CHECKS + 1))
[ "$resent" -ge 1 ] || fail "nginx never passed a request on"
CHECKS=$((CHECKS + 1))
[ "$(grep -c 'killed by signal 9' "$T/todo1.log" || true)" -ge 10 ] ||
    fail "instance 1's master saw few killed workers"
# The kills landed inside transactions: the server saw clients vanish in them.
CHECKS=$((CHECKS + 1))
[ "$eofs" -ge 1 ] || fail "no kill landed inside a transaction"
assert_eq "$(grep -h 'killed by signal' "$T/todo2.log" "$T/todo3.log" || true)" "" \
    "instances 2 and 3 lost no worker"
assert_eq "$(grep -c ' POST /todos 2.. ' "$T/todo1.log" | awk '$1 > 0 { print "yes" }')" yes \
    "instance 1 served creates too"

check_acknowledged "$answered"
pass
