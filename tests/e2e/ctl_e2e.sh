#!/bin/bash
# Issue 18 end to end: what an operator sees (smtpsec-ctl status, stats,
# reload, queue, flush; a Prometheus scrape of /metrics) after a known
# exchange between two real Postfix instances and their smtpsecd, and the
# rollout mode: with [milter] mode = "monitor" the mail leaves by Postfix's
# SMTP (no SMTPsec-Used, no smtpsec= result at b.test) while the would-be
# take-over and refusal are logged and counted; back in enforce mode it
# goes over SMTPsec again. On 127.0.0.58/59 (no other test uses them).
#
#   ctl_e2e.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.58} WORLD_IP_B=${WORLD_IP_B:-127.0.0.59}
export WORLD_METRICS_PORT=${WORLD_METRICS_PORT:-9465}
# shellcheck source=world.sh
source "$HERE/world.sh"
CTL="$BUILD/src/tools/ctl/smtpsec-ctl"
DIR=$(mktemp -d /tmp/smtpsec-ctl-e2e.XXXXXX)
chmod 0755 "$DIR"
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    for f in "$WORLD/ga/smtpsecd.log" "$WORLD/gb/smtpsecd.log" "$WORLD/pa/maillog"; do
        echo "---- tail $f"; tail -12 "$f"
    done
}
send() {  # FROM TO SUBJECT [swaks args...]
    local from=$1 to=$2 subject=$3; shift 3
    swaks --server "$WORLD_IP_A:2525" --from "$from" --to "$to" --header "Subject: $subject" \
        --body "body of $subject" "$@" 2>&1
}
box() { "$WORLD_PF" mailbox "$WORLD/$1" "$2"; }
find_mail() { grep -l "^Subject: $2\$" "$1"/new/* 2>/dev/null | head -1; }
wait_for() {  # MAILDIR SUBJECT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do [ -n "$(find_mail "$1" "$2")" ] && return 0; sleep 0.2; done
    return 1
}
ctl() { "$CTL" -s "$WORLD/$1/control.sock" "${@:2}"; }  # GATEWAY COMMAND
stat_of() { ctl "$1" stats | sed -n "s/^$2=//p"; }       # GATEWAY NAME: one value of smtpsec-ctl stats
wait_stat() {  # GATEWAY NAME VALUE SECONDS
    local i
    for ((i = 0; i < $4 * 5; i++)); do [ "$(stat_of "$1" "$2")" = "$3" ] && return 0; sleep 0.2; done
    return 1
}
expect_stats() {  # GATEWAY NAME=VALUE...: every one exactly
    local g=$1 all wrong=""; shift
    all=$(ctl "$g" stats)
    for want in "$@"; do grep -qx -- "$want" <<<"$all" || wrong+=" $want (is: $(grep "^${want%%=*}=" <<<"$all"))"; done
    [ -z "$wrong" ] && return 0
    echo "  $g stats differ:$wrong"; return 1
}

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
BOB=$(box pb bob@b.test); CAROL=$(box pb carol@b.test); DAVE=$(box pb dave@insecure.test); ALICE=$(box pa alice@a.test)

# 1. status of a fresh gateway: one "key: value" line each.
status=$(ctl ga status)
grep -qx "state: running" <<<"$status" && grep -qx "mode: enforce" <<<"$status" &&
    grep -qx "signing: a.test" <<<"$status" && grep -qx "control: $WORLD/ga/control.sock" <<<"$status" &&
    grep -qx "metrics: http://$WORLD_IP_A:$WORLD_METRICS_PORT/metrics" <<<"$status" &&
    grep -qx "listener: $WORLD_IP_A:4650, 0 connection(s) open" <<<"$status" &&
    grep -qx "queue: 0 message(s), 0 held, 0 recipient(s) pending, oldest 0 s" <<<"$status" &&
    grep -qx "last reload: none" <<<"$status" &&
    grep -qx "ct log list: none (DANE only)" <<<"$status" &&
    grep -qE "^certificate: \[listener\] certificate .*: (29|30) day\(s\) left$" <<<"$status" &&
    grep -qx "trust anchor: current" <<<"$status" &&
    ok "smtpsec-ctl status: running, enforce, a.test, its sockets, an empty queue, its trust material (no CT list, the certificate's days left, the anchor current)" ||
    { bad "smtpsec-ctl status"; echo "$status"; }
[ "$(stat -c %a "$WORLD/ga/control.sock")" = 660 ] && ok "the control socket is mode 0660 (root and its group)" ||
    bad "control socket mode $(stat -c %a "$WORLD/ga/control.sock")"

# 2. The known exchange: one message to bob (SMTPsec), one to carol (SMTPsec) and dave (insecure.test, SMTP).
send alice@a.test bob@b.test "one" >/dev/null
send alice@a.test "carol@b.test,dave@insecure.test" "split" >/dev/null
if wait_for "$BOB" one 30 && wait_for "$CAROL" split 30 && wait_for "$DAVE" split 30; then
    ok "the exchange arrived: bob and carol over SMTPsec, dave by SMTP"
else bad "the exchange did not arrive"; fi
wait_stat ga delivered.smtpsec 2 20 || true
expect_stats ga taken_over.smtpsec=2 taken_over.defer=0 left_to_smtp.none_insecure=1 left_to_smtp.not_candidate=0 \
    milter_messages.discard=1 milter_messages.continue=1 milter_messages.reject=0 milter_messages.tempfail=0 \
    delivered.smtpsec=2 delivered.handed_back=0 deferred.smtpsec=0 bounced.refused=0 bounced.expired=0 \
    monitor_would.take_over=0 tls_handshake_failures.outbound=0 queue_entries=0 queue_oldest_age_seconds=0 \
    reloads.done=0 &&
    ok "ga stats after the exchange: 2 taken over (smtpsec), 1 left to SMTP (none_insecure), 1 discard + 1 continue, 2 delivered" ||
    bad "ga stats after the exchange"
expect_stats gb inbound_accepted.email=2 origin_auth.dane_ee=2 origin_auth.ca_ct=0 origin_auth.certificate_refused=0 \
    inbound_refused.authentication_failed=0 inbound_refused.unknown_address=0 tls_handshake_failures.inbound=0 \
    taken_over.smtpsec=0 &&
    ok "gb stats after the exchange: 2 Emails accepted, 2 origins authenticated by DANE-EE, nothing refused" ||
    bad "gb stats after the exchange"
# What one side wrote in TLS records the other read, byte for byte.
a_out=$(stat_of ga bytes.out); b_in=$(stat_of gb bytes.in); a_in=$(stat_of ga bytes.in); b_out=$(stat_of gb bytes.out)
[ "${a_out:-0}" -gt 1000 ] && [ "$a_out" = "$b_in" ] && [ "${a_in:-0}" -gt 0 ] && [ "$a_in" = "$b_out" ] &&
    ok "bytes: ga sent $a_out and gb received $b_in; gb sent $b_out and ga received $a_in" ||
    bad "bytes: ga out $a_out / gb in $b_in, gb out $b_out / ga in $a_in"
grep -q "^dns_verdicts.smtpsec=[1-9]" <<<"$(ctl ga stats)" && grep -q "^dns_verdicts.none_insecure=[1-9]" <<<"$(ctl ga stats)" &&
    ok "ga counted its discovery verdicts: smtpsec (b.test) and none_insecure (insecure.test)" || bad "dns verdicts"

# 3. The Prometheus endpoint: a real scrape, the same values, and what it refuses.
scrape=$(curl -sS -D "$DIR/headers" "http://$WORLD_IP_A:$WORLD_METRICS_PORT/metrics")
grep -qx 'smtpsec_taken_over_total{reason="smtpsec"} 2' <<<"$scrape" &&
    grep -qx 'smtpsec_left_to_smtp_total{reason="none_insecure"} 1' <<<"$scrape" &&
    grep -qx 'smtpsec_delivered_total{via="smtpsec"} 2' <<<"$scrape" &&
    grep -qx 'smtpsec_queue_entries 0' <<<"$scrape" &&
    grep -qx '# TYPE smtpsec_taken_over_total counter' <<<"$scrape" &&
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$DIR/headers" &&
    ok "curl scrape of /metrics: the same counters, text format 0.0.4" || { bad "scrape"; echo "$scrape" | head -20; }
echo "$scrape" > "$DIR/scrape-a.txt"
scrape_b=$(curl -sS "http://$WORLD_IP_B:$WORLD_METRICS_PORT/metrics")
grep -qx 'smtpsec_inbound_accepted_total{kind="email"} 2' <<<"$scrape_b" &&
    grep -qx 'smtpsec_origin_auth_total{result="dane_ee"} 2' <<<"$scrape_b" &&
    ok "gb's scrape: 2 inbound Emails accepted, 2 DANE-EE origins" || bad "gb's scrape"
raw() {  # BYTES: sent raw to ga's endpoint; prints the status line of the answer
    exec 3<>"/dev/tcp/$WORLD_IP_A/$WORLD_METRICS_PORT" || return 1
    printf '%b' "$1" >&3
    timeout 5 head -1 <&3 | tr -d '\r'
    exec 3<&-
}
[ "$(raw 'POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n')" = "HTTP/1.1 405 Method Not Allowed" ] &&
    [ "$(raw 'GET /../../etc/passwd HTTP/1.1\r\n\r\n')" = "HTTP/1.1 404 Not Found" ] &&
    [ "$(raw 'GET /metrics HTTP/9.9\r\n\r\n')" = "HTTP/1.1 505 HTTP Version Not Supported" ] &&
    [ "$(raw "GET /$(head -c 5000 /dev/zero | tr '\0' a)")" = "HTTP/1.1 414 URI Too Long" ] &&
    [ "$(raw "GET /metrics HTTP/1.1\r\nX: $(head -c 5000 /dev/zero | tr '\0' a)\r\n")" = "HTTP/1.1 431 Request Header Fields Too Large" ] &&
    [ "$(raw '\x00\xff\r\n\r\n')" = "HTTP/1.1 400 Bad Request" ] &&
    ok "the endpoint answers POST 405, another path 404, HTTP/9.9 505, 5000-byte target 414 and header 431, binary 400" ||
    bad "hostile requests to /metrics"
kill -0 "$(cat "$WORLD/ga/daemon.pid")" && ctl ga status >/dev/null && ok "ga serves on after the hostile requests" ||
    bad "ga died after hostile requests"

# 4. The control socket refuses what is not a command.
unix_send() {  # BYTES (Python literal): sent raw to ga's control socket; prints the answer
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(15); s.connect(sys.argv[1]); s.sendall(eval(sys.argv[2])); print(s.recv(4096).decode(), end="")' "$WORLD/ga/control.sock" "$1"
}
out=$(unix_send 'b"rm -rf /\n"')
long=$(unix_send 'b"s"*500')
[ "$out" = "error: the request is not a command line" ] && [ "$long" = "error: request longer than 64 bytes" ] &&
    ok "control socket: 'rm -rf /' and 500 bytes are refused with a specific error" ||
    bad "control socket errors: '$out' / '$long'"

# 5. reload through the socket keeps the counters (as SIGHUP would); queue and flush.
out=$(ctl ga reload); rc=$?
[ $rc -eq 0 ] && [ "$out" = "reload done: signing for a.test" ] && expect_stats ga taken_over.smtpsec=2 reloads.done=1 &&
    grep -q "^last reload: done at " <<<"$(ctl ga status)" &&
    ok "smtpsec-ctl reload: '$out'; the counters survive it" || bad "reload: rc $rc '$out'"
q=$(ctl ga queue); f=$(ctl ga flush)
[ "$(head -1 <<<"$q")" = "messages: 0" ] && [ "$f" = "flush: 0 recipients due now" ] &&
    ok "smtpsec-ctl queue and flush on an empty queue" || bad "queue/flush: $q / $f"

# 6. Monitor mode, switched on by a reload: the mail leaves by SMTP, the would-be decision is logged and counted.
sed -i '/^\[milter\]$/a mode = "monitor"' "$WORLD/ga/smtpsecd.conf"
ctl ga reload >/dev/null && grep -q "^mode: monitor" <<<"$(ctl ga status)" && ok "reload into monitor mode" ||
    bad "monitor mode not on after reload"
send alice@a.test bob@b.test "monitored" >/dev/null
if wait_for "$BOB" monitored 30; then
    m=$(find_mail "$BOB" monitored)
    ! grep -qi '^SMTPsec-Used:' "$m" && ! grep -q 'smtpsec=' "$m" &&
        grep -q "to=<bob@b.test>, relay=$WORLD_IP_B" "$WORLD/pa/maillog" &&
        ok "monitor mode: bob's mail came by Postfix's SMTP (no SMTPsec-Used, no smtpsec= result)" ||
        { bad "monitor mode: the mail shows SMTPsec"; cat "$m"; }
else bad "monitor mode: the mail did not arrive"; fi
qid=$(grep -F "to=<bob@b.test>, relay=$WORLD_IP_B" "$WORLD/pa/maillog" | tail -1 | sed 's/.*: \([0-9A-F]\{6,\}\): to=.*/\1/')
grep -qE "^smtpsecd\[[0-9]+\]: info: $qid: monitor mode: would take over to=<bob@b.test> \(smtpsec \(.*\)\); the MTA delivers it by SMTP\$" "$WORLD/ga/smtpsecd.log" &&
    ok "monitor mode logged under Postfix's queue id: $(grep -F "$qid: monitor mode" "$WORLD/ga/smtpsecd.log" | cut -d' ' -f3-)" ||
    bad "no 'monitor mode: would take over' line for $qid"
out=$(send alice@a.test dave@insecure.test "monitored-required" --header "Require-SMTPsec: yes")
wait_for "$DAVE" monitored-required 30 && grep -q "monitor mode: would refuse the message with 550 5.7.30" "$WORLD/ga/smtpsecd.log" &&
    ok "monitor mode: a message enforce mode refuses (Require-SMTPsec to an SMTP-only domain) is delivered; the refusal logged" ||
    { bad "monitor mode: required message"; echo "$out" | tail -3; }
# The listener is not part of the rollout: b.test's mail to alice@a.test still arrives over SMTPsec.
swaks --server "$WORLD_IP_B:2525" --from bob@b.test --to alice@a.test --header "Subject: inbound-while-monitoring" \
    --body "body" >/dev/null 2>&1
if wait_for "$ALICE" inbound-while-monitoring 30 &&
    grep -q "smtpsec=pass" "$(find_mail "$ALICE" inbound-while-monitoring)" && expect_stats ga inbound_accepted.email=1; then
    ok "monitor mode: ga's listener still accepts SMTPsec (alice's mail from b.test: smtpsec=pass, counted)"
else bad "monitor mode: inbound SMTPsec at ga"; fi
expect_stats ga monitor_would.take_over=1 monitor_would.refuse=1 monitor_would.hold=0 taken_over.smtpsec=2 \
    milter_messages.continue=3 milter_messages.discard=1 milter_messages.reject=0 delivered.smtpsec=2 reloads.done=2 &&
    ok "monitor mode counted: would take over 1, would refuse 1; nothing taken over, nothing refused" ||
    bad "monitor mode counters"

# 7. Back to enforce: unchanged behaviour.
sed -i '/^mode = "monitor"$/d' "$WORLD/ga/smtpsecd.conf"
ctl ga reload >/dev/null
send alice@a.test bob@b.test "enforced-again" >/dev/null
if wait_for "$BOB" enforced-again 30 && grep -qi '^SMTPsec-Used:' "$(find_mail "$BOB" enforced-again)" &&
    grep -q "smtpsec=pass" "$(find_mail "$BOB" enforced-again)" && wait_stat ga delivered.smtpsec 3 20 &&
    expect_stats ga taken_over.smtpsec=3 monitor_would.take_over=1; then
    ok "enforce mode again: over SMTPsec, counted as taken over"
else bad "enforce mode after monitor"; fi
out=$(send alice@a.test dave@insecure.test "required-enforced" --header "Require-SMTPsec: yes")
grep -q "550 5.7.30" <<<"$out" && expect_stats ga milter_messages.reject=1 &&
    ok "enforce mode: the same Require-SMTPsec message is refused 5.7.30 and counted" || { bad "enforce refusal"; echo "$out" | tail -3; }

echo "---- smtpsec-ctl status (ga) after the exchange"; ctl ga status
echo "---- metrics scrape of ga after the exchange (non-zero series)"
curl -s "http://$WORLD_IP_A:$WORLD_METRICS_PORT/metrics" | grep -v '^#' | grep -v ' 0$'
echo "---- metrics scrape of gb (non-zero series)"
curl -s "http://$WORLD_IP_B:$WORLD_METRICS_PORT/metrics" | grep -v '^#' | grep -v ' 0$'
echo "ctl e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
