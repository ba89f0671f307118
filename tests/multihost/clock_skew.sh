#!/bin/bash
# Three hosts on one PostgreSQL whose wall clocks disagree by days:
# instance 1's is right, instance 2's a day ahead, instance 3's a day
# behind (build/clockshift.so preloaded into each with its own shift).
# Expiry is the database's call, not a host's: a key used on one host
# replays the same answer and the same Idempotency-Key-Expires on every
# host within its TTL, a write on the host a day ahead purges no live key,
# todos are stamped by the database, and past the TTL every host answers
# 409 idempotency-key-expired alike.
. "$(dirname "$0")/lib.sh"
export TODO_KEY_TTL=15
SHIM=$ROOT/build/clockshift.so
[ -f "$SHIM" ] || fail "$SHIM is missing (make units builds it)"
DAY=86400
echo 0 > "$T/shift1"
echo $DAY > "$T/shift2"
echo -$DAY > "$T/shift3"
for n in 1 2 3; do INST_ENV[n]="LD_PRELOAD=$SHIM CLOCKSHIFT_FILE=$T/shift$n"; done
mh_start

# Unix seconds of an RFC 3339 stamp or an HTTP date.
epoch() {
    date -u -d "$1" +%s
}

# The hosts' own clocks do differ: each stamps its access log by its own.
for n in 1 2 3; do
    curl -s -o /dev/null --max-time 10 "$(base_of "$n")/healthz"
done
sleep 0.2
today=$(date -u +%s)
for n in 1 2 3; do
    shift_s=$(cat "$T/shift$n")
    stamp=$(grep -m1 ' GET /healthz ' "$T/todo$n.log" | awk '{ print $1 }')
    d=$(( $(epoch "$stamp") - today - shift_s ))
    CHECKS=$((CHECKS + 1))
    [ "${d#-}" -le 60 ] || fail "instance $n's clock is not shifted by $shift_s s: $stamp"
done

code=$(kpost "$BASE1" first '{"title":"first"}' "$T/first")
assert_eq "$code" 201 "created on the host whose clock is right"
expires=$(hget "$T/first.headers" Idempotency-Key-Expires)
location=$(hget "$T/first.headers" Location)
d=$(( $(epoch "$expires") - $(date +%s) - TODO_KEY_TTL ))
CHECKS=$((CHECKS + 1))
[ "${d#-}" -le 60 ] || fail "the key does not expire a TTL from now: $expires"

for n in 2 3; do
    code=$(kpost "$(base_of "$n")" first '{"title":"first"}' "$T/retry$n")
    assert_eq "$code" 201 "the retry on instance $n"
    assert_eq "$(hget "$T/retry$n.headers" Idempotent-Replayed)" true "instance $n replays"
    assert_eq "$(hget "$T/retry$n.headers" Idempotency-Key-Expires)" "$expires" \
        "instance $n gives the same expiry"
    cmp -s "$T/retry$n.body" "$T/first.body" || fail "instance $n replays another body"
    CHECKS=$((CHECKS + 1))
done

# Writes on the skewed hosts: stamped by the database, purging nothing live.
for n in 2 3; do
    code=$(kpost "$(base_of "$n")" "other$n" "{\"title\":\"other $n\"}" "$T/other$n")
    assert_eq "$code" 201 "a create on instance $n"
    created=$(jget "$(cat "$T/other$n.body")" '$.created_at')
    d=$(( $(epoch "$created") - $(date +%s) ))
    CHECKS=$((CHECKS + 1))
    [ "${d#-}" -le 60 ] || fail "instance $n stamped a todo with its own clock: $created"
    assert_eq "$(hget "$T/other$n.headers" Idempotency-Key-Expires)" \
        "$(LC_ALL=C date -u -d "@$(sql "SELECT expires_at FROM idempotency_keys WHERE key = 'other$n'")" \
        '+%a, %d %b %Y %H:%M:%S GMT')" "instance $n's key expiry is the stored one"
done
assert_eq "$(sql "SELECT count(*) FROM idempotency_keys WHERE key = 'first'")" 1 \
    "the live key is still there after the skewed hosts' writes"
assert_eq "$(sql 'SELECT count(*) FROM todos')" 3 "three todos"

# Past the TTL, by the database's clock: every host says so.
sleep_past $(( $(epoch "$expires") + 1 ))
for n in 1 2 3; do
    code=$(kpost "$(base_of "$n")" first '{"title":"first"}' "$T/late$n")
    assert_eq "$code" 409 "instance $n past the TTL"
    assert_eq "$(jget "$(cat "$T/late$n.body")" '$.type')" /problems/idempotency-key-expired \
        "instance $n: expired"
    assert_eq "$(hget "$T/late$n.headers" Location)" "$location" "instance $n: the first Location"
done
assert_eq "$(sql "SELECT count(*) FROM todos WHERE title = 'first'")" 1 "one todo for the key"
pass
