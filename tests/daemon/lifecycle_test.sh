#!/bin/bash
# smtpsecd's reload and drain with work in flight (issue 6), in the real
# two-domain world (tests/e2e/world.sh on 127.0.0.6 = a.test, 127.0.0.7 =
# b.test): SIGHUP replaces gb's certificate without dropping the connections
# it holds (an idle TLS client, ga's pooled delivery connection), a broken
# config is refused and the old one kept; SIGTERM drains (the listening
# socket closes so new connections are refused, what is in flight finishes,
# idle connections are ended at once, exit 0 within seconds); SIGUSR1 makes
# the queue see smtpsec-queue hold/release.
#
#   lifecycle_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/world.sh
source "$HERE/../e2e/world.sh"
export WORLD_IP_A=127.0.0.6 WORLD_IP_B=127.0.0.7
DIR=$(mktemp -d /tmp/smtpsec-life.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) works below it
passed=0; failed=0
CLIENTS=()
cleanup() {
    local p
    for p in "${CLIENTS[@]}"; do kill "$p" 2>/dev/null; done
    # shellcheck disable=SC2086
    [ -n "${frozen:-}" ] && kill -CONT $frozen 2>/dev/null
    world_down
    [ "$failed" -eq 0 ] && rm -rf "$DIR"
}
trap cleanup EXIT

since() { awk -v t0="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t0 }'; }  # seconds since T0 (bc is not on a fresh machine)
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log"; do echo "---- tail $f"; tail -12 "$f"; done
}
send() {  # SUBJECT [swaks args]: alice@a.test -> bob@b.test, submitted at Postfix a.test
    local subject=$1; shift
    swaks --server 127.0.0.6:2525 --from alice@a.test --to bob@b.test --header "Subject: $subject" \
        --body "body of $subject" "$@" >"$DIR/swaks.$subject" 2>&1
}
arrived() {  # SUBJECT SECONDS
    local i
    for ((i = 0; i < $2 * 5; i++)); do
        grep -lq "^Subject: $1\$" "$BOB"/new/* 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
log_count() { grep -c -F -- "$2" "$WORLD/$1/smtpsecd.log"; }
wait_log() {  # GATEWAY TEXT MIN_COUNT SECONDS
    local i
    for ((i = 0; i < $4 * 10; i++)); do
        [ "$(log_count "$1" "$2")" -ge "$3" ] && return 0
        sleep 0.1
    done
    return 1
}
# client NAME: an idle TLS client (ALPN smtpsec/0) on gb's listener; its pid in CLIENT.
client() {
    mkfifo "$DIR/$1.in"
    openssl s_client -connect 127.0.0.7:4650 -alpn smtpsec/0 -servername mx.b.test \
        <>"$DIR/$1.in" >"$DIR/$1.out" 2>&1 &
    CLIENT=$!; CLIENTS+=("$CLIENT")
    local i
    for ((i = 0; i < 50; i++)); do grep -q "^ALPN protocol: smtpsec/0" "$DIR/$1.out" && return 0; sleep 0.1; done
    return 1
}
serial_of() { openssl x509 -noout -serial -in "$DIR/$1.out" 2>/dev/null; }  # the server certificate's
serial_file() { openssl x509 -noout -serial -in "$1"; }

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
BOB=$("$WORLD_PF" mailbox "$WORLD/pb" bob@b.test)
GA_CONF="$WORLD/ga/smtpsecd.conf"; GB_CONF="$WORLD/gb/smtpsecd.conf"

# 1. Reload ga: delivery connections kept for reuse 30 s (so that one stays open across gb's reload).
sed -i 's/^ct_log_list = ""$/&\nidle_timeout = "30s"/' "$GA_CONF"
kill -HUP "$(cat "$WORLD/ga/daemon.pid")"
wait_log ga "reload done: signing for a.test" 1 5 && ok "ga: SIGHUP -> reload done" || bad "ga: no reload done"

send one
arrived one 20 && ok "one: delivered over SMTPsec" || bad "one: not delivered"
# gb's id of the connection that carried one (its log: "ID: PEER: Email #1 from ...").
conn_before=$(grep -F ": Email #1 from alice@a.test" "$WORLD/gb/smtpsecd.log" | tail -1 | sed 's/^[^ ]* [^ ]* \([^:]*\):.*/\1/')
[ -n "$conn_before" ] && ok "one came over gb's connection $conn_before" || bad "no connection id for one in gb's log"

# 2. Reload gb with a new certificate (same key: the TLSA 3 1 1 record still matches) while
#    an idle TLS client and ga's pooled connection are open.
client old || bad "the first TLS client did not connect"
OLD=$CLIENT
openssl req -new -x509 -key "$WORLD/gb/key.pem" -out "$WORLD/gb/cert2.pem" -days 30 \
    -subj "/CN=mx.b.test" -addext "subjectAltName=DNS:mx.b.test" 2>/dev/null
[ "$(serial_of old)" = "$(serial_file "$WORLD/gb/cert.pem")" ] || bad "the first client did not see cert.pem"
sed -i "s#^certificate = \"$WORLD/gb/cert.pem\"#certificate = \"$WORLD/gb/cert2.pem\"#" "$GB_CONF"
kill -HUP "$(cat "$WORLD/gb/daemon.pid")"
if wait_log gb "reload done: signing for b.test" 1 5; then ok "gb: SIGHUP with a new certificate -> reload done"
else bad "gb: no reload done"; fi
sleep 0.5
if kill -0 "$OLD" 2>/dev/null && [ "$(log_count gb "connection ended")" -eq 0 ]; then
    ok "the idle TLS client's connection survived the reload"
else bad "the idle client's connection was dropped by the reload"; fi
client new || bad "a new TLS client did not connect after the reload"
NEW=$CLIENT
[ "$(serial_of new)" = "$(serial_file "$WORLD/gb/cert2.pem")" ] &&
    [ "$(serial_of new)" != "$(serial_of old)" ] &&
    ok "a new connection gets the new certificate ($(serial_of new))" ||
    bad "new connection: $(serial_of new), expected $(serial_file "$WORLD/gb/cert2.pem")"
kill "$NEW"
send two
arrived two 20 && ok "two: delivered after the reload" || bad "two: not delivered after the reload"
[ -n "$conn_before" ] && grep -q -F "$conn_before: 127.0.0.1:" "$WORLD/gb/smtpsecd.log" &&
    grep -F "$conn_before: " "$WORLD/gb/smtpsecd.log" | grep -q -F ": Email #2 from alice@a.test" &&
    ok "two travelled as Email #2 over connection $conn_before, opened before the reload" ||
    bad "ga's pre-reload connection $conn_before did not carry two"

# 3. A broken config: refused with FILE:LINE, the running one kept.
cp "$GB_CONF" "$DIR/gb.conf.good"
sed -i 's/^retry_max = "5s"$/retry_max = "1s"/' "$GB_CONF"
line=$(grep -n '^retry_max = ' "$GB_CONF" | cut -d: -f1)
kill -HUP "$(cat "$WORLD/gb/daemon.pid")"
if wait_log gb "reload refused: $GB_CONF has 1 problem(s); the running configuration is kept" 1 5 &&
    grep -q -F "error: $GB_CONF:$line: [queue] retry_max: \"1s\" is below retry_min (\"2s\")" "$WORLD/gb/smtpsecd.log"
then ok "gb: a broken config is refused, the log names $GB_CONF:$line"
else bad "gb: the broken config was not refused as expected"; fi
client after_bad || bad "no TLS client after the refused reload"
kill "$CLIENT"
[ "$(serial_of after_bad)" = "$(serial_file "$WORLD/gb/cert2.pem")" ] &&
    ok "after the refused reload gb still serves the previous config's certificate" ||
    bad "after the refused reload: certificate $(serial_of after_bad)"
send three
arrived three 20 && ok "three: delivered after the refused reload" || bad "three: not delivered"
kill -0 "$OLD" 2>/dev/null && ok "the idle client's connection survived both reloads" || bad "the idle client is gone"
cp "$DIR/gb.conf.good" "$GB_CONF"

# 4. Drain ga with a delivery in flight: SIGTERM as soon as the milter has taken a 4 MiB message.
head -c 3145728 /dev/urandom | base64 -w 76 > "$DIR/big.txt"
send four --attach "@$DIR/big.txt"
ga_pid=$(cat "$WORLD/ga/daemon.pid")
kill -TERM "$ga_pid"
t0=$(date +%s.%N)
wait "$ga_pid"; status=$?
secs=$(since "$t0")
rm -f "$WORLD/ga/daemon.pid"
grep -q -E "^<- +250 .*queued as" "$DIR/swaks.four" || bad "four: not accepted by Postfix a.test: $(tail -3 "$DIR/swaks.four")"
[ $status -eq 0 ] && ok "ga drained and exited 0 in ${secs} s" || bad "ga exited $status after SIGTERM"
grep -q "draining: no new connections" "$WORLD/ga/smtpsecd.log" || bad "ga did not log the drain"
if arrived four 5; then
    ok "four (4 MiB, in flight at SIGTERM) arrived"
else bad "four did not arrive"; fi
[ ! -S "$WORLD/ga/milter.sock" ] || bad "ga's milter socket is still there after the drain"
world_gateway_start ga || bad "ga did not restart"

# 5. Drain gb with an inbound delivery in flight and an idle TLS client connected:
#    the listening socket is closed (a new TCP connect is refused, not queued in the
#    kernel's backlog), the idle client is ended at once with service_unavailable,
#    the in-flight Email is answered first, and gb exits in seconds, not after its
#    30 s drain limit.
kill -0 "$OLD" 2>/dev/null || bad "the idle client is gone before gb's drain"
gb_pid=$(cat "$WORLD/gb/daemon.pid")
send six --attach "@$DIR/big.txt" &
SWAKS=$!
# Postfix b.test is frozen (SIGSTOP) until gb has begun the drain, so six is
# certainly in flight inside gb (authenticated, re-injection waiting for the
# MTA) when SIGTERM arrives; the MTA is thawed once the drain is under way.
pb_master=$(tr -d ' ' < "$WORLD/pb/queue/pid/master.pid")
frozen="$pb_master $(ps -o pid= --ppid "$pb_master" | tr '\n' ' ')"
authenticated=$(log_count gb "authenticated")
# shellcheck disable=SC2086
kill -STOP $frozen
for ((i = 0; i < 1500; i++)); do
    [ "$(log_count gb "authenticated")" -gt "$authenticated" ] && break
    sleep 0.02
done
kill -TERM "$gb_pid"; t0=$(date +%s.%N)
wait "$SWAKS"
wait_log gb "draining: no new connections" 1 5 || bad "gb did not log the drain"
wait_log gb "no longer listening on 127.0.0.7:4650" 1 5 || bad "gb did not close its listening socket"
ss -Hltn "src 127.0.0.7:4650" > "$DIR/late.ss" 2>&1
if timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.7/4650' 2>"$DIR/late.err"; then
    bad "draining gb still accepts TCP connections (listening: $(cat "$DIR/late.ss"))"
elif grep -q "Connection refused" "$DIR/late.err"; then
    ok "draining gb refuses a new TCP connection (listening socket closed)"
else bad "a TCP connect to draining gb: $(cat "$DIR/late.err")"; fi
# shellcheck disable=SC2086
kill -CONT $frozen
wait "$gb_pid"; status=$?
secs=$(since "$t0")
rm -f "$WORLD/gb/daemon.pid"
[ $status -eq 0 ] && ok "gb drained and exited 0" || bad "gb exited $status"
if awk -v s="$secs" 'BEGIN { exit !(s < 12) }'; then  # the drain limit is 30 s; six in flight takes a few
    ok "gb exited ${secs} s after SIGTERM although an idle client was connected"
else bad "gb took ${secs} s to drain (an idle connection held it)"; fi
[ "$(log_count gb "draining: ending the connection (service_unavailable)")" -ge 1 ] &&
    ok "gb ended its idle connections with service_unavailable" || bad "gb did not end the idle connections"
sleep 0.3
kill -0 "$OLD" 2>/dev/null && bad "the idle client is still connected after gb's exit" ||
    ok "the idle TLS client saw its connection closed"
kill "$OLD" 2>/dev/null
grep -q -E "^<- +250 .*queued as" "$DIR/swaks.six" || bad "six: not accepted by Postfix a.test: $(tail -3 "$DIR/swaks.six")"
if arrived six 10; then ok "six (4 MiB, in flight into gb at SIGTERM) arrived"
else bad "six did not arrive"; fi
# six was in flight: gb answered it after the drain began (else this test proved nothing).
drain_line=$(grep -n -F "draining: no new connections" "$WORLD/gb/smtpsecd.log" | tail -1 | cut -d: -f1)
six_line=$(grep -n -E ": Email #[0-9]+: delivered" "$WORLD/gb/smtpsecd.log" | tail -1 | cut -d: -f1)
[ -n "$drain_line" ] && [ -n "$six_line" ] && [ "$six_line" -gt "$drain_line" ] &&
    ok "six was delivered by gb after SIGTERM (log line $six_line > $drain_line)" ||
    bad "six was not in flight at gb's SIGTERM (drain at line $drain_line, delivery at line $six_line)"

# 6. SIGUSR1: ga rescans its queue and so sees smtpsec-queue hold/release (gb is down, so
#    five stays queued until gb is back).
send five
sleep 1
"$SMTPSEC_QUEUE" -d "$WORLD/ga/spool" -p /nonexistent list > "$DIR/list" 2>&1
id=$(grep -B3 -A3 'bob@b.test' "$DIR/list" | grep -o -E '^[0-9A-F]{6,}' | head -1)
if [ -n "$id" ]; then ok "five: queued at ga while gb is down ($id)"; else bad "five is not queued"; cat "$DIR/list"; fi
"$SMTPSEC_QUEUE" -d "$WORLD/ga/spool" -p /nonexistent hold ALL >/dev/null
kill -USR1 "$(cat "$WORLD/ga/daemon.pid")"
world_gateway_start gb || bad "gb did not restart"
if arrived five 8; then bad "five was delivered while held"
else ok "five held: not delivered in 8 s although gb is back (retry_max 5s)"; fi
"$SMTPSEC_QUEUE" -d "$WORLD/ga/spool" -p /nonexistent release ALL >/dev/null
kill -USR1 "$(cat "$WORLD/ga/daemon.pid")"
arrived five 10 && ok "five released + SIGUSR1: delivered" || bad "five: not delivered after release + SIGUSR1"

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
