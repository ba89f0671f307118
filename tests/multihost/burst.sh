#!/bin/bash
# Bursts of 50 simultaneous POST /todos with one key per burst, spread by
# round-robin over three instances sharing one PostgreSQL: per burst one
# todo and one key row; all 50 end 201 (a 409 with Retry-After, from a
# request that waited too long on the first, is retried until 201), their
# bodies byte-equal, exactly one not a replay; the instances' access logs
# show one "created" and that more than one instance served the burst.
# Then two keys with the same data, at once: two todos.
. "$(dirname "$0")/lib.sh"
mh_start
BURSTS=5 PAR=50 TRIES=20

# One client of a burst: POSTs until an answer other than 409 (bounded).
client() {
    local key=$1 data=$2 out=$3 code try=1
    code=$(kpost "$BASE" "$key" "$data" "$out")
    echo "$code" > "$out.first"
    while [ "$code" = 409 ] && [ $try -lt $TRIES ]; do
        [ -n "$(hget "$out.headers" Retry-After)" ] || echo "409 without Retry-After" >> "$out.bad"
        grep -q 'operation-in-progress' "$out.body" || echo "409 body: $(cat "$out.body")" >> "$out.bad"
        sleep 0.2
        try=$((try + 1))
        code=$(kpost "$BASE" "$key" "$data" "$out")
    done
    echo "$code" > "$out.status"
}

for b in $(seq 1 $BURSTS); do
    key=burst-$b
    title="Burst $b"
    data="{\"title\":\"$title\"}"
    d=$T/burst$b
    mkdir -p "$d"
    mark=$(log_mark)
    for i in $(seq 1 $PAR); do
        client "$key" "$data" "$d/r$i" &
        JOBS+=($!)
    done
    wait_jobs

    assert_eq "$(cat "$d"/r*.status | sort | uniq -c | awk '{print $1 " " $2}')" "$PAR 201" \
        "burst $b: every answer ends 201"
    assert_eq "$(cat "$d"/r*.first | sort -u | grep -v -x -e 201 -e 409 || true)" "" \
        "burst $b: first answers are 201 or 409 only"
    assert_eq "$(cat "$d"/r*.bad 2>/dev/null || true)" "" "burst $b: every 409 has Retry-After and a problem"
    assert_eq "$(md5sum "$d"/r*.body | awk '{print $1}' | sort -u | wc -l)" 1 \
        "burst $b: every 201 body is byte-equal"
    assert_eq "$(grep -il '^Idempotent-Replayed: true' "$d"/r*.headers | wc -l)" $((PAR - 1)) \
        "burst $b: all but one are replays"
    body=$(cat "$d/r1.body")
    id=$(jget "$body" '$.id')
    assert_eq "$(jget "$body" '$.title')" "$title" "burst $b: the body is the todo"
    assert_eq "$(grep -ih '^Location:' "$d"/r*.headers | tr -d '\r' | sort -u)" "Location: /todos/$id" \
        "burst $b: one Location"
    assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = '$title'")" 1 "burst $b: exactly one todo"
    assert_eq "$(sql "SELECT count(*), min(status), min(todo_id) FROM idempotency_keys WHERE key = '$key'")" \
        "1|201|$id" "burst $b: exactly one key row, recorded, naming the todo"

    # Who served it, from the instances' own access logs.
    served=0 created=0 answered=0 spread=""
    for n in 1 2 3; do
        c=$(log_since "$n" "$mark" | grep -cE ' POST /todos 201 [0-9.]+ (created|replayed)$' || true)
        created=$((created + $(log_since "$n" "$mark" | grep -cE ' POST /todos 201 [0-9.]+ created$' || true)))
        answered=$((answered + c))
        [ "$c" -eq 0 ] || served=$((served + 1))
        spread="$spread $n:$c"
    done
    echo "burst $b: 201s by instance:$spread; first answers: $(cat "$d"/r*.first | sort | uniq -c | tr -s ' \n' ' ')"
    assert_eq "$answered" "$PAR" "burst $b: the logs hold $PAR answers 201"
    assert_eq "$created" 1 "burst $b: the logs hold one created"
    CHECKS=$((CHECKS + 1))
    [ "$served" -ge 2 ] || fail "burst $b: only $served instance served the burst"
done
assert_eq "$(sql 'SELECT count(*) FROM todos')" "$BURSTS" "one todo per burst"
assert_eq "$(sql 'SELECT count(*) FROM idempotency_keys')" "$BURSTS" "one key row per burst"

# Two keys, the same data, at once (on two instances): two todos.
for k in 1 2; do
    kpost "$BASE" "same-$k" '{"title":"Same data"}' "$T/same$k" > "$T/same$k.status" &
    JOBS+=($!)
done
wait_jobs
assert_eq "$(cat "$T/same1.status") $(cat "$T/same2.status")" "201 201" "two keys: both created"
assert_eq "$(grep -il '^Idempotent-Replayed' "$T"/same*.headers | wc -l)" 0 "two keys: no replay"
assert_ne "$(jget "$(cat "$T/same1.body")" '$.id')" "$(jget "$(cat "$T/same2.body")" '$.id')" \
    "two keys: two ids"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'Same data'")" 2 "two keys, two todos"
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key LIKE 'same-%'")" 2 "two key rows"
assert_eq "$(integrity)" ok "integrity"
pass
