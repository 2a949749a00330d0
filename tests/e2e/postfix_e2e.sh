#!/bin/bash
# End to end with real MTAs (issue 5): two Postfix instances on loopback,
# each with its smtpsecd, the signed DNS fixture, messages submitted with
# swaks and counted in the Maildirs. Nothing is faked.
#
#   postfix_e2e.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_QUEUE_LIFETIME=25s
DIR=$(mktemp -d /tmp/smtpsec-e2e.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) works below it
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT
passed=0; failed=0

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log" "$WORLD/pa/maillog" "$WORLD/pb/maillog"; do
        echo "---- tail $f"; tail -15 "$f"
    done
}
send() {  # FROM TO[,TO...] SUBJECT [swaks args...]: submits at Postfix a.test; prints swaks' last reply
    local from=$1 to=$2 subject=$3; shift 3
    swaks --server "${WORLD_IP_A:-127.0.0.2}:2525" --from "$from" --to "$to" --header "Subject: $subject" \
        --header "SMTPsec-Used: forged" --body "body of $subject" "$@" 2>&1
}
box() { "$WORLD_PF" mailbox "$WORLD/$1" "$2"; }
unfolded() {  # FILE: its header section with folded lines joined
    sed -n '1,/^$/p' "$1" | sed ':a;N;$!ba;s/\n[ \t]\+/ /g'
}
find_mail() {  # MAILDIR SUBJECT: the file holding that subject
    grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | head -1
}
wait_for() {  # MAILDIR SUBJECT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        [ -n "$(find_mail "$1" "$2")" ] && return 0
        sleep 0.2
    done
    return 1
}

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
BOB=$(box pb bob@b.test); CAROL=$(box pb carol@b.test); DAVE=$(box pb dave@insecure.test); ALICE=$(box pa alice@a.test)

# 1. A message from a.test to b.test travels over SMTPsec.
send alice@a.test bob@b.test "one" >/dev/null
if wait_for "$BOB" one 30; then
    m=$(find_mail "$BOB" one)
    h=$(unfolded "$m")
    [ "$(grep -ci '^SMTPsec-Used:' <<<"$h")" -eq 1 ] && ! grep -q "forged" "$m" &&
        grep -q "^Authentication-Results: mx.b.test; smtpsec=pass .*header.from=a.test" <<<"$h" &&
        grep -q "^Received: from .*by mx.a.test with ESMTP id [0-9A-F]\+ " <<<"$h" &&
        grep -q "^Received: from mx.a.test (\[127.0.0.1\]) by mx.b.test (TLS1.[23]) with SMTPSEC id" <<<"$h" &&
        grep -q "^body of one" "$m" &&
        ok "a.test -> b.test over SMTPsec: SMTPsec-Used (one, not the forged one), Authentication-Results, trace restored" ||
        { bad "headers of the delivered message"; cat "$m"; }
else bad "the message to bob@b.test did not arrive"; fi
grep -q "to=<bob@b.test>.*relay=" "$WORLD/pa/maillog" && bad "Postfix a.test delivered bob's copy by SMTP itself" ||
    ok "Postfix a.test did not send bob's copy by SMTP (DISCARD after takeover)"
# Postfix logs the take-over as "QUEUEID: milter-discard: ... DISCARD"; ga's own
# line under the same queue id says where the message went (issue 14).
qid=$(grep -F "milter-discard" "$WORLD/pa/maillog" | grep -F "to=<bob@b.test>" | head -1 | sed 's/.*: \([0-9A-F]\{6,\}\): milter-discard.*/\1/')
if [ -n "$qid" ] && grep -q -E "^smtpsecd\[[0-9]+\]: info: $qid: taken over by smtpsecd as queue entry [0-9A-F]+ for 1 recipient, from=<alice@a.test>; the MTA logs it as discarded \(Postfix: milter-discard \.\.\. DISCARD\): smtpsecd delivers it\$" "$WORLD/ga/smtpsecd.log"; then
    ok "Postfix's DISCARD of $qid has ga's line: $(grep -F "$qid: taken over" "$WORLD/ga/smtpsecd.log" | cut -d' ' -f3-)"
else bad "no take-over line in ga's log for Postfix's milter-discard of '${qid}'"; grep -F "milter-discard" "$WORLD/pa/maillog" | head -2; fi

# 2. One SMTPsec and one plain domain: split.
send alice@a.test "carol@b.test,dave@insecure.test" "split" >/dev/null
if wait_for "$CAROL" split 30 && wait_for "$DAVE" split 30; then
    grep -qi '^SMTPsec-Used:' "$(find_mail "$CAROL" split)" &&
        ! grep -qi '^SMTPsec-Used:' "$(find_mail "$DAVE" split)" &&
        grep -q "to=<dave@insecure.test>, relay=${WORLD_IP_B:-127.0.0.3}" "$WORLD/pa/maillog" &&
        ok "split: carol@b.test over SMTPsec, dave@insecure.test by Postfix's SMTP (SMTPsec-Used removed)" ||
        bad "split: wrong copies"
else bad "split: a copy did not arrive"; fi

# 2b. Locally generated mail (Postfix's sendmail command: pickup, non_smtpd_milters).
printf 'From: alice@a.test\nTo: bob@b.test\nSubject: local-pickup\n\nbody of local-pickup\n' |
    sendmail -C "$WORLD/pa/etc" -f alice@a.test bob@b.test
if wait_for "$BOB" local-pickup 30; then
    grep -qi '^SMTPsec-Used:' "$(find_mail "$BOB" local-pickup)" &&
        grep -q "Authentication-Results: mx.b.test;" "$(find_mail "$BOB" local-pickup)" &&
        ok "local submission (sendmail command, non_smtpd_milters) delivered over SMTPsec" ||
        bad "local submission: arrived without SMTPsec"
else bad "local submission: did not arrive"; fi

# 3. A bogus domain is held in our queue, never sent by SMTP, bounced at expiry.
send alice@a.test "x@expired.test" "bogus" >/dev/null
sleep 3
"$SMTPSEC_QUEUE" -d "$WORLD/ga/spool" -p /nonexistent list > "$DIR/queue.txt" 2>&1
grep -q "x@expired.test" "$DIR/queue.txt" && ok "bogus DNS: held in the smtpsecd queue" || { bad "bogus: not in the queue"; cat "$DIR/queue.txt"; }
if wait_for "$ALICE" "Undelivered Mail.*" 60 || grep -lq "x@expired.test" "$ALICE"/new/* 2>/dev/null; then
    dsn=$(grep -l "x@expired.test" "$ALICE"/new/* | head -1)
    grep -q "multipart/report" "$dsn" && grep -qi "^Action: failed" "$dsn" &&
        ok "bogus DNS: a DSN reached alice@a.test at expiry" || { bad "bogus: DSN content"; cat "$dsn"; }
else bad "bogus: no DSN at expiry"; fi
grep -q "to=<x@expired.test>.*relay=" "$WORLD/pa/maillog" && bad "x@expired.test went out by SMTP (downgrade)" ||
    ok "bogus DNS: never sent by SMTP"

# 4. Permanent failure at the far side: a DSN reaches the sender.
send alice@a.test nosuch@b.test "unknown" >/dev/null
sleep 1
for ((i = 0; i < 100; i++)); do grep -lq "nosuch@b.test" "$ALICE"/new/* 2>/dev/null && break; sleep 0.2; done
dsn=$(grep -l "nosuch@b.test" "$ALICE"/new/* 2>/dev/null | head -1)
if [ -n "$dsn" ] && grep -q "multipart/report" "$dsn" && grep -qi "^Status: 5" "$dsn"; then
    ok "unknown recipient at b.test: permanent failure, DSN in alice@a.test's mailbox"
else bad "unknown recipient: no DSN"; fi

# 5. Sender policy (loaded by a reload): login alice may use alice@a.test only.
printf '# login  addresses\nalice  alice@a.test\n' > "$WORLD/ga/senders"
sed -i '/^\[milter\]$/a sender_policy_file = "'"$WORLD/ga/senders"'"' "$WORLD/ga/smtpsecd.conf"
kill -HUP "$(cat "$WORLD/ga/daemon.pid")"
for ((i = 0; i < 50; i++)); do grep -q "reload done" "$WORLD/ga/smtpsecd.log" && break; sleep 0.1; done
# XCLIENT LOGIN is how a test gives Postfix a SASL login ({auth_authen}).
out=$(send alice@a.test bob@b.test "policy-violation" --xclient-login alice --h-From bob@a.test)
if grep -q "^<\*\* *550 5.7.1 .*bob@a.test" <<<"$out" && grep -qi "alice" <<<"$(grep '^<\*\* *550' <<<"$out")"; then
    ok "sender policy: login alice using From bob@a.test rejected: $(grep -m1 '^<\*\* *550' <<<"$out" | cut -c5-)"
else bad "sender policy: violation not rejected with 5.7.1"; echo "$out"; fi
send alice@a.test bob@b.test "policy-allowed" --xclient-login alice >/dev/null &&
    wait_for "$BOB" policy-allowed 30 &&
    ok "sender policy: login alice using alice@a.test delivered over SMTPsec" ||
    bad "sender policy: an allowed sender did not arrive"
sleep 1
! grep -q "^Subject: policy-violation" "$BOB"/new/* &&
    ok "sender policy: the rejected message went nowhere" || bad "sender policy: the rejected message was delivered"

# 6. SIGKILL of the sending gateway in the middle of 200 deliveries loses none.
accepted=0
for i in $(seq 1 200); do
    if [ "$i" -eq 60 ]; then world_gateway_stop ga KILL; world_gateway_start ga || bad "restart after SIGKILL"; fi
    if [ "$i" -eq 120 ]; then
        (sleep 0.3; world_gateway_stop ga KILL; world_gateway_start ga) &
        killer=$!
    fi
    # swaks exits 0 only when the whole transaction, DATA included, got 2xx
    send alice@a.test bob@b.test "bulk $i" >/dev/null && accepted=$((accepted + 1)) && echo "bulk $i" >> "$DIR/accepted"
done
wait "$killer"
world_wait_port "${WORLD_IP_A:-127.0.0.2}" 4650 10 || world_gateway_start ga
delivered=0
for ((t = 0; t < 120; t++)); do
    delivered=$(grep -h "^Subject: bulk " "$BOB"/new/* 2>/dev/null | sort -u | wc -l)
    [ "$delivered" -ge "$accepted" ] && break
    sleep 1
done
missing=$(comm -23 <(sort -u "$DIR/accepted") <(grep -h "^Subject: bulk " "$BOB"/new/* | sed 's/^Subject: //' | sort -u) | wc -l)
[ "$accepted" -ge 150 ] && [ "$missing" -eq 0 ] &&
    ok "SIGKILL twice during 200 submissions: $accepted accepted, all delivered ($delivered distinct)" ||
    bad "SIGKILL: $accepted accepted, $missing missing"

echo "postfix e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
