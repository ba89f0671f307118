#!/bin/bash
# A bounded soak of mixed traffic from several client processes: keyed
# creates, retries of recent keys, bursts of 50 parallel requests with one
# key, reads, PUT, PATCH and DELETE with keys. Zero 5xx, zero duplicates,
# and the key-mapping invariants hold at the end. SOAK_SECONDS (default 10;
# `make soak` runs 60) bounds the time, SOAK_MAX the requests per client.
. "$(dirname "$0")/../lib.sh"
stack_start
SOAK_SECONDS=${SOAK_SECONDS:-10}
SOAK_MAX=${SOAK_MAX:-20000}
CLIENTS=3
J='Content-Type: application/json'

# call STATSFILE METHOD PATH KEY [BODY]: one request; prints its status.
call() {
    local code
    code=$(curl -s --max-time 10 -o "$T/w/$1.body" -D "$T/w/$1.headers" -w '%{http_code}' \
        -X "$2" "$BASE$3" -H "$J" ${4:+-H "Idempotency-Key: $4"} ${5:+-d "$5"}) || code=000
    echo "$code"
}

client() {
    local c=$1 n=0 end=$((SECONDS + SOAK_SECONDS)) op code key id ids=() keys=() i b
    local req=0 replays=0 conflicts=0 errors=0 bursts=0 creates=0
    while [ $SECONDS -lt $end ] && [ $n -lt $SOAK_MAX ]; do
        n=$((n + 1)); op=$((RANDOM % 20))
        if [ $op -lt 6 ] || [ ${#ids[@]} -eq 0 ]; then
            key=s$c-$n
            code=$(call c$c POST /todos "$key" "{\"title\":\"$key\"}"); req=$((req + 1))
            if [ "$code" = 201 ]; then
                creates=$((creates + 1)); keys+=("$key")
                ids+=($(grep -i '^Location:' "$T/w/c$c.headers" | tr -d '\r' | sed 's|.*/||'))
                cp "$T/w/c$c.body" "$T/w/$key.first"
            fi
        elif [ $op -lt 9 ]; then
            key=${keys[RANDOM % ${#keys[@]}]}
            code=$(call c$c POST /todos "$key" "{\"title\":\"$key\"}"); req=$((req + 1))
            if grep -qi '^Idempotent-Replayed: true' "$T/w/c$c.headers" &&
                cmp -s "$T/w/c$c.body" "$T/w/$key.first"; then
                replays=$((replays + 1))
            else
                echo "client $c: retry of $key was not an identical replay ($code)" >> "$T/w/problems"
            fi
        elif [ $op -eq 9 ] && [ $((n % 4)) -eq 0 ]; then
            key=b$c-$n; bursts=$((bursts + 1))
            for b in $(seq 1 50); do
                curl -s --max-time 20 -o "$T/w/$key.body$b" -w '%{http_code}\n' -X POST "$BASE/todos" \
                    -H "$J" -H "Idempotency-Key: $key" -d "{\"title\":\"$key\"}" > "$T/w/$key.code$b" &
            done
            wait $(jobs -p | tail -n 50)
            req=$((req + 50))
            [ "$(cat "$T/w/$key".code* | sort -u)" = 201 ] ||
                echo "burst $key: $(cat "$T/w/$key".code* | sort | uniq -c | tr '\n' ' ')" >> "$T/w/problems"
            [ "$(md5sum "$T/w/$key".body* | awk '{print $1}' | sort -u | wc -l)" = 1 ] ||
                echo "burst $key: bodies differ" >> "$T/w/problems"
            replays=$((replays + 49)); creates=$((creates + 1))
            echo "$key" >> "$T/w/bursts"
            rm -f "$T/w/$key".*
        else
            id=${ids[RANDOM % ${#ids[@]}]}
            case $op in
            9|10|11) code=$(call c$c GET "/todos/$id") ;;
            12|13) code=$(call c$c GET "/todos?limit=20") ;;
            14|15) code=$(call c$c PUT "/todos/$id" "p$c-$n" \
                "{\"title\":\"put $id\",\"description\":\"soak\",\"is_completed\":false}") ;;
            16|17) code=$(call c$c PATCH "/todos/$id" "q$c-$n" '{"is_completed":true}') ;;
            *) code=$(call c$c DELETE "/todos/$id" "d$c-$n") ;;
            esac
            req=$((req + 1))
        fi
        case $code in
        409) conflicts=$((conflicts + 1)) ;;
        5??|000) errors=$((errors + 1)); echo "client $c: $code" >> "$T/w/problems" ;;
        esac
    done
    echo "$req $replays $conflicts $errors $bursts $creates" > "$T/w/stats.$c"
    printf '%s\n' "${keys[@]}" > "$T/w/keys.$c"
}

mkdir -p "$T/w"
: > "$T/w/problems"
for c in $(seq 1 $CLIENTS); do
    client "$c" &
    JOBS+=($!)
done
wait_jobs

read -r req replays conflicts errors bursts creates < <(cat "$T"/w/stats.* |
    awk '{for (i = 1; i <= 6; i++) s[i] += $i} END {print s[1], s[2], s[3], s[4], s[5], s[6]}')
echo "soak: ${SOAK_SECONDS}s, $CLIENTS clients: $req requests, $replays replays," \
    "$conflicts conflicts, $errors errors, $bursts bursts of 50, $creates todos created"
assert_eq "$(cat "$T/w/problems")" "" "no 5xx, no failed replay, no broken burst"
assert_eq "$errors" 0 "no errors"
[ "$req" -gt 100 ] || fail "only $req requests"
CHECKS=$((CHECKS + 1))

# Invariants: every create key made exactly one todo, and nothing else did.
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE method = 'POST'")" "$creates" \
    "one key row per create"
assert_eq "$(sql "SELECT count(*) FROM (SELECT todo_id FROM idempotency_keys WHERE method = 'POST'
    GROUP BY todo_id HAVING count(*) > 1) AS dup")" 0 "no todo claimed by two keys"
assert_eq "$(sql "SELECT count(*) FROM todos WHERE id NOT IN
    (SELECT todo_id FROM idempotency_keys WHERE method = 'POST')")" 0 "no todo without its key"
assert_eq "$(sql "SELECT max(id) FROM todos" | sed 's/^$/0/')" \
    "$(sql "SELECT coalesce(max(todo_id), 0) FROM idempotency_keys WHERE method = 'POST'")" \
    "no todo was made beyond the keyed creates"
# SQLite's AUTOINCREMENT counter moves only with commits; PostgreSQL's
# identity also skips the ids of rolled-back inserts, so there the three
# checks above carry it.
if [ "$ENGINE" = sqlite ]; then
    assert_eq "$(sql "SELECT count(*) FROM sqlite_sequence WHERE name = 'todos' AND seq = $creates")" 1 \
        "exactly $creates todos were ever made"
fi
assert_eq "$(integrity)" ok "integrity"
pass
