#!/bin/bash
# End to end with a real Sendmail (issue 5): the a.test side of the world is
# Sendmail (run from its unpacked Debian package, tests/fixtures/sendmail)
# with smtpsecd as its milter on its Unix socket, as contrib/sendmail/smtpsec.mc
# configures it; b.test stays Postfix + smtpsecd. The same core flow as the
# Postfix test: one message taken whole (DISCARD), one split.
#
#   sendmail_e2e.sh BUILD_DIR
#
# Addresses 127.0.0.4 (a.test) and 127.0.0.5 (b.test), so it can run while
# the Postfix test's world (127.0.0.2/3) is up.
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
SM="$HERE/../fixtures/sendmail/instance.sh"
# shellcheck source=world.sh
source "$HERE/world.sh"
export WORLD_IP_A=127.0.0.4 WORLD_IP_B=127.0.0.5
export WORLD_QUEUE_LIFETIME=25s
# Below /run, not /tmp: Sendmail refuses a milter socket below a
# world-writable directory.
DIR=$(mktemp -d /run/smtpsec-sm-e2e.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) works below it
passed=0; failed=0
trap '"$SM" stop "$DIR/sa"; world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log" "$DIR/sa/maillog" "$WORLD/pb/maillog"; do
        echo "---- tail $f"; tail -15 "$f"
    done
}
send() {  # FROM TO[,TO...] SUBJECT: submits at Sendmail a.test; prints swaks' transcript
    swaks --server 127.0.0.4:2525 --from "$1" --to "$2" --header "Subject: $3" \
        --header "SMTPsec-Used: forged" --body "body of $3" 2>&1
}
last_reply() { grep '^<-  ' | tail -2 | head -1; }  # the reply to the end of DATA (before QUIT's)
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
# The header section with folded fields joined to one line each (Postfix and smtpsecd fold differently)
fields() { sed '/^$/q' "$1" | awk '/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
    { if (line != "") print line; line = $0 } END { if (line != "") print line }'; }
queue_id() { sed -n 's/^<-  250 2.0.0 \([A-Za-z0-9]*\) Message accepted.*/\1/p' <<<"$1"; }

"$SM" fetch || { failed=1; echo "FAILED: no Sendmail package (apt-get download)"; exit 1; }
world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
# Sendmail takes Postfix a.test's place: same address, SMTP port 2525, re-injection port 10026 (ga's [reinject]).
# The milter and re-injection lines are the shipped contrib/sendmail/smtpsec.mc, moved to
# ga's milter socket in the world, 127.0.0.4 and the world's re-injection port 10026.
"$WORLD_PF" stop "$WORLD/pa"
sed -e 's/127\.0\.0\.1/127.0.0.4/g' -e 's/Port=10030/Port=10026/' \
    -e "s|S=local:/run/smtpsecd/milter.sock|S=local:$WORLD/ga/milter.sock|" \
    "$HERE/../../contrib/sendmail/smtpsec.mc" > "$DIR/smtpsec.mc"
grep -q "S=local:$WORLD/ga/milter.sock" "$DIR/smtpsec.mc" && grep -q "Port=10026, Addr=127.0.0.4" "$DIR/smtpsec.mc" ||
    { failed=1; echo "FAILED: contrib/sendmail/smtpsec.mc no longer has the expected lines"; exit 1; }
# Sendmail has one re-injection daemon: ga's inbound mail goes there too (contrib/sendmail/smtpsec.mc).
sed -i 's/^inbound_address = .*/inbound_address = "127.0.0.4:10026"/' "$WORLD/ga/smtpsecd.conf"
world_gateway_stop ga && world_gateway_start ga || { failed=1; echo "FAILED: ga did not restart"; exit 1; }
"$SM" create "$DIR/sa" --name a.test --ip 127.0.0.4 --port 2525 --reinject 0 --mc "$DIR/smtpsec.mc" \
    --smarthost 127.0.0.5:2525 &&
    "$SM" start "$DIR/sa" && world_wait_port 127.0.0.4 10026 5 ||
    { failed=1; echo "FAILED: Sendmail did not start (kept in $DIR)"; exit 1; }
BOB=$(box pb bob@b.test); DAVE=$(box pb dave@insecure.test)

# 1. Taken whole: Sendmail answers 250, the milter discards its copy, Bob gets it over SMTPsec.
out=$(send alice@a.test bob@b.test "whole")
id=$(queue_id "$out")
grep -q "^<-  250 " <<<"$(last_reply <<<"$out")" && [ -n "$id" ] &&
    ok "Sendmail accepted the message to bob@b.test (250, queue id $id)" || { bad "Sendmail did not answer 250"; echo "$out"; }
if wait_for "$BOB" whole 30; then
    m=$(find_mail "$BOB" whole); fields "$m" > "$DIR/whole.fields"
    [ "$(grep -ci '^SMTPsec-Used:' "$DIR/whole.fields")" -eq 1 ] && ! grep -q "forged" "$m" &&
        grep -q "^Authentication-Results: mx.b.test; smtpsec=pass .*header.from=a.test" "$DIR/whole.fields" &&
        grep -q "^Received: from mx.a.test .*by mx.b.test .*with SMTPSEC" "$DIR/whole.fields" &&
        grep -q "^body of whole" "$m" &&
        ok "a.test (Sendmail) -> b.test over SMTPsec: SMTPsec-Used (not the forged one), Authentication-Results" ||
        { bad "headers of the delivered message"; cat "$m"; }
    # The a.test hop must be traced exactly once, with Sendmail's queue id: by Sendmail's own
    # Received field if Sendmail shows it to the milter, else by the one smtpsecd adds at eom.
    hop=$(grep -c "^Received: .*by mx\.a\.test .*id $id\b" "$DIR/whole.fields")
    [ "$hop" -eq 1 ] && [ "$(grep -c "^Received: .*by mx\.a\.test " "$DIR/whole.fields")" -eq 1 ] &&
        ok "exactly one Received for the a.test hop (id $id)" ||
        { bad "Received fields for the a.test hop: $hop"; grep "^Received: " "$DIR/whole.fields"; }
    # Sendmail 8.17 sends a milter only the client's header fields (7 here, swaks' own), not
    # the Received field it adds: record which side wrote the trace, for the reader of the log.
    grep -q "^Received: .*by mx\.a\.test (8\.[0-9.]*/8\.[0-9.]*) with ESMTP id $id" "$DIR/whole.fields" &&
        echo "note: the a.test hop is Sendmail's own Received field" ||
        echo "note: the a.test hop is smtpsecd's Received field (Sendmail showed the milter" \
            "$(grep -c "$id: milter=smtpsec, action=header" "$DIR/sa/maillog") header fields, not its own Received)"
else bad "the message to bob@b.test did not arrive"; fi
if [ -n "$id" ] && grep -q "$id: Milter: data, discard" "$DIR/sa/maillog"; then
    ok "Sendmail's log shows the milter discard of $id"
else bad "no milter discard in Sendmail's log"; fi
grep -q "$id: to=<bob@b.test>, .*mailer=" "$DIR/sa/maillog" && bad "Sendmail delivered bob's copy by SMTP itself" ||
    { grep -q "$id: to=<bob@b.test>, .*stat=discarded" "$DIR/sa/maillog" &&
        ok "Sendmail did not send bob's copy by SMTP (stat=discarded)" || bad "no stat=discarded for bob's copy"; }

# 2. Split: bob's copy over SMTPsec, dave@insecure.test's by Sendmail's SMTP (relay to Postfix b.test).
out=$(send alice@a.test "bob@b.test,dave@insecure.test" "split")
id=$(queue_id "$out")
grep -q "^<-  250 " <<<"$(last_reply <<<"$out")" && [ -n "$id" ] || { bad "split: Sendmail did not answer 250"; echo "$out"; }
if wait_for "$BOB" split 30 && wait_for "$DAVE" split 30; then
    b=$(find_mail "$BOB" split); d=$(find_mail "$DAVE" split)
    fields "$b" > "$DIR/split-bob.fields"; fields "$d" > "$DIR/split-dave.fields"
    [ "$(grep -ci '^SMTPsec-Used:' "$DIR/split-bob.fields")" -eq 1 ] && ! grep -q forged "$b" &&
        ! grep -qi '^SMTPsec-Used:' "$DIR/split-dave.fields" &&
        grep -q "^Authentication-Results: mx.b.test; smtpsec=pass .*header.from=a.test" "$DIR/split-bob.fields" &&
        ! grep -qi "^Authentication-Results: .*smtpsec=" "$DIR/split-dave.fields" &&
        grep -q "^Received: .*by mx\.a\.test (8\.[0-9.]*/8\.[0-9.]*) with ESMTP id $id" "$DIR/split-dave.fields" &&
        grep -q "$id: to=<dave@insecure.test>, .*mailer=relay, .*relay=\[127.0.0.5\].*stat=Sent" "$DIR/sa/maillog" &&
        ! grep -q "$id: to=<bob@b.test>" "$DIR/sa/maillog" &&
        ok "split: bob@b.test over SMTPsec, dave@insecure.test by Sendmail's SMTP (SMTPsec-Used removed)" ||
        { bad "split: wrong copies"; echo "== bob"; cat "$b"; echo "== dave"; cat "$d"; }
else bad "split: a copy did not arrive"; fi

echo "sendmail e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
