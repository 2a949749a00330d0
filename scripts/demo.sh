#!/bin/bash
# The demo (README's first command): two mail domains on loopback exchange a
# message over SMTPsec through real Postfix.
#
#   a.test: Postfix + smtpsecd (milter)  --SMTPsec-->  b.test: smtpsecd (listener) + Postfix
#
# Installs what it needs, builds, starts the signed DNS fixture, two Postfix
# instances and two gateways on 127.0.0.2 and 127.0.0.3, submits a message
# from alice@a.test to bob@b.test with swaks, prints the message as it
# arrived in Bob's mailbox and the log lines of its way, and stops it all.
# Must run as root (Postfix). Leaves the world in $DEMO_DIR (default
# /tmp/smtpsec-demo) for a look afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DEMO_DIR=${DEMO_DIR:-/tmp/smtpsec-demo}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "installing what is missing, building"
scripts/install-deps.sh
if [ -f "$BUILD/build.ninja" ]; then meson setup --reconfigure "$BUILD" >/dev/null; else meson setup "$BUILD" >/dev/null; fi
ninja -C "$BUILD" src/daemon/smtpsecd src/tools/queue/smtpsec-queue src/tools/smtpsec-check >/dev/null

# shellcheck source=../tests/e2e/world.sh
source tests/e2e/world.sh
trap world_down EXIT
step "starting: signed DNS (nsd), Postfix a.test and b.test, smtpsecd for each"
world_up "$DEMO_DIR" "$BUILD"

step "what a.test's gateway concludes about b.test (smtpsec-check)"
"$BUILD/src/tools/smtpsec-check" --trust-anchor none --unbound-config "$WORLD/dns/unbound.conf" b.test || true

step "alice@a.test sends a message to bob@b.test through Postfix a.test (swaks)"
swaks --server 127.0.0.2:2525 --from alice@a.test --to bob@b.test \
    --header "Subject: Hello over SMTPsec" --header "SMTPsec-Used: forged by the sender" \
    --body "Hi Bob, this travelled signed, over TLS, found through DNSSEC." 2>&1 |
    grep -E '^( *<-|<\*\*| *->  (MAIL|RCPT|DATA|QUIT))' || true

step "waiting for it in Bob's mailbox at b.test"
box=$("$WORLD_PF" mailbox "$WORLD/pb" bob@b.test)
if ! world_wait_mail "$box" 1 30; then
    echo "the message did not arrive; logs:" >&2
    tail -30 "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log" "$WORLD/pa/maillog" "$WORLD/pb/maillog" >&2
    exit 1
fi
step "the message as delivered to bob@b.test ($(find "$box/new" -type f | head -1))"
cat "$(find "$box/new" -type f | head -1)"

step "log lines of its way"
echo "-- Postfix a.test:"; grep -E "postfix/(smtpd|cleanup)\[" "$WORLD/pa/maillog" | grep -vE "connect from|disconnect from" | tail -4
echo "-- smtpsecd a.test (milter, queue, SMTPsec client):"; tail -n +1 "$WORLD/ga/smtpsecd.log" | grep -vE "started|listening|warning" | tail -8
echo "-- smtpsecd b.test (listener, origin authentication, re-injection):"; grep -vE "started|listening|warning" "$WORLD/gb/smtpsecd.log" | tail -8
echo "-- Postfix b.test:"; grep -E "postfix/(smtpsec-in|reinject|virtual|qmgr)" "$WORLD/pb/maillog" | tail -4
step "done; stopping everything (files stay in $WORLD)"
