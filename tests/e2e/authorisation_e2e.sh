#!/bin/bash
# Issue 18 point 4 with real SMTPsec, real Postfix and smtpsecd itself:
# b.test's gateway has an authorisation file. One Email from alice@a.test
# (a.test authenticated by its signature) to bob@b.test, whose black list
# names a.test, and carol@b.test: bob is answered unknown_address and never
# reaches Postfix, carol's copy is delivered. The file is then changed and
# reloaded (SIGHUP): bob's white list names alice, so the next Email reaches
# him; a file with a bad line is refused at reload and the last good one stays.
#
#   authorisation_e2e.sh BUILD_DIR     (WORLD_IP_A/WORLD_IP_B: default 127.0.0.60/61)
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.60} WORLD_IP_B=${WORLD_IP_B:-127.0.0.61}
DIR=$(mktemp -d /tmp/smtpsec-authorisation-e2e.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) works below it
passed=0; failed=0
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/gb/smtpsecd.log" "$WORLD/pb/maillog"; do echo "---- tail $f"; tail -15 "$f"; done
}
box() { "$WORLD_PF" mailbox "$WORLD/$1" "$2"; }
find_mail() { grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | head -1; }
wait_for() {  # MAILDIR SUBJECT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do [ -n "$(find_mail "$1" "$2")" ] && return 0; sleep 0.2; done
    return 1
}
wait_log() {  # FILE PATTERN SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
    return 1
}
reload_gb() {  # the count of "reload ..." lines before: waits for the next one
    local before
    before=$(grep -c "reload done\|reload refused" "$WORLD/gb/smtpsecd.log")
    kill -HUP "$(cat "$WORLD/gb/daemon.pid")"
    for ((i = 0; i < 50; i++)); do
        [ "$(grep -c "reload done\|reload refused" "$WORLD/gb/smtpsecd.log")" -gt "$before" ] && return 0
        sleep 0.2
    done
    return 1
}
# An Email signed with a.test's key, straight to b.test's listener: its answers, one line per recipient.
send_raw() {  # SUBJECT RECIPIENT...
    local subject=$1; shift
    printf 'SMTPsec-Used:\r\nFrom: alice@a.test\r\nTo: bob@b.test, carol@b.test\r\nSubject: %s\r\n\r\nHello.\r\n' \
        "$subject" > "$DIR/$subject.eml"
    "$BUILD/tests/e2e/smtpsec_send" "$WORLD/dns/unbound.conf" "$WORLD/ga/cert.pem" "$WORLD/ga/key.pem" b.test \
        "$DIR/$subject.eml" "$@" 2>&1
}

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
BOB=$(box pb bob@b.test); CAROL=$(box pb carol@b.test)

# 1. bob's black list names a.test: bob unknown_address, carol delivered, from the same Email.
printf '# who may write to whom at b.test\nbob@b.test refuse @a.test\n' > "$DIR/policy"
sed -i "/^\[listener\]\$/a authorisation_file = \"$DIR/policy\"" "$WORLD/gb/smtpsecd.conf"
reload_gb && grep -q "reload done" "$WORLD/gb/smtpsecd.log" || bad "gb did not reload with the authorisation file"
out=$(send_raw auth-1 bob@b.test carol@b.test)
grep -q '^bob@b.test permanent .*unknown_address' <<<"$out" && grep -q '^carol@b.test delivered' <<<"$out" &&
    ok "one Email: bob@b.test (black list @a.test) answered unknown_address, carol@b.test delivered" ||
    { bad "answers to the first Email"; echo "$out"; }
wait_for "$CAROL" auth-1 30 && ok "carol's copy reached her Maildir" || bad "carol's copy did not arrive"
sleep 1
[ -z "$(find_mail "$BOB" auth-1)" ] && ! grep -q "to=<bob@b.test>" "$WORLD/pb/maillog" &&
    ok "Postfix b.test never saw bob@b.test" || { bad "bob's copy reached Postfix"; grep "bob@b.test" "$WORLD/pb/maillog"; }
grep -q "Email #[0-9]* from alice@a.test: unknown_address for 1 recipient(s) the inbound policy refuses this sender, first bob@b.test ($DIR/policy:2: sender domain listed)" "$WORLD/gb/smtpsecd.log" &&
    ok "gb logged the refusal with the file and line that decided" || bad "gb's log line for the refusal"

# 2. The file changed and reloaded: alice is on bob's white list, everyone else refused by his default.
printf 'bob@b.test allow alice@a.test\nbob@b.test default refuse\n' > "$DIR/policy"
reload_gb && tail -3 "$WORLD/gb/smtpsecd.log" | grep -q "reload done" || bad "gb did not reload the changed file"
out=$(send_raw auth-2 bob@b.test)
grep -q '^bob@b.test delivered' <<<"$out" && wait_for "$BOB" auth-2 30 &&
    ok "after SIGHUP: bob's white list names alice@a.test, her Email reached him" || { bad "after reload"; echo "$out"; }

# 3. A bad line: the reload is refused, naming FILE:LINE, and the last good file stays in force.
printf 'bob@b.test allow alice@a.test\nbob@b.test permit @a.test\n' > "$DIR/policy"
reload_gb && wait_log "$WORLD/gb/smtpsecd.log" "reload refused: .*$DIR/policy:2: unknown rule 'permit'" 5 &&
    ok "a bad line refuses the reload: $DIR/policy:2: unknown rule 'permit'" || bad "reload with a bad policy line"
out=$(send_raw auth-3 bob@b.test)
grep -q '^bob@b.test delivered' <<<"$out" && ok "the last good policy is still in force" || { bad "after refused reload"; echo "$out"; }

echo "authorisation e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
