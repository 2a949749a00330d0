#!/bin/bash
# Issue 16 point 3 with real Postfix, real TLS and the signed DNS fixture:
# mail that requires security never leaves by plain SMTP.
#   require_security = 0 (Require-SMTPsec: tls, as REQUIRETLS): SMTPsec where
#     the domain has it; otherwise only over TLS with a verified certificate,
#     through the secure hand-back service (contrib/postfix/master.cf.snippet,
#     3.): smtp.test gets it (its certificate is issued by the world's CA and
#     names it), plain.test (a certificate that does not name it) and
#     notls.test (no STARTTLS) get nothing: Postfix holds it.
#   require_security = 1 (Require-SMTPsec: yes): refused at submission with
#     5.7.30 when a domain has no SMTPsec; nothing leaves by SMTP.
# The three-domain world (tests/e2e/world.sh, WORLD_DOMAINS=3).
#
#   require_security_e2e.sh BUILD_DIR   (WORLD_IP_A..D: default 127.0.0.54..57)
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.54} WORLD_IP_B=${WORLD_IP_B:-127.0.0.55}
export WORLD_IP_C=${WORLD_IP_C:-127.0.0.56} WORLD_IP_D=${WORLD_IP_D:-127.0.0.57}
export WORLD_DOMAINS=3
IPA=$WORLD_IP_A
DIR=$(mktemp -d /tmp/smtpsec-require-e2e.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) works below it
passed=0; failed=0
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/pa/maillog" "$WORLD/ps/maillog"; do
        echo "---- tail $f"; tail -15 "$f"
    done
}
send() {  # FROM TO SUBJECT [swaks args...]: swaks' transcript
    local from=$1 to=$2 subject=$3; shift 3
    swaks --server "$IPA:2525" --from "$from" --to "$to" --header "Subject: $subject" --body "body of $subject" "$@" 2>&1
}
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

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
DAVE=$(world_mailbox dave@smtp.test); ERIN=$(world_mailbox erin@plain.test)
FRANK=$(world_mailbox frank@notls.test); CAROL=$(world_mailbox carol@c.test)

# 0. The world without a requirement: plain.test takes mail by plain SMTP (so what follows is
#    the requirement's doing, not a host that takes nothing).
send alice@a.test erin@plain.test no-requirement >/dev/null
wait_for "$ERIN" no-requirement 30 && ok "without a requirement, erin@plain.test gets mail by SMTP (the status quo)" ||
    bad "mail without a requirement did not reach erin@plain.test"

# 1. require_security = 0: one message to an SMTPsec domain and three SMTP-only ones.
out=$(send alice@a.test carol@c.test,dave@smtp.test,erin@plain.test,frank@notls.test req-tls --header "Require-SMTPsec: tls")
grep -q "^<- *250 2.0.0 Ok: queued" <<<"$out" && ok "require_security = 0 mail accepted at submission" ||
    { bad "require_security = 0 mail not accepted"; echo "$out" | tail -5; }
qid=$(grep -o "queued as [0-9A-F]*" <<<"$out" | awk '{print $3}')
[ "$(grep -c "^smtpsecd.*$qid: .* taken: none_secure (.*), to leave by SMTP over verified TLS only" "$WORLD/ga/smtpsecd.log")" = 3 ] &&
    ok "ga took the three SMTP-only recipients, to leave over verified TLS only" ||
    { bad "ga's take-over lines"; grep "$qid" "$WORLD/ga/smtpsecd.log"; }
if wait_for "$CAROL" req-tls 30; then
    grep -q "smtpsec=pass .*header.from=a.test" "$(find_mail "$CAROL" req-tls)" &&
        ok "carol@c.test got it over SMTPsec (smtpsec=pass header.from=a.test)" || bad "carol's copy is not smtpsec=pass"
else bad "carol@c.test did not get the require_security = 0 mail"; fi
if wait_for "$DAVE" req-tls 30; then
    m=$(find_mail "$DAVE" req-tls)
    grep -q "Verified TLS connection established to smtp.test\[$WORLD_IP_D\]:2525" "$WORLD/pa/maillog" &&
        grep -q "postfix/smtpsec-tls/smtp.*to=<dave@smtp.test>, relay=smtp.test\[$WORLD_IP_D\]:2525.*status=sent" "$WORLD/pa/maillog" &&
        sed '/^$/q' "$m" | grep -q "(using TLSv1" &&
        ok "dave@smtp.test got it from the smtpsec-tls transport over verified TLS (Received: using TLSv1.x)" ||
        { bad "dave's copy did not come over verified TLS"; sed '/^$/q' "$m"; grep "dave@smtp.test" "$WORLD/pa/maillog"; }
else bad "dave@smtp.test (valid TLS) did not get the require_security = 0 mail"; fi
wait_log "$WORLD/pa/maillog" "smtpsec-tls/smtp.*to=<erin@plain.test>.*status=deferred (Server certificate not verified)" 30 &&
    ok "erin@plain.test (certificate not for plain.test): deferred, $(grep -m1 -o 'dsn=4.7.5, status=deferred (Server certificate not verified)' "$WORLD/pa/maillog")" ||
    { bad "erin@plain.test was not deferred for its certificate"; grep "erin@plain.test" "$WORLD/pa/maillog"; }
wait_log "$WORLD/pa/maillog" "smtpsec-tls/smtp.*to=<frank@notls.test>.*status=deferred (TLS is required, but was not offered" 30 &&
    ok "frank@notls.test (no STARTTLS): deferred, TLS is required but was not offered" ||
    { bad "frank@notls.test was not deferred for lack of TLS"; grep "frank@notls.test" "$WORLD/pa/maillog"; }
sleep 2
[ -z "$(find_mail "$ERIN" req-tls)" ] && [ -z "$(find_mail "$FRANK" req-tls)" ] &&
    ! grep -q "smtpsec-tls/smtp.*to=<erin@plain.test>.*status=sent" "$WORLD/pa/maillog" &&
    ! grep -q "smtpsec-tls/smtp.*to=<frank@notls.test>.*status=sent" "$WORLD/pa/maillog" &&
    [ "$(grep -c "virtual.*to=<erin@plain.test>.*status=sent" "$WORLD/ps/maillog")" = 1 ] &&
    ! grep -q "to=<frank@notls.test>.*status=sent" "$WORLD/pc/maillog" &&
    postqueue -c "$WORLD/pa/etc" -p | grep -q "erin@plain.test" && postqueue -c "$WORLD/pa/etc" -p | grep -q "frank@notls.test" &&
    ok "nothing reached plain.test or notls.test (erin has only the copy of step 0); both are held in a.test's Postfix queue" ||
    { bad "a copy without valid TLS left"; postqueue -c "$WORLD/pa/etc" -p; }

# 2. require_security = 1 to an SMTP-only domain: refused at submission, nothing leaves by SMTP.
out=$(send alice@a.test dave@smtp.test req-one --header "Require-SMTPsec: yes")
grep -q "^<\*\* *550 5.7.30 SMTPsec required but not available for smtp.test" <<<"$out" &&
    ok "require_security = 1 to smtp.test: 550 5.7.30 SMTPsec required but not available for smtp.test" ||
    { bad "require_security = 1 was not refused"; echo "$out" | tail -5; }
sleep 3
[ -z "$(find_mail "$DAVE" req-one)" ] && ! grep -q "req-one" "$WORLD/ps/maillog" &&
    [ "$(grep -c "to=<dave@smtp.test>, relay=.*status=sent" "$WORLD/pa/maillog")" = 1 ] &&
    ok "nothing of it reached smtp.test (dave has only the require_security = 0 copy)" ||
    bad "the require_security = 1 copy reached smtp.test"

echo "require-security e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
