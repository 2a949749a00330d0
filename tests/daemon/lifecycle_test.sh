#!/bin/bash
# smtpsecd's reload and drain with work in flight (issue 6), in the real
# two-domain world (tests/e2e/world.sh on 127.0.0.6 = a.test, 127.0.0.7 =
# b.test): SIGHUP replaces gb's certificate without dropping the connections
# it holds (an idle TLS client, ga's pooled delivery connection), a broken
# config is refused and the old one kept; SIGTERM drains (no new
# connections, what is in flight finishes, exit 0); SIGUSR1 makes the queue
# see smtpsec-queue hold/release.
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
    world_down
    [ "$failed" -eq 0 ] && rm -rf "$DIR"
}
trap cleanup EXIT

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
secs=$(echo "$(date +%s.%N) - $t0" | bc)
rm -f "$WORLD/ga/daemon.pid"
grep -q -E "^<- +250 .*queued as" "$DIR/swaks.four" || bad "four: not accepted by Postfix a.test: $(tail -3 "$DIR/swaks.four")"
[ $status -eq 0 ] && ok "ga drained and exited 0 in ${secs} s" || bad "ga exited $status after SIGTERM"
grep -q "draining: no new connections" "$WORLD/ga/smtpsecd.log" || bad "ga did not log the drain"
if arrived four 5; then
    ok "four (4 MiB, in flight at SIGTERM) arrived"
else bad "four did not arrive"; fi
[ ! -S "$WORLD/ga/milter.sock" ] || bad "ga's milter socket is still there after the drain"
world_gateway_start ga || bad "ga did not restart"

# 5. Drain gb with a connection in flight: no new connections, the old one is waited for.
gb_pid=$(cat "$WORLD/gb/daemon.pid")
kill -TERM "$gb_pid"
wait_log gb "draining: no new connections" 1 5 || bad "gb did not log the drain"
sleep 0.3
# The listening socket stays open while draining (Listener::stop_accepting only stops
# watching it), so the kernel still completes TCP handshakes; what a client sees is
# that nothing serves it: no TLS handshake.
timeout 3 openssl s_client -connect 127.0.0.7:4650 -alpn smtpsec/0 </dev/null >"$DIR/late.out" 2>&1
if ! grep -q "^ALPN protocol: smtpsec/0" "$DIR/late.out"; then
    ok "draining gb serves no new connection (no TLS handshake)"
else bad "draining gb still serves new connections"; fi
sleep 1
kill -0 "$gb_pid" 2>/dev/null && kill -0 "$OLD" 2>/dev/null &&
    ok "draining gb waits while the idle client is connected" || bad "gb did not wait for the open connection"
kill "$OLD"; t0=$(date +%s.%N)
wait "$gb_pid"; status=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
rm -f "$WORLD/gb/daemon.pid"
[ $status -eq 0 ] && ok "gb exited 0, ${secs} s after the last connection closed" || bad "gb exited $status"

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
