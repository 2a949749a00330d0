#!/bin/bash
# Issue 16 points 1, 2, 4 (docs/forwarding.md): Postfix b.test forwards mail it
# received over SMTPsec (virtual_alias_maps) to carol@c.test, and the copy
# leaves with a.test's ORIGINAL signature, so that c.test authenticates
# a.test. Real Postfix (three instances), real smtpsecd, signed DNS, on
# 127.0.0.50 (a.test), .51 (b.test), .52 (c.test), .53 (SMTP-only host).
#   1. alice@a.test -> bob-fwd@b.test (alias of carol@c.test): Carol's copy
#      carries smtpsec=pass header.from=a.test from mx.c.test and the Received
#      lines of both SMTPsec hops; no marker anywhere; gb logs "signature kept".
#      both@b.test (bob@b.test and carol@c.test): Bob's local copy unchanged.
#   2. A footer at b.test (body_checks on the forward service): logged
#      "signature not kept", Carol's copy arrives by SMTP without signature,
#      never with a broken one.
#   3. gb restarted between receipt and forward (the forward held in Postfix
#      b.test's queue meanwhile): the signature is still kept.
#   4. The genuine marker of 3, copied into mail over plain SMTP (port 25 of
#      b.test) and into mail injected at b.test's inbound service with other
#      bytes: never forwarded with a signature.
#   5. require_security travels with the forwarded copy (issue 16 point 3):
#      value 1 forwarded to the SMTP-only smtp.test never leaves by SMTP and
#      alice gets a DSN; value 0 forwarded there leaves only over verified
#      TLS (dave@smtp.test), and plain.test, whose certificate does not name
#      it, gets nothing (held in Postfix b.test's queue).
#
#   forward_e2e.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.50} WORLD_IP_B=${WORLD_IP_B:-127.0.0.51}
export WORLD_IP_C=${WORLD_IP_C:-127.0.0.52} WORLD_IP_D=${WORLD_IP_D:-127.0.0.53}
export WORLD_DOMAINS=3 WORLD_FORWARD=1 WORLD_QUEUE_LIFETIME=120s
export WORLD_ALIASES_B=$'bob-fwd@b.test carol@c.test\nboth@b.test bob@b.test,carol@c.test\nfooter@b.test carol@c.test\nfwd-dave@b.test dave@smtp.test\nfwd-erin@b.test erin@plain.test'
DIR=$(mktemp -d /tmp/smtpsec-forward.XXXXXX)
chmod 0755 "$DIR"
failed=0; passed=0
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT
printf '/^FOOTER-HERE$/ REPLACE FOOTER-HERE -- footer added at b.test\n' > "$DIR/footer.regexp"
export WORLD_FORWARD_BODY_CHECKS="$DIR/footer.regexp"

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log" "$WORLD/gc/smtpsecd.log" "$WORLD/pb/maillog" "$WORLD/pc/maillog"; do
        echo "---- tail $f"; tail -20 "$f"
    done
}
send() {  # SERVER FROM TO SUBJECT [swaks args...]
    local server=$1 from=$2 to=$3 subject=$4; shift 4
    swaks --server "$server" --from "$from" --to "$to" --header "Subject: $subject" "$@" 2>&1
}
unfolded() { sed -n '1,/^$/p' "$1" | sed ':a;N;$!ba;s/\n[ \t]\+/ /g'; }
find_mail() { grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | head -1; }
wait_for() {  # MAILDIR SUBJECT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        [ -n "$(find_mail "$1" "$2")" ] && return 0
        sleep 0.2
    done
    return 1
}
pb() { echo "$WORLD_IP_B"; }

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
CAROL=$(world_mailbox carol@c.test); BOB=$(world_mailbox bob@b.test)

# 1. Forwarded with the original signature.
send "$WORLD_IP_A:2525" alice@a.test bob-fwd@b.test "fwd-one" --body "forwarded body" >/dev/null
if wait_for "$CAROL" fwd-one 60; then
    m=$(find_mail "$CAROL" fwd-one); h=$(unfolded "$m")
    echo "---- Carol's delivered message (header section):"; sed -n '1,/^$/p' "$m"
    grep -q "^Authentication-Results: mx.c.test; smtpsec=pass .*header.from=a.test" <<<"$h" &&
        grep -q "^Received: from .* by mx.c.test (TLS1.[23]) with SMTPSEC id" <<<"$h" &&
        grep -q "^Received: from .* by mx.b.test (TLS1.[23]) with SMTPSEC id" <<<"$h" &&
        grep -q "^Received: from .* by mx.a.test with ESMTP id" <<<"$h" &&
        [ "$(grep -ci '^SMTPsec-Used:' <<<"$h")" -eq 1 ] && ! grep -qi '^SMTPsec-Forward:' "$m" &&
        ! grep -q "^Authentication-Results: mx.b.test" <<<"$h" && grep -q "^forwarded body" "$m" &&
        ok "carol@c.test got the forwarded copy over SMTPsec: smtpsec=pass header.from=a.test, both SMTPsec hops in Received" ||
        bad "Carol's forwarded copy"
else bad "the forwarded copy did not reach carol@c.test"; fi
line=$(grep -E "info: [0-9A-F]+: [0-9A-F]+: forwarded copy from a.test for 1 recipient, from=<alice@a.test>: signature kept$" "$WORLD/gb/smtpsecd.log" | head -1)
[ -n "$line" ] && ok "gb logs the forward, queue id first: ${line#*info: }" || bad "no 'signature kept' line in gb's log"
grep -q "smtpsec=pass.*header.from=a.test" "$WORLD/gc/smtpsecd.log" 2>/dev/null || true
grep -q "to=<carol@c.test>.*relay=.*:2525" "$WORLD/pb/maillog" && bad "Postfix b.test sent Carol's copy by SMTP itself" ||
    ok "Postfix b.test did not send Carol's copy by SMTP"

send "$WORLD_IP_A:2525" alice@a.test both@b.test "fwd-both" >/dev/null
if wait_for "$CAROL" fwd-both 60 && wait_for "$BOB" fwd-both 60; then
    b=$(find_mail "$BOB" fwd-both); c=$(find_mail "$CAROL" fwd-both)
    ! grep -qi '^SMTPsec-Forward:' "$b" && grep -qi '^SMTPsec-Used:' "$b" &&
        grep -q "^Authentication-Results: mx.b.test; smtpsec=pass" <<<"$(unfolded "$b")" &&
        grep -q "^Authentication-Results: mx.c.test; smtpsec=pass .*header.from=a.test" <<<"$(unfolded "$c")" &&
        ok "alias to bob@b.test and carol@c.test: Bob's local copy keeps SMTPsec-Used and our A-R, no marker; Carol's over SMTPsec" ||
        bad "the two copies of fwd-both"
else bad "a copy of fwd-both did not arrive"; fi

# 2. A footer added at b.test: the bytes changed, the signature cannot be kept.
send "$WORLD_IP_A:2525" alice@a.test footer@b.test "fwd-footer" --body $'first line\nFOOTER-HERE' >/dev/null
if wait_for "$CAROL" fwd-footer 60; then
    m=$(find_mail "$CAROL" fwd-footer); h=$(unfolded "$m")
    grep -q "^FOOTER-HERE -- footer added at b.test" "$m" &&
        ! grep -q "smtpsec=pass" <<<"$h" && ! grep -qi '^SMTPsec-Used:' <<<"$h" && ! grep -qi '^SMTPsec-Forward:' "$m" &&
        ok "footer: Carol's copy (changed at b.test) arrived by SMTP, unsigned, without smtpsec=pass or SMTPsec-Used" ||
        { bad "Carol's changed copy"; cat "$m"; }
else bad "the changed copy did not reach carol@c.test"; fi
line=$(grep -E "info: [0-9A-F]+: [0-9A-F]+: forwarded copy from a.test for 1 recipient, from=<alice@a.test>: signature not kept: message changed at this site \(sent by SMTP without signature\)$" "$WORLD/gb/smtpsecd.log" | head -1)
[ -n "$line" ] && ok "gb logs why not: ${line#*info: }" || bad "no 'signature not kept' line in gb's log"
grep -q "authentication_failed" "$WORLD/gc/smtpsecd.log" && bad "c.test saw a broken signature" ||
    ok "c.test never saw a broken signature"

# 3. gb restarts between receipt and forward: Postfix b.test holds the copy
#    (its smtp transport, which the content filter uses, deferred) meanwhile.
postconf -c "$WORLD/pb/etc" -e "defer_transports = smtp" && postfix -c "$WORLD/pb/etc" reload >/dev/null 2>&1
sleep 1
send "$WORLD_IP_A:2525" alice@a.test bob-fwd@b.test "fwd-restart" --body "restart body" >/dev/null
qid=""
for ((i = 0; i < 150; i++)); do
    [ -n "$qid" ] && break
    sleep 0.2
    for q in $(postqueue -c "$WORLD/pb/etc" -j 2>/dev/null | grep -o '"queue_id": *"[0-9A-F]*"' | grep -o '[0-9A-F]\{6,\}'); do
        postcat -c "$WORLD/pb/etc" -q "$q" 2>/dev/null | grep -q "Subject: fwd-restart" && qid=$q
    done
done
marker=""
[ -n "$qid" ] && marker=$(postcat -c "$WORLD/pb/etc" -bh -q "$qid" 2>/dev/null | grep -i "^SMTPsec-Forward:" | head -1)
[ -n "$marker" ] && ok "the copy waits in Postfix b.test's queue ($qid) with its marker" ||
    bad "the copy did not wait in Postfix b.test's queue"
world_gateway_stop gb && world_gateway_start gb && ok "gb restarted" || bad "gb did not restart"
postconf -c "$WORLD/pb/etc" -e "defer_transports =" && postfix -c "$WORLD/pb/etc" reload >/dev/null 2>&1
postqueue -c "$WORLD/pb/etc" -f
if wait_for "$CAROL" fwd-restart 60; then
    grep -q "^Authentication-Results: mx.c.test; smtpsec=pass .*header.from=a.test" <<<"$(unfolded "$(find_mail "$CAROL" fwd-restart)")" &&
        ok "after gb's restart the forwarded copy still keeps a.test's signature" || bad "fwd-restart lost its signature"
else bad "fwd-restart did not reach carol@c.test"; fi

# 4. The genuine marker copied: over plain SMTP at b.test's port 25 (2525 here),
#    and injected at its inbound service with other bytes.
kept_before=$(grep -c "signature kept" "$WORLD/gb/smtpsecd.log")
changed_before=$(grep -c "signature not kept: message changed at this site" "$WORLD/gb/smtpsecd.log")
send "$(pb):2525" alice@a.test bob-fwd@b.test "forged-25" --add-header "$marker" --body "restart body" >/dev/null
send "$(pb):10027" alice@a.test bob-fwd@b.test "forged-inbound" --add-header "$marker" --body "other body" >/dev/null
if wait_for "$CAROL" forged-25 60 && wait_for "$CAROL" forged-inbound 60; then
    f1=$(find_mail "$CAROL" forged-25); f2=$(find_mail "$CAROL" forged-inbound)
    ! grep -q "smtpsec=pass" "$f1" "$f2" && ! grep -qi "^SMTPsec-Forward:" "$f1" "$f2" &&
        [ "$(grep -c "signature kept" "$WORLD/gb/smtpsecd.log")" -eq "$kept_before" ] &&
        [ "$(grep -c "signature not kept: message changed at this site" "$WORLD/gb/smtpsecd.log")" -eq $((changed_before + 1)) ] &&
        ok "a copied marker gains nothing: both copies arrived unsigned, without smtpsec=pass, the marker removed" ||
        { bad "a copied marker was believed"; cat "$f1" "$f2"; }
else bad "the mail with a copied marker did not arrive"; fi

# 5. require_security of the received Email, on the forwarded copy.
DAVE=$(world_mailbox dave@smtp.test); ERIN=$(world_mailbox erin@plain.test); ALICE=$(world_mailbox alice@a.test)
send "$WORLD_IP_A:2525" alice@a.test fwd-dave@b.test "fwd-req-one" --header "Require-SMTPsec: yes" >/dev/null
dsn=""
for ((i = 0; i < 300; i++)); do
    dsn=$(grep -l "fwd-req-one" "$ALICE"/new/* 2>/dev/null | head -1)
    [ -n "$dsn" ] && break
    sleep 0.2
done
[ -n "$dsn" ] && grep -q "^Status: 5\.7\." "$dsn" && grep -qi "dave@smtp.test" "$dsn" &&
    ok "require_security = 1 forwarded to smtp.test: alice got a DSN for dave@smtp.test ($(grep -m1 '^Status:' "$dsn"))" ||
    { bad "no DSN for the forwarded require_security = 1 copy"; ls "$ALICE/new"; }
[ -z "$(find_mail "$DAVE" fwd-req-one)" ] && ! grep -q "fwd-req-one" "$WORLD/ps/maillog" 2>/dev/null &&
    ! grep -q "to=<dave@smtp.test>, relay=smtp.test.*status=sent" "$WORLD/pb/maillog" &&
    ok "nothing of the require_security = 1 copy left b.test by SMTP" ||
    bad "the forwarded require_security = 1 copy left by SMTP"
send "$WORLD_IP_A:2525" alice@a.test fwd-dave@b.test,fwd-erin@b.test "fwd-req-tls" --header "Require-SMTPsec: tls" >/dev/null
if wait_for "$DAVE" fwd-req-tls 60; then
    grep -q "smtpsec-tls/smtp.*to=<dave@smtp.test>, relay=smtp.test\[$WORLD_IP_D\]:2525.*status=sent" "$WORLD/pb/maillog" &&
        ok "require_security = 0 forwarded to dave@smtp.test: sent by the smtpsec-tls transport (verified TLS)" ||
        { bad "dave's forwarded require_security = 0 copy did not go over verified TLS"; grep "dave@smtp.test" "$WORLD/pb/maillog"; }
else bad "the forwarded require_security = 0 copy did not reach dave@smtp.test"; fi
held=""
for ((i = 0; i < 150; i++)); do
    grep -q "smtpsec-tls/smtp.*to=<erin@plain.test>.*status=deferred" "$WORLD/pb/maillog" && { held=1; break; }
    sleep 0.2
done
[ -n "$held" ] && [ -z "$(find_mail "$ERIN" fwd-req-tls)" ] &&
    ! grep -q "to=<erin@plain.test>, relay=plain.test.*status=sent" "$WORLD/pb/maillog" &&
    ok "require_security = 0 forwarded to erin@plain.test (certificate not for it): deferred, never sent in clear" ||
    { bad "erin's forwarded require_security = 0 copy"; grep "erin@plain.test" "$WORLD/pb/maillog"; }

echo "---- the forward's log lines (gb):"
grep -E "forwarded copy|forward marker" "$WORLD/gb/smtpsecd.log"
echo "forward-e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
