#!/bin/bash
# Issue 13's hostile-client suite: every numbered item of the adversarial
# review, replayed against a real smtpsecd (the world's b.test gateway) with
# real TLS, real signed DNS and a real Postfix behind it. The attacker is a
# hostile SMTPsec client (hostile_client.cc) holding a.test's real gateway
# key: a peer that authenticates as a domain and then misbehaves. Each case
# asserts the exact answer the decisions in docs/protocol.md (and the
# coordinator's D1-D8) give, that nothing was relayed or altered, and then
# that the daemon still serves: its pid is alive and a fresh legitimate
# message from alice@a.test reaches bob@b.test through both Postfix.
#
#   hostile_e2e.sh BUILD_DIR HOSTILE_CLIENT
# WORLD_IP_A / WORLD_IP_B move it to other loopback addresses.
set -uo pipefail
BUILD=$(realpath "$1")
CLIENT=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.16} WORLD_IP_B=${WORLD_IP_B:-127.0.0.17}
IPA=$WORLD_IP_A IPB=$WORLD_IP_B

# Limits the cases are measured against; adjust here as the fixes settle.
MAX_EMAILS=20                # [listener] max_emails_per_connection set for the test
JUNK_FRAMES=${JUNK_FRAMES:-$(((1 << 24) + 16))}   # item 2: past the 3-byte message number
MAX_RSS_GROWTH_KIB=$((64 * 1024)) # items 4, 5, 6: the daemon's RSS above its start
MAX_LOG_GROWTH=$((2 * 1024 * 1024)) # item 5: log bytes for a 5 s flood
IDLE_CONNECTIONS=1100        # item 7: above the global default (1,000)
MAX_PER_SOURCE=100           # item 7: max_connections_per_source's default (a tenth of max_connections)
BIG_CHAIN_CONNECTIONS=60     # item 4: connections, each with its own 1.2 MB chain
MAX_CACHE_GROWTH_KIB=$((24 * 1024)) # item 4: the daemon's RSS above its start

DIR=$(mktemp -d /tmp/smtpsec-hostile.XXXXXX)
chmod 0755 "$DIR"
failed=0; passed=0
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/gb/smtpsecd.log" "$WORLD/pb/maillog"; do echo "---- tail $f"; tail -8 "$f"; done
}
box() { "$WORLD_PF" mailbox "$WORLD/$1" "$2"; }
find_mail() { grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | head -1; }  # MAILDIR SUBJECT
count_mail() { grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | wc -l; }
wait_for() {  # MAILDIR SUBJECT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do [ -n "$(find_mail "$1" "$2")" ] && return 0; sleep 0.2; done
    return 1
}
gb_pid() { cat "$WORLD/gb/daemon.pid" 2>/dev/null; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$(gb_pid)/status" 2>/dev/null || echo 0; }
# The hostile client as a.test's gateway, against b.test's listener.
hostile() {
    timeout 120 "$CLIENT" --connect "$IPB:4650" --name mx.b.test --cert "$WORLD/ga/cert.pem" --key "$WORLD/ga/key.pem" "$@" 2>&1
}
answers() { grep -Ev '^(count|sent|\.\.\.)' <<<"$1"; }  # the answer lines only
n=0
# The daemon still serves: alive, and a fresh Email from alice@a.test reaches bob.
still_serving() {  # CASE [SECONDS]
    n=$((n + 1))
    local subject="after-$n"
    if ! kill -0 "$(gb_pid)" 2>/dev/null; then bad "$1: smtpsecd b.test is gone"; world_gateway_start gb; return; fi
    swaks --server "$IPA:2525" --from alice@a.test --to bob@b.test --header "Subject: $subject" \
        --body "legitimate" >/dev/null 2>&1
    wait_for "$BOB" "$subject" "${2:-30}" && ok "$1: afterwards smtpsecd still serves (a fresh Email delivered)" ||
        bad "$1: afterwards the fresh Email did not arrive"
}
expect() {  # CASE OUTPUT EXPECTED: the answer lines, exactly
    if [ "$(answers "$2")" = "$3" ]; then ok "$1: answered exactly as decided"; else
        bad "$1: answers differ"; echo "expected:"; echo "$3"; echo "got:"; answers "$2" | head -20
    fi
}

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
# A small Email bound for item 11 (the section already exists: insert into it).
world_gateway_stop gb
sed -i "/^\[listener\]/a max_emails_per_connection = $MAX_EMAILS" "$WORLD/gb/smtpsecd.conf"
world_gateway_start gb || { failed=1; echo "FAILED: gb did not restart"; exit 1; }
BOB=$(box pb bob@b.test); DAVE=$(box pb dave@insecure.test)
still_serving "control"

# 1. Open relay (D1): recipients b.test is not the destination for, and a
# domain literal, are unknown_address; the rest delivered; nothing relayed.
out=$(hostile hello subject=case1 "to=bob@b.test,victim@outside.example,dave@insecure.test,bob@[$IPB]" email wait=2)
expect "1 open relay" "$out" "ServerHello 0
Error unknown_address 1 [victim@outside.example,dave@insecure.test,bob@[$IPB]]"
wait_for "$BOB" case1 20 && [ "$(count_mail "$BOB" case1)" -eq 1 ] && ok "1: bob@b.test got his one copy" ||
    bad "1: bob@b.test did not get his copy"
sleep 1
! grep -q "victim@outside.example" "$WORLD/pb/maillog" && [ -z "$(find_mail "$DAVE" case1)" ] &&
    ok "1: nothing for outside.example or insecure.test reached Postfix b.test" ||
    bad "1: the listener handed foreign recipients to Postfix (relay)"
# The service smtpsecd re-injects inbound SMTPsec mail into ([reinject]
# inbound_address, 10027 in the world) must refuse to relay by itself.
reply=$(swaks --server "$IPB:10027" --from alice@a.test --to victim@outside.example --quit-after RCPT 2>&1)
grep -q "^<\*\* *5[0-9][0-9]" <<<"$reply" &&
    ok "1: the re-injection smtpd itself refuses to relay (defence in depth)" ||
    { bad "1: the re-injection smtpd accepts victim@outside.example"; grep "^<" <<<"$reply" | tail -3; }
still_serving 1

# 2. About 2^24 small malformed frames: the session ends (D2) before the
# message number overflows; the daemon lives on.
out=$(hostile hello junk=$JUNK_FRAMES)
last=$(answers "$out" | tail -2)
[ "$last" = "Error service_unavailable -
closed clean" ] && ok "2: many malformed frames: ended with service_unavailable, no reference (D2)" ||
    { bad "2: many malformed frames: the session did not end as D2 says"; echo "$out" | tail -6; }
still_serving 2

# 3. A From the MTA would alter (D3): longer than 2,048 bytes, or more than
# 200 address tokens: authentication_failed, nothing delivered.
long=""; for ((i = 1; i <= 500; i++)); do long+="word "; [ $((i % 10)) -eq 0 ] && long+=$'\r\n '; done
out=$(hostile hello subject=case3a "from=${long}<alice@a.test>" email wait=2)
expect "3 long From (3,000 bytes)" "$out" "ServerHello 0
Error authentication_failed 1"
tokens=$(printf 'a.%.0s' $(seq 1 150))
out=$(hostile hello subject=case3b "from=\"x\" ${tokens}b <alice@a.test>" email wait=2)
expect "3 From with 300 address tokens" "$out" "ServerHello 0
Error authentication_failed 1"
sleep 1
[ -z "$(find_mail "$BOB" case3a)$(find_mail "$BOB" case3b)" ] && ok "3: nothing delivered" || bad "3: a refused From was delivered"
still_serving 3

# 4. Big chains (each connection a different multi-megabyte chain, so each
# would be a new key of the origin-authentication cache): refused by D6
# (too_large about message 0, then close) and memory stays bounded (the
# cache keys by digest, bounded by bytes and age).
before=$(rss_kib); refused=0
for ((i = 0; i < BIG_CHAIN_CONNECTIONS; i++)); do
    out=$(hostile padchain=$((3000 + i)) subject=case4 email wait=2)
    [ "$(answers "$out" | head -2)" = "ServerHello 0
Error too_large 0" ] && refused=$((refused + 1))
done
growth=$(($(rss_kib) - before))
echo "item 4: RSS growth ${growth} KiB over $BIG_CHAIN_CONNECTIONS chains of about 1.2 MB"
[ "$refused" -eq "$BIG_CHAIN_CONNECTIONS" ] && ok "4: every big chain answered too_large about message 0 (D6)" ||
    { bad "4: $refused of $BIG_CHAIN_CONNECTIONS big chains answered too_large 0"; echo "$out" | tail -4; }
[ "$growth" -lt "$MAX_CACHE_GROWTH_KIB" ] && ok "4: RSS +${growth} KiB" ||
    bad "4: RSS +${growth} KiB (bound $MAX_CACHE_GROWTH_KIB KiB)"
still_serving 4

# 5. A sender that never reads while sending junk (D8): bounded output
# queue and log.
before=$(rss_kib); log_before=$(stat -c %s "$WORLD/gb/smtpsecd.log")
out=$(hostile hello flood=5)
growth=$(($(rss_kib) - before)); logged=$(($(stat -c %s "$WORLD/gb/smtpsecd.log") - log_before))
echo "item 5: RSS growth ${growth} KiB, log +${logged} bytes"
[ "$growth" -lt "$MAX_RSS_GROWTH_KIB" ] && [ "$logged" -lt "$MAX_LOG_GROWTH" ] &&
    ok "5: never-reading junk sender: RSS +${growth} KiB, log +${logged} bytes" ||
    bad "5: never-reading junk sender: RSS +${growth} KiB, log +${logged} bytes"
still_serving 5

# 6. A ClientHello of 2^24-1 empty chains (32 MiB): too_large about message
# 0, then close (D6); bounded memory.
before=$(rss_kib)
out=$(hostile empty-chains=$(((1 << 24) - 1)))
growth=$(($(rss_kib) - before))
echo "item 6: RSS growth ${growth} KiB"
expect "6 huge ClientHello" "$(grep -v '^closed' <<<"$out")" "ServerHello 0
Error too_large 0"
grep -q '^closed' <<<"$out" && ok "6: the server closed" || bad "6: the server did not close"
[ "$growth" -lt "$MAX_RSS_GROWTH_KIB" ] && ok "6: RSS +${growth} KiB" || bad "6: RSS +${growth} KiB"
still_serving 6

# 7. Many idle connections from one address (D7): those over the
# per-source limit are closed at accept; others are still served meanwhile.
"$CLIENT" --idle $IDLE_CONNECTIONS --connect "$IPB:4650" --source "$IPA" --hold 25 > "$DIR/idle.out" 2>&1 &
idle_pid=$!
sleep 4
still_serving "7 (while $IDLE_CONNECTIONS idle connections from $IPA are held)" 12
wait $idle_pid
cat "$DIR/idle.out"
open=$(awk '/closed by the server/ {print $NF}' "$DIR/idle.out")
[ -n "$open" ] && [ "$open" -le "$MAX_PER_SOURCE" ] && ok "7: $open of $IDLE_CONNECTIONS stayed open (per-source limit $MAX_PER_SOURCE)" ||
    bad "7: the per-source limit did not close the idle connections"
still_serving 7

# 8. A forged Authentication-Results with our authserv-id over plain SMTP is
# removed by the milter before the mailbox.
swaks --server "$IPB:2525" --from someone@insecure.test --to bob@b.test --header "Subject: case8" \
    --header "Authentication-Results: mx.b.test; smtpsec=pass header.from=a.test" --body "forged" >/dev/null 2>&1
if wait_for "$BOB" case8 30; then
    ! grep -qi "^Authentication-Results: mx.b.test; *smtpsec=pass" "$(find_mail "$BOB" case8)" &&
        ok "8: the forged smtpsec=pass Authentication-Results was removed" ||
        bad "8: the forged Authentication-Results reached the mailbox"
else bad "8: the plain SMTP message did not arrive"; fi
still_serving 8

# 9. A quoted local part (D4): re-injected with a correct RCPT path; Postfix
# has no such mailbox, so it is refused by Postfix (unknown_address), never
# an internal_error; bob's copy is delivered.
out=$(hostile hello subject=case9 'to="bob x"@b.test' email wait=2)
expect "9 quoted local part, alone" "$out" "ServerHello 0
Error unknown_address 1 [\"bob x\"@b.test]"
out=$(hostile hello subject=case9 'to=bob@b.test,"bob x"@b.test' email wait=2)
expect "9 quoted local part" "$out" "ServerHello 0
Error unknown_address 1 [\"bob x\"@b.test]"
grep -q 'RCPT from .*<"bob x"@b.test>' "$WORLD/pb/maillog" && ok "9: Postfix saw RCPT TO:<\"bob x\"@b.test>" ||
    bad "9: Postfix did not see the quoted recipient"
wait_for "$BOB" case9 20 && ok "9: bob's copy delivered" || bad "9: bob's copy missing"
still_serving 9

# 10. A syntactically invalid From domain (D3): authentication_failed, not
# the temporary service_unavailable of a failed DNS lookup.
for from in "alice@a.test-" "alice@$(printf 'x%.0s' $(seq 1 70)).a.test"; do
    out=$(hostile hello subject=case10 "from=$from" email wait=2)
    expect "10 invalid From domain ($from)" "$out" "ServerHello 0
Error authentication_failed 1"
done
still_serving 10

# 11. Past max_emails_per_connection, pipelined: every Email accepted is
# answered, then the session ends with service_unavailable (referencing the
# first Email over the bound, or none as in D2); nothing waits for the read
# timeout.
start=$SECONDS
out=$(hostile hello subject=case11 emails=$((MAX_EMAILS + 10)) wait-close=20)
expected="ServerHello 0"
for ((i = 1; i <= MAX_EMAILS; i++)); do expected+=$'\n'"EmailDelivered $i"; done
got=$(answers "$out")
if [ "$got" = "$expected"$'\n'"Error service_unavailable $((MAX_EMAILS + 1))"$'\n'"closed clean" ] ||
   [ "$got" = "$expected"$'\n'"Error service_unavailable -"$'\n'"closed clean" ]; then
    ok "11 past max_emails_per_connection: $MAX_EMAILS answered, then service_unavailable and close"
else bad "11 past max_emails_per_connection: answers differ"; echo "$got" | tail -4; fi
[ $((SECONDS - start)) -lt 20 ] && ok "11: over in $((SECONDS - start)) s" || bad "11: took $((SECONDS - start)) s"
sleep 2
[ "$(count_mail "$BOB" case11)" -eq "$MAX_EMAILS" ] && ok "11: exactly $MAX_EMAILS copies delivered" ||
    bad "11: $(count_mail "$BOB" case11) copies delivered, not $MAX_EMAILS"
still_serving 11

# 12. An encoded word inside the From address (RFC 2047 5, D3).
out=$(hostile hello subject=case12 "from==?utf-8?q?ceo?=@a.test" email wait=2)
expect "12 encoded word in the From address" "$out" "ServerHello 0
Error authentication_failed 1"
still_serving 12

# 13. Errors from the client (D5): illegal_parameter is logged and the
# session goes on (the next Email is Message 2 and delivered);
# internal_error ends it.
out=$(hostile hello error=illegal_parameter subject=case13 email wait=2 error=internal_error wait-close=10)
expect "13 Errors from the client" "$out" "ServerHello 0
EmailDelivered 2
closed clean"
wait_for "$BOB" case13 20 && ok "13: the Email after the client's Error was delivered" || bad "13: not delivered"
still_serving 13

echo "hostile-e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
