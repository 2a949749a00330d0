#!/bin/bash
# Where smtpsecd -f's log lines go, and what they look like there (issue 14
# point 4), with the real binary:
#   - stderr is the journal (JOURNAL_STREAM names it, as systemd sets it) and
#     [log] foreground = "auto": lines go through syslog(3) with facility mail
#     and each line's priority, the identifier once; nothing on stderr;
#   - the same with foreground = "stderr": sd-daemon "<N>" priorities on
#     stderr, no "smtpsecd[pid]:" of ours (the journal adds it);
#   - a plain file (tests, a terminal): "smtpsecd[pid]: level: text".
# Syslog is caught on /dev/log inside a private mount namespace (a tmpfs on
# /dev), so the host's /dev is never touched.
#
#   syslog_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "$1")
SMTPSECD="$BUILD/src/daemon/smtpsecd"
DIR=$(mktemp -d /tmp/smtpsec-syslog.XXXXXX)
passed=0; failed=0
trap '[ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

openssl genpkey -algorithm ed25519 -out "$DIR/a.key.pem" 2>/dev/null
openssl req -new -x509 -key "$DIR/a.key.pem" -out "$DIR/a.pem" -days 30 -subj "/CN=a.test" 2>/dev/null
echo ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D" > "$DIR/root.key"
mkdir -p "$DIR/spool"
config() {  # FOREGROUND
    cat > "$DIR/smtpsecd.conf" <<CONF
[milter]
socket = "local:$DIR/milter.sock"
socket_group = ""
[[signing]]
domain = "a.test"
certificate = "a.pem"
key = "a.key.pem"
[listener]
addresses = []
[queue]
directory = "spool"
[dns]
trust_anchor = "root.key"
[log]
foreground = "$1"
[daemon]
user = ""
group = ""
pid_file = ""
CONF
}

# run MODE JOURNAL(yes|no): smtpsecd -f until it has started, then SIGTERM;
# its stderr in $DIR/stderr, datagrams sent to /dev/log in $DIR/syslog.
run() {
    rm -f "$DIR/stderr" "$DIR/syslog" "$DIR/milter.sock"; : > "$DIR/syslog"
    config "$1"
    timeout 30 unshare -m bash -c '
        set -u
        mount --make-rprivate / && mount -t tmpfs tmpfs /dev || exit 1
        mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/urandom c 1 9; mknod -m 666 /dev/random c 1 8
        python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(\"/dev/log\")
out = open(sys.argv[1], \"ab\", buffering=0)
while True: out.write(s.recv(65536) + b\"\\n\")
" "$1/syslog" & catcher=$!
        for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
        exec 2>"$1/stderr"
        if [ "$2" = yes ]; then export JOURNAL_STREAM=$(stat -L -c "%d:%i" /proc/self/fd/2); else unset JOURNAL_STREAM; fi
        "$3" -f -c "$1/smtpsecd.conf" & pid=$!
        for i in $(seq 100); do [ -S "$1/milter.sock" ] && break; sleep 0.1; done
        sleep 0.3; kill -TERM $pid; wait $pid; sleep 0.3; kill $catcher
    ' _ "$DIR" "$2" "$SMTPSECD"
}

run auto yes
# RFC 3164 datagrams from syslog(3): <PRI>TIMESTAMP smtpsecd[PID]: TEXT; mail is facility 2.
if grep -q -E '^<22>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} smtpsecd\[[0-9]+\]: smtpsecd started: signing for a.test' "$DIR/syslog" &&
    grep -q -E '^<20>.* smtpsecd\[[0-9]+\]: warning: .*\[tls\] ct_log_list is not set' "$DIR/syslog" &&
    [ ! -s "$DIR/stderr" ]; then
    ok "journal + auto: syslog, facility mail, info <22> and warning <20>, nothing on stderr"
else bad "journal + auto"; echo "--- syslog"; cat "$DIR/syslog"; echo "--- stderr"; cat "$DIR/stderr"; fi
[ "$(grep -c 'smtpsecd\[[0-9]*\]:.*smtpsecd\[' "$DIR/syslog")" -eq 0 ] && ok "journal + auto: the identifier once per line" ||
    bad "a doubled prefix: $(grep 'smtpsecd\[[0-9]*\]:.*smtpsecd\[' "$DIR/syslog" | head -1)"

run stderr yes
if grep -q -x '<6>smtpsecd started: signing for a.test, milter on local:'"$DIR"'/milter.sock' "$DIR/stderr" &&
    grep -q -E '^<4>warning: .*\[tls\] ct_log_list is not set' "$DIR/stderr" &&
    ! grep -q 'smtpsecd\[' "$DIR/stderr" && [ ! -s "$DIR/syslog" ]; then
    ok "journal + stderr: <N> priorities, no identifier of ours, nothing to syslog"
else bad "journal + stderr"; echo "--- stderr"; cat "$DIR/stderr"; fi

run auto no
if grep -q -E '^smtpsecd\[[0-9]+\]: info: smtpsecd started: signing for a.test' "$DIR/stderr" &&
    grep -q -E '^smtpsecd\[[0-9]+\]: warning: ' "$DIR/stderr" && [ ! -s "$DIR/syslog" ]; then
    ok "a plain file: smtpsecd[pid]: level: text, nothing to syslog"
else bad "plain file"; echo "--- stderr"; cat "$DIR/stderr"; echo "--- syslog"; cat "$DIR/syslog"; fi

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
