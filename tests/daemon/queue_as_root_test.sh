#!/bin/bash
# smtpsec-queue run as root on the queue of a daemon that runs as another
# user (issue 14, point 2), in the real two-domain world: ga runs as nobody
# (as the package's smtpsecd runs as smtpsec), gb is stopped so that a
# message waits in ga's queue. hold, release and flush run as root must
# leave every file of the entry the daemon's (owner and group), tell the
# daemon, and the daemon must go on: it records the entry's next state and
# delivers it once gb is back, with no "Permission denied" in its log. A
# tool that cannot act (run as a user who cannot reach the spool) says so
# and exits non-zero instead of "held 1 entry".
#
#   queue_as_root_test.sh BUILD_DIR   (WORLD_IP_A/WORLD_IP_B: default 127.0.0.18/19)
set -uo pipefail
BUILD=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../e2e/world.sh
source "$HERE/../e2e/world.sh"
export WORLD_IP_A=${WORLD_IP_A:-127.0.0.18} WORLD_IP_B=${WORLD_IP_B:-127.0.0.19}
export WORLD_USER_GA=nobody
DIR=$(mktemp -d /tmp/smtpsec-qroot.XXXXXX)
chmod 0755 "$DIR"  # Postfix (user postfix) and ga (nobody) work below it
passed=0; failed=0
trap 'world_down; [ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() {
    failed=$((failed + 1)); echo "FAILED: $*"
    echo "---- tail $WORLD/ga/smtpsecd.log"; tail -15 "$WORLD/ga/smtpsecd.log"
}
arrived() {  # SUBJECT SECONDS
    local i
    for ((i = 0; i < $2 * 5; i++)); do
        grep -lq "^Subject: $1\$" "$BOB"/new/* 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
owners() { stat -c '%U:%G %a' "$WORLD/ga/spool/active/$id.env" "$WORLD/ga/spool/active/$id.msg" | sort -u | tr '\n' ' '; }
queue() { "$SMTPSEC_QUEUE" -d "$WORLD/ga/spool" -p "$WORLD/ga/smtpsecd.pid" "$@"; }

world_up "$DIR/world" "$BUILD" || { failed=1; echo "FAILED: the world did not start (kept in $DIR)"; exit 1; }
BOB=$("$WORLD_PF" mailbox "$WORLD/pb" bob@b.test)
[ "$(ps -o user= -p "$(cat "$WORLD/ga/daemon.pid")")" = nobody ] && ok "ga runs as nobody" || bad "ga does not run as nobody"
world_gateway_stop gb
# level = "debug" (applied by a reload) must produce debug lines about the next message.
sed -i 's/^level = "info"$/level = "debug"/' "$WORLD/ga/smtpsecd.conf"
kill -HUP "$(cat "$WORLD/ga/daemon.pid")"
for ((i = 0; i < 50; i++)); do grep -q "reload done" "$WORLD/ga/smtpsecd.log" && break; sleep 0.1; done

swaks --server "$WORLD_IP_A:2525" --from alice@a.test --to bob@b.test --header "Subject: waiting" \
    --body "body of waiting" >"$DIR/swaks" 2>&1
id=""
for ((i = 0; i < 50; i++)); do
    id=$(queue list 2>/dev/null | grep -o -E '^[0-9A-F]{6,}' | head -1)
    [ -n "$id" ] && break
    sleep 0.2
done
[ -n "$id" ] && ok "the message waits in ga's queue as $id" || { bad "nothing queued at ga"; exit 1; }
if grep -q -E "^smtpsecd\[[0-9]+\]: debug: [0-9A-F]+: to=<bob@b.test> discovery verdict for b.test: smtpsec " "$WORLD/ga/smtpsecd.log" &&
    grep -q -E "^smtpsecd\[[0-9]+\]: debug: [0-9A-F]+: answer to the MTA: discard$" "$WORLD/ga/smtpsecd.log"; then
    ok "level debug: the verdict and the answer to the MTA are logged at debug"
else bad "level debug: no debug lines"; grep debug "$WORLD/ga/smtpsecd.log" | head -5; fi
expected="nobody:nogroup 600 "
[ "$(owners)" = "$expected" ] || bad "before: $(owners)"
# ga has tried gb once and failed; its next attempt is due within retry_max (5 s).
wait_attempt() { grep -c -F "$id: to=<bob@b.test>" "$WORLD/ga/smtpsecd.log"; }

for action in hold release flush; do
    out=$(queue "$action" "$id" 2>&1); status=$?
    verb=$(case $action in hold) echo held;; release) echo released;; flush) echo flushed;; esac)
    if [ $status -eq 0 ] && [ "$out" = "smtpsec-queue: $verb 1 entry" ] && [ "$(owners)" = "$expected" ] &&
        [ -z "$(find "$WORLD/ga/spool" ! -user nobody)" ]; then
        ok "root: $action -> '$out', exit 0, the entry's files stay nobody:nogroup 0600"
    else
        bad "root: $action: exit $status, '$out', files: $(owners)"
        find "$WORLD/ga/spool" ! -user nobody -ls
    fi
done
# The daemon goes on: its next attempt is recorded (attempts grows), with no permission error.
attempts() { queue list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["recipients"][0]["attempts"])'; }
a0=$(attempts)
for ((i = 0; i < 80; i++)); do [ "$(attempts)" -gt "$a0" ] && break; sleep 0.1; done
[ "$(attempts)" -gt "$a0" ] && ok "ga recorded its next attempt after the root flush (attempts $a0 -> $(attempts))" ||
    bad "ga recorded no attempt after the flush (attempts $a0)"
world_gateway_start gb || bad "gb did not restart"
queue flush >/dev/null
arrived waiting 20 && ok "the entry is delivered once gb is back" || bad "the entry was not delivered"
grep -q "Permission denied\|cannot record" "$WORLD/ga/smtpsecd.log" &&
    bad "ga logged: $(grep "Permission denied\|cannot record" "$WORLD/ga/smtpsecd.log" | head -2)" ||
    ok "ga never logged Permission denied or 'cannot record the new state'"

# A tool that cannot act says so: as user daemon, which cannot enter the spool (nobody's, 0700).
out=$(setpriv --reuid=daemon --regid=daemon --clear-groups "$SMTPSEC_QUEUE" -d "$WORLD/ga/spool" \
    -p "$WORLD/ga/smtpsecd.pid" hold ALL 2>&1); status=$?
if [ $status -ne 0 ] && ! grep -q "held" <<<"$out" && grep -q "Permission denied" <<<"$out"; then
    ok "as a user without access: exit $status, '$out'"
else bad "as a user without access: exit $status, '$out'"; fi

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
