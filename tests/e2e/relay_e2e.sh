#!/bin/bash
# Issue 13 with real Postfix: the listener never relays and never lets the
# mailbox show a From other than the one authenticated. The attacker is an
# authenticated domain (a.test, its gateway ga) that publishes SRV records
# for outside.test pointing at b.test's gateway: ga then hands gb an Email
# for victim@outside.test, exactly as any hostile SMTPsec client could.
#
#   relay_e2e.sh BUILD_DIR     (WORLD_IP_A/WORLD_IP_B: default 127.0.0.14/15)
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.14} WORLD_IP_B=${WORLD_IP_B:-127.0.0.15}
IPA=$WORLD_IP_A; IPB=$WORLD_IP_B
export WORLD_EXTRA_RECORDS="outside.test _smtpsec._tcp.outside.test. 3600 IN SRV 0 0 4650 mx.b.test."
DIR=$(mktemp -d /tmp/smtpsec-relay-e2e.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) works below it
passed=0; failed=0
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log" "$WORLD/pb/maillog"; do
        echo "---- tail $f"; tail -15 "$f"
    done
}
send() {  # SERVER FROM TO SUBJECT [swaks args...]
    local server=$1 from=$2 to=$3 subject=$4; shift 4
    swaks --server "$server" --from "$from" --to "$to" --header "Subject: $subject" --body "body of $subject" "$@" 2>&1
}
box() { "$WORLD_PF" mailbox "$WORLD/$1" "$2"; }
find_mail() { grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | head -1; }
wait_for() {  # MAILDIR SUBJECT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        [ -n "$(find_mail "$1" "$2")" ] && return 0
        sleep 0.2
    done
    return 1
}
wait_log() {  # FILE PATTERN SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
field() {  # FILE NAME: that header field of the message, unfolded, without its name
    sed '/^$/q' "$1" | awk -v n="$2:" '/^[ \t]/ { if (on) { sub(/^[ \t]+/, " "); v = v $0 }; next }
        { on = (index($0, n) == 1); if (on) v = substr($0, length(n) + 1) } END { print v }' | sed 's/^ //'
}
queue_empty() { postqueue -c "$WORLD/pb/etc" -p 2>&1 | grep -q "Mail queue is empty"; }

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
BOB=$(box pb bob@b.test); ALICE=$(box pa alice@a.test)

# 1. An Email for victim@outside.test reaches gb's listener: unknown_address, never re-injected.
send "$IPA:2525" alice@a.test victim@outside.test relay-1 >/dev/null
if wait_log "$WORLD/gb/smtpsecd.log" "unknown_address for 1 recipient(s) not in our domains, first victim@outside.test" 30; then
    ok "gb answered unknown_address for victim@outside.test (our domains: b.test)"
else bad "gb did not refuse victim@outside.test"; fi
wait_for "$ALICE" "Undelivered Mail.*" 30 || for ((i = 0; i < 150; i++)); do grep -lq "victim@outside.test" "$ALICE"/new/* 2>/dev/null && break; sleep 0.2; done
dsn=$(grep -l "victim@outside.test" "$ALICE"/new/* 2>/dev/null | head -1)
[ -n "$dsn" ] && grep -qi "^Status: 5" "$dsn" && grep -q "unknown_address" "$dsn" &&
    ok "the sender got a permanent failure (DSN) for victim@outside.test" || bad "no DSN for victim@outside.test"
! grep -q "to=<victim@outside.test>," "$WORLD/pb/maillog" && ! grep -q "smtpsec-in.*victim@outside.test" "$WORLD/pb/maillog" &&
    queue_empty && ok "Postfix b.test never saw victim@outside.test; its queue is empty" ||
    { bad "victim@outside.test reached Postfix b.test"; grep "victim@outside" "$WORLD/pb/maillog"; }

# 1b. A hand-made Email (tests/e2e/smtpsec_send.cc: our client code, a.test's key) straight to gb,
#     for a domain literal, another domain and Bob: only Bob's copy reaches Postfix.
printf 'SMTPsec-Used:\r\nFrom: alice@a.test\r\nTo: bob@b.test\r\nSubject: relay-raw\r\n\r\nHello.\r\n' > "$DIR/raw.eml"
out=$("$BUILD/tests/e2e/smtpsec_send" "$WORLD/dns/unbound.conf" "$WORLD/ga/cert.pem" "$WORLD/ga/key.pem" b.test \
    "$DIR/raw.eml" 'victim@[127.0.0.1]' victim@outside.example bob@b.test 2>&1)
grep -q '^victim@\[127.0.0.1\] permanent .*unknown_address' <<<"$out" &&
    grep -q '^victim@outside.example permanent .*unknown_address' <<<"$out" && grep -q '^bob@b.test delivered' <<<"$out" &&
    ok "hand-made Email: the domain literal and victim@outside.example answered unknown_address, bob@b.test delivered" ||
    { bad "hand-made Email: answers"; echo "$out"; }
wait_for "$BOB" relay-raw 30 && ! grep -q 'to=<victim@' "$WORLD/pb/maillog" && queue_empty &&
    ok "only Bob's copy reached Postfix b.test (no victim@ recipient in its log, queue empty)" ||
    { bad "hand-made Email: Postfix saw a victim"; grep "victim@" "$WORLD/pb/maillog"; }

# 2. Our check bypassed (gb told to accept outside.test): the shipped re-injection service refuses to relay.
sed -i '/^\[listener\]$/a accept_domains = ["outside.test"]' "$WORLD/gb/smtpsecd.conf"
kill -HUP "$(cat "$WORLD/gb/daemon.pid")"
wait_log "$WORLD/gb/smtpsecd.log" "reload done" 10 || bad "gb did not reload"
send "$IPA:2525" alice@a.test victim@outside.test relay-2 >/dev/null
if wait_log "$WORLD/pb/maillog" "smtpsec-in.*reject: RCPT .*<victim@outside.test>: Relay access denied" 30; then
    ok "with our check bypassed, the inbound re-injection smtpd refused to relay: $(grep -m1 -o '5[0-9][0-9] 5.7.1 <victim@outside.test>: Relay access denied' "$WORLD/pb/maillog")"
else bad "the inbound re-injection smtpd did not refuse the relay"; fi
wait_log "$WORLD/gb/smtpsecd.log" "Email #[0-9]*: unknown_address: every recipient was refused" 10 &&
    ok "gb answered unknown_address with Postfix's refusal" || bad "gb's answer after Postfix's refusal"
sleep 1
# (a delivery or deferral line is "to=<...>, relay=..."; the refusal above is "to=<...> proto=...")
! grep -q "to=<victim@outside.test>," "$WORLD/pb/maillog" && queue_empty &&
    ok "nothing for victim@outside.test left Postfix b.test (no delivery attempt, queue empty)" ||
    { bad "Postfix b.test queued or relayed victim@outside.test"; grep "victim@outside" "$WORLD/pb/maillog"; }

# 3. The From the user sees is the From authenticated, also when it is long (but under 2,048 bytes).
long_name=$(head -c 1900 /dev/zero | tr '\0' 'x')
from="\"$long_name\" <alice@a.test>"
send "$IPA:2525" alice@a.test bob@b.test from-long --header "From: $from" >/dev/null
if wait_for "$BOB" from-long 30; then
    m=$(find_mail "$BOB" from-long)
    seen=$(field "$m" From)
    [ "$seen" = "$from" ] && grep -q "smtpsec=pass .*header.from=a.test" <<<"$(field "$m" Authentication-Results)" &&
        ok "a 1,930-byte From reached Bob's Maildir exactly as authenticated (header.from=a.test)" ||
        { bad "the From Bob sees differs from the one sent"; echo "sent: ${from:0:60}... (${#from})"; echo "seen: ${seen:0:60}... (${#seen})"; }
else bad "the long-From message did not arrive"; fi

# 4. A From Postfix would truncate (over 2,048 bytes) is never shown under smtpsec=pass: the
#    listener refuses it (tests/integration/negative_test.cc), and ga's milter, applying the same
#    rule to the From it would sign, leaves such a message to the MTA (plain SMTP, no pass).
from="\"$(head -c 2100 /dev/zero | tr '\0' 'y')\" <alice@a.test>"
send "$IPA:2525" alice@a.test bob@b.test from-too-long --header "From: $from" >/dev/null
if wait_for "$BOB" from-too-long 30; then
    ! grep -qi "smtpsec=pass" "$(find_mail "$BOB" from-too-long)" &&
        ok "a From over 2,048 bytes never reaches Bob under smtpsec=pass" || bad "an over-long From shown as smtpsec=pass"
else bad "the over-long From message did not arrive at all"; fi

# 4b. Straight to gb with a hand-made Email (no milter rule in between): the over-long From is refused.
printf 'SMTPsec-Used:\r\nFrom: "%s" <alice@a.test>\r\nTo: bob@b.test\r\nSubject: from-raw-long\r\n\r\nHello.\r\n' \
    "$(head -c 2100 /dev/zero | tr '\0' 'z')" > "$DIR/long.eml"
out=$("$BUILD/tests/e2e/smtpsec_send" "$WORLD/dns/unbound.conf" "$WORLD/ga/cert.pem" "$WORLD/ga/key.pem" b.test \
    "$DIR/long.eml" bob@b.test 2>&1)
grep -q '^bob@b.test permanent .*authentication_failed' <<<"$out" && sleep 1 && [ -z "$(find_mail "$BOB" from-raw-long)" ] &&
    ok "hand-made Email with a 2,1xx-byte From: authentication_failed, nothing delivered" ||
    { bad "hand-made over-long From"; echo "$out"; }

# 4c. Quoted local part recipients (decision D4): re-injected with a correct RCPT path (Postfix answers
#     for the mailbox itself: unknown here, not internal_error); one SMTP cannot carry: illegal_parameter.
printf 'SMTPsec-Used:\r\nFrom: alice@a.test\r\nTo: bob@b.test\r\nSubject: quoted\r\n\r\nHello.\r\n' > "$DIR/quoted.eml"
out=$("$BUILD/tests/e2e/smtpsec_send" "$WORLD/dns/unbound.conf" "$WORLD/ga/cert.pem" "$WORLD/ga/key.pem" b.test \
    "$DIR/quoted.eml" '"bob x"@b.test' 2>&1)
grep -q '^"bob x"@b.test permanent .*unknown_address' <<<"$out" &&
    grep -q 'smtpsec-in.*reject: RCPT .*Recipient address rejected: User unknown.* to=<"bob x"@b.test>' "$WORLD/pb/maillog" &&
    ok "\"bob x\"@b.test reached Postfix as RCPT TO:<\"bob x\"@b.test> (unknown there: unknown_address)" ||
    { bad "quoted local part"; echo "$out"; grep '"bob x"' "$WORLD/pb/maillog"; }
out=$("$BUILD/tests/e2e/smtpsec_send" "$WORLD/dns/unbound.conf" "$WORLD/ga/cert.pem" "$WORLD/ga/key.pem" b.test \
    "$DIR/quoted.eml" "$(printf '"bob\tx"@b.test')" 2>&1)
grep -q 'permanent .*illegal_parameter' <<<"$out" && ok "a tab in a quoted local part: illegal_parameter" ||
    { bad "tab in a quoted local part"; echo "$out"; }
# Local parts that route to another host (Postfix's percent hack, bang paths, dequoting; Sendmail's
# ruleset 3): unknown_address from gb itself, never shown to the MTA.
out=$("$BUILD/tests/e2e/smtpsec_send" "$WORLD/dns/unbound.conf" "$WORLD/ga/cert.pem" "$WORLD/ga/key.pem" b.test \
    "$DIR/quoted.eml" 'victim%outside.example@b.test' 'outside.example!victim@b.test' '"victim@outside.example"@b.test' 2>&1)
[ "$(grep -c 'permanent .*unknown_address' <<<"$out")" = 3 ] && ! grep -q 'outside.example' "$WORLD/pb/maillog" &&
    ok "victim%outside.example@, outside.example!victim@, \"victim@outside.example\"@b.test: unknown_address, Postfix never saw them" ||
    { bad "source-routed local parts"; echo "$out"; grep 'outside.example' "$WORLD/pb/maillog"; }

# 5. Plain SMTP into b.test with a forged Authentication-Results of ours: removed; another's kept.
send "$IPB:2525" dave@insecure.test bob@b.test forged-ar \
    --header "Authentication-Results: mx.b.test; smtpsec=pass header.from=a.test" \
    --header "Authentication-Results: other.example; spf=pass" >/dev/null
if wait_for "$BOB" forged-ar 30; then
    m=$(find_mail "$BOB" forged-ar)
    ! grep -qi "^Authentication-Results: *mx.b.test" "$m" && grep -qi "^Authentication-Results: other.example; spf=pass" "$m" &&
        ok "plain SMTP: the forged Authentication-Results of mx.b.test was removed, other.example's kept" ||
        { bad "forged Authentication-Results"; sed '/^$/q' "$m"; }
else bad "the plain SMTP message did not arrive"; fi

echo "relay e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
