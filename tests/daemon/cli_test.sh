#!/bin/bash
# The smtpsecd binary as an operator meets it (issue 6): `smtpsecd -n` on
# broken configs prints the exact "FILE:LINE: reason" lines and exits 1, a
# good one prints "configuration OK"; a broken config never starts a daemon
# (exit 1, nothing bound); a port already taken stops start-up with 78, in
# the foreground and detached alike, leaving nothing half-started behind.
# config_broken_test.cc covers load_config's messages in depth; this test
# proves they reach the operator through the real binary and its exit codes.
#
#   cli_test.sh BUILD_DIR      (listens only on 127.0.0.7)
set -uo pipefail
BUILD=$(realpath "$1")
SMTPSECD="$BUILD/src/daemon/smtpsecd"
IP=127.0.0.7
PORT=4651
DIR=$(mktemp -d /tmp/smtpsec-cli.XXXXXX)
passed=0; failed=0
HOLDER=""
cleanup() {
    [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
    [ -f "$DIR/smtpsecd.pid" ] && kill "$(cat "$DIR/smtpsecd.pid")" 2>/dev/null
    [ "$failed" -eq 0 ] && rm -rf "$DIR"
}
trap cleanup EXIT

ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

cert() {  # NAME: NAME.pem and NAME.key.pem, a self-signed Ed25519 pair
    openssl genpkey -algorithm ed25519 -out "$DIR/$1.key.pem" 2>/dev/null
    openssl req -new -x509 -key "$DIR/$1.key.pem" -out "$DIR/$1.pem" -days 30 \
        -subj "/CN=$1" -addext "subjectAltName=DNS:$1" 2>/dev/null
}
cert a.test
cert b.test
echo ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D" > "$DIR/root.key"
mkdir -p "$DIR/spool"

# The valid starting file; the expectations below use its line numbers.
BASE=(
    '[milter]'                                   # 1
    "socket = \"local:$DIR/milter.sock\""        # 2
    'socket_group = ""'                          # 3
    '[[signing]]'                                # 4
    'domain = "a.test"'                          # 5
    'certificate = "a.test.pem"'                 # 6
    'key = "a.test.key.pem"'                     # 7
    '[listener]'                                 # 8
    'addresses = []'                             # 9
    ''                                           # 10
    '[queue]'                                    # 11
    'directory = "spool"'                        # 12
    ''                                           # 13
    '[dns]'                                      # 14
    'trust_anchor = "root.key"'                  # 15
    ''                                           # 16
    '[daemon]'                                   # 17
    'user = ""'                                  # 18
    'group = ""'                                 # 19
    "pid_file = \"$DIR/smtpsecd.pid\""           # 20
)
CONF="$DIR/smtpsecd.conf"

# write [N=TEXT]... [+ APPENDED...]: the base file with lines N replaced and lines appended.
write() {
    local lines=("${BASE[@]}") arg appending=0
    for arg in "$@"; do
        if [ "$arg" = + ]; then appending=1
        elif [ $appending -eq 1 ]; then lines+=("$arg")
        else lines[$((${arg%%=*} - 1))]=${arg#*=}
        fi
    done
    printf '%s\n' "${lines[@]}" > "$CONF"
}

# check NAME EXPECTED_STATUS EXPECTED_STDOUT: runs `smtpsecd -n -c $CONF`.
check() {
    local out status
    out=$("$SMTPSECD" -n -c "$CONF" 2>"$DIR/stderr")
    status=$?
    if [ "$status" -eq "$2" ] && [ "$out" = "$3" ] && [ ! -s "$DIR/stderr" ]; then ok "-n: $1"
    else
        bad "-n: $1 (exit $status, expected $2)"
        diff <(printf '%s\n' "$3") <(printf '%s\n' "$out"); cat "$DIR/stderr"
    fi
}
at() { echo "$CONF:$1: $2"; }

# 1. `smtpsecd -n` on broken configs: exact lines, exit 1.
CT_WARNING='warning: [tls] ct_log_list is not set: only peers whose certificates match DANE-EE (TLSA 3 x x) records can be authenticated'
write; check "the valid base file: the CT warning, then OK" 0 "$CONF: $CT_WARNING
configuration OK"
write '3=socket_group = "postfix'
check "TOML syntax error" 1 "$(at 3 'Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited')"
write '13=retry-max = "4h"'
check "unknown key, with a suggestion" 1 "$(at 13 'unknown key "retry-max" in [queue] (did you mean "retry_max"?)')"
write + '[reinjct]' 'address = "127.0.0.1:10026"'
check "unknown section" 1 "$(at 21 'unknown section [reinjct] (did you mean [reinject]?)')"
write '9=addresses = "127.0.0.1:4650"'
check "wrong type" 1 "$(at 9 '[listener] addresses: expected an array of strings, not a string')"
write '13=retry_min = "5 mins"'
check "bad duration" 1 "$(at 13 '[queue] retry_min: bad duration "5 mins" (expected a number and a unit: ms, s, m, h, d or w, e.g. "30s", "5m", "4h", "5d")')"
write '2=socket = "inet:127.0.0.1:8891"'
check "bad socket spec" 1 "$(at 2 '[milter] socket: bad socket spec "inet:127.0.0.1:8891" (a milter listens on inet:PORT@HOST, e.g. inet:8891@127.0.0.1; HOST:PORT is how Postfix names it)')"
write '6=certificate = "missing.pem"'
check "missing certificate file" 1 "$(at 6 "[[signing]] certificate: cannot read \"$DIR/missing.pem\": No such file or directory")"
write '7=key = "b.test.key.pem"'
check "signing key not matching its certificate" 1 "$(at 7 "[[signing]] key: the key in \"$DIR/b.test.key.pem\" does not belong to the certificate in \"$DIR/a.test.pem\" (the private key does not match the public key of the chain's leaf certificate)")"
# Ed25519: GnuTLS 3.7.9's own check (gnutls_certificate_set_x509_key_file2)
# lets two different Ed25519 keys through; smtpsecd compares the key ids.
write "9=addresses = [\"$IP:$PORT\"]" $'10=certificate = "a.test.pem"\nkey = "b.test.key.pem"'
check "listener Ed25519 key not matching its certificate" 1 "$(at 11 "[listener] key: the key in \"$DIR/b.test.key.pem\" does not belong to the certificate in \"$DIR/a.test.pem\"")"
# P-256 likewise.
openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/p.key.pem"
openssl req -new -x509 -key "$DIR/p.key.pem" -out "$DIR/p.pem" -days 30 -subj "/CN=p" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$DIR/q.key.pem"
write "9=addresses = [\"$IP:$PORT\"]" $'10=certificate = "p.pem"\nkey = "q.key.pem"'
check "listener key not matching its certificate" 1 "$(at 11 "[listener] key: the key in \"$DIR/q.key.pem\" does not belong to the certificate in \"$DIR/p.pem\"")"
write + '[reinject]' 'address = "localhost:10026"'
check "bad address" 1 "$(at 22 '[reinject] address: bad address "localhost:10026" ("localhost" is not an IP address; host names are not resolved here)')"
write '15=trust_anchor = ""'
check "empty trust anchor without unbound_config" 1 "$(at 15 '[dns] trust_anchor: empty, and no unbound_config to provide one: DNSSEC validation needs a trust anchor')"
write '13=retry_max = "1m"'
check "retry_max below retry_min" 1 "$(at 13 '[queue] retry_max: "1m" is below retry_min ("5m")')"
write '12=directory = "nowhere/spool"'
check "spool without a parent" 1 "$(at 12 "[queue] directory: neither \"$DIR/nowhere/spool\" nor its parent directory \"$DIR/nowhere\" exists")"
write '9=addresses = ["127.0.0.1:4650"]'
check "listener without certificate and key" 1 "$(at 9 '[listener] certificate: required when addresses is not empty (addresses = [] disables the listener)')
$(at 9 '[listener] key: required when addresses is not empty (addresses = [] disables the listener)')"
write '18=user = "no-such-user-smtpsec"' '6=certificate = "missing.pem"' '13=retry_mn = "5m"'
check "several problems, in line order" 1 "$(at 6 "[[signing]] certificate: cannot read \"$DIR/missing.pem\": No such file or directory")
$(at 13 'unknown key "retry_mn" in [queue] (did you mean "retry_min"?)')
$(at 18 '[daemon] user: no such user "no-such-user-smtpsec"')"
write '2=socket_mode = 0660'
check "an unquoted octal socket_mode: the TOML message and a hint to quote it" 1 "$(at 2 'Error while parsing decimal integer: leading zeroes are prohibited (a number cannot start with 0 in TOML: write a file mode as a string, e.g. socket_mode = "0660")')"
write "2=socket = \"local:$DIR/no-such-dir/milter.sock\""
check "the milter socket's directory does not exist" 1 "$(at 2 "[milter] socket: the socket's directory \"$DIR/no-such-dir\" does not exist (smtpsecd does not create it; for Postfix's chroot: install -d -o smtpsec -g postfix -m 0750 $DIR/no-such-dir)")"

# A CT log list that parses as JSON but that a reload refuses (a log's id is not
# 32 bytes): -n builds the same trust policy and refuses it too.
echo '{"operators":[{"name":"x","email":[],"logs":[{"description":"l","log_id":"AAAA","key":"bm90IGEga2V5","url":"https://x/","mmd":86400}]}]}' > "$DIR/bad_log_list.json"
write + '[tls]' 'ct_log_list = "bad_log_list.json"'
check "a CT log list a reload would refuse" 1 "$CONF: [tls]: CT log list: log \"l\": log_id is not 32 bytes"
# Likewise a sender policy with a line a reload cannot parse.
printf 'alice alice@a.test nonsense\n' > "$DIR/senders"
write '3=socket_group = ""
sender_policy_file = "senders"'
check "a sender policy a reload would refuse" 1 "$CONF: [milter] sender policy: $DIR/senders:1: 'nonsense' is not an address or @domain"
# And an inbound authorisation file (issue 18): each bad line as FILE:LINE.
printf '# who may write to bob\nbob@b.test allow alice@a.test\nbob@b.test permit x@a.test\n@b.test default\n' > "$DIR/authorisation"
write '10=authorisation_file = "authorisation"'
check "an authorisation file with bad lines: each as FILE:LINE: reason" 1 "$DIR/authorisation:3: unknown rule 'permit' (expected allow, refuse or default)
$DIR/authorisation:4: 'default' takes one word: allow or refuse"

# Trust material growing old (issue 18): a signing certificate expiring in 5
# days is warned about by -n (and, through the same warnings, at start-up).
openssl genpkey -algorithm ed25519 -out "$DIR/soon.key.pem" 2>/dev/null
openssl req -new -x509 -key "$DIR/soon.key.pem" -out "$DIR/soon.pem" -days 5 -subj "/CN=a.test" \
    -addext "subjectAltName=DNS:a.test" 2>/dev/null
write '6=certificate = "soon.pem"' '7=key = "soon.key.pem"'
out=$("$SMTPSECD" -n -c "$CONF" 2>&1); status=$?
[ $status -eq 0 ] && grep -q "^$CONF: warning: \[\[signing\]\] a.test certificate \"$DIR/soon.pem\" expires in 4 days (.*): renew it$" <<<"$out" &&
    ok "-n: a signing certificate expiring in 5 days is warned about" || bad "-n: certificate expiring soon (exit $status): $out"

# 1b. Run as root, -n reads the files again as [daemon] user, as every reload
#     does: a key only root can read (what certbot writes) fails -n and the
#     start; a key every user can read is warned about.
chmod 0755 "$DIR"  # nobody may enter it, as the daemon's user enters /etc/smtpsec
chmod 0600 "$DIR/a.test.key.pem"
NOBODY_NOTE='(read as user "nobody", as smtpsecd reads its files at every reload)'
write '18=user = "nobody"'
check "a key only root can read, user nobody: refused with the file and the reason" 1 "$(at 7 "[[signing]] key: cannot read \"$DIR/a.test.key.pem\": Permission denied $NOBODY_NOTE")"
err=$(timeout 10 "$SMTPSECD" -f -c "$CONF" 2>&1 >/dev/null); status=$?
[ $status -eq 1 ] && grep -q -F "$(at 7 "[[signing]] key: cannot read \"$DIR/a.test.key.pem\": Permission denied $NOBODY_NOTE")" <<<"$err" &&
    grep -q "^smtpsecd: not started: " <<<"$err" && [ ! -e "$DIR/milter.sock" ] &&
    ok "start as root with a key only root can read, user nobody: exit 1, not started" ||
    bad "start with a root-only key: exit $status: $err"
chown nobody "$DIR/a.test.key.pem"
write '18=user = "nobody"'
check "the key given to the daemon's user: OK" 0 "$CONF: $CT_WARNING
configuration OK"
chmod 0644 "$DIR/a.test.key.pem"
check "a key every user can read: a warning, still OK" 0 "$(at 7 "warning: [[signing]] key: \"$DIR/a.test.key.pem\" is readable by every user of this host (mode 0644): anyone here can sign or serve TLS as this gateway; make it readable by the daemon's group only (chmod 0640, chgrp smtpsec) and consider the key compromised")
$CONF: $CT_WARNING
configuration OK"
chown root "$DIR/a.test.key.pem"; chmod 0600 "$DIR/a.test.key.pem"

out=$("$SMTPSECD" -n -c "$DIR/absent.conf"); status=$?
[ $status -eq 1 ] && [ "$out" = "$DIR/absent.conf: cannot read: No such file or directory" ] &&
    ok "-n: a config file that does not exist" || bad "-n: absent file (exit $status): $out"
# Every program answers -V and --version with its name and the version.
for prog in "$SMTPSECD" "$BUILD/src/tools/smtpsec-check" "$BUILD/src/tools/smtpsec-dns" \
            "$BUILD/src/tools/smtpsec-dump" "$BUILD/src/tools/queue/smtpsec-queue"; do
    name=$(basename "$prog")
    for opt in -V --version; do
        out=$("$prog" $opt 2>&1); status=$?
        [ $status -eq 0 ] && grep -q -E "^$name [0-9]+\.[0-9]+\.[0-9]+$" <<<"$out" ||
            bad "$name $opt: exit $status, '$out'"
    done
done
ok "smtpsecd and the four tools answer -V and --version"
"$SMTPSECD" --no-such-option >/dev/null 2>&1; status=$?
[ $status -eq 64 ] && ok "an unknown option exits 64" || bad "unknown option: exit $status"

listening() { ss -Hltn "src $IP:$PORT" 2>/dev/null | grep -q LISTEN; }

# 2. A broken config never starts a half-working daemon.
write "9=addresses = [\"$IP:$PORT\"]" '10=certificate = "a.test.pem"' '13=retry_max = "1m"'
sed -i '10a key = "a.test.key.pem"' "$CONF"  # [listener] key on line 11
expected="$(at 14 '[queue] retry_max: "1m" is below retry_min ("5m")')
smtpsecd: not started: $CONF has problems (smtpsecd -n lists them)"
for mode in -f ""; do
    err=$(timeout 10 "$SMTPSECD" $mode -c "$CONF" 2>&1 >/dev/null); status=$?
    if [ $status -eq 1 ] && [ "$err" = "$expected" ] && ! listening && [ ! -e "$DIR/milter.sock" ] &&
        [ ! -e "$DIR/smtpsecd.pid" ]; then
        ok "start ${mode:-detached} with a broken config: exit 1, the problems on stderr, nothing bound"
    else
        bad "start ${mode:-detached} with a broken config: exit $status"
        diff <(printf '%s\n' "$expected") <(printf '%s\n' "$err")
    fi
done

# 3. A valid config whose port is taken: 78 with the reason, nothing left behind.
sed -i 's/^retry_max = "1m"$//' "$CONF"
out=$("$SMTPSECD" -n -c "$CONF"); [ "$(tail -1 <<<"$out")" = "configuration OK" ] || bad "the listener config is not valid: $out"
python3 -c "
import socket, time, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$IP', $PORT)); s.listen(1); sys.stdout.write('ready\n'); sys.stdout.flush(); time.sleep(60)" > "$DIR/holder.out" &
HOLDER=$!
for ((i = 0; i < 50; i++)); do listening && break; sleep 0.1; done
for mode in -f ""; do
    err=$(timeout 10 "$SMTPSECD" $mode -c "$CONF" 2>&1 >/dev/null); status=$?
    if [ $status -eq 78 ] && grep -q "not started: \[listener\] $IP:$PORT: .*Address already in use" <<<"$err" &&
        [ ! -e "$DIR/milter.sock" ] && [ ! -e "$DIR/smtpsecd.pid" ]; then
        ok "start ${mode:-detached} with the listener port taken: exit 78, reason: $(tail -1 <<<"$err")"
    else
        bad "start ${mode:-detached} with the port taken: exit $status"; echo "$err"
        ls "$DIR"
    fi
done
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; HOLDER=""

# 4. The same config, port free, detached: exit 0 once ready, pid file, SIGTERM stops it.
for ((i = 0; i < 50; i++)); do listening || break; sleep 0.1; done
timeout 20 "$SMTPSECD" -c "$CONF" >/dev/null 2>&1; status=$?
pid=$(cat "$DIR/smtpsecd.pid" 2>/dev/null)
if [ $status -eq 0 ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && listening && [ -S "$DIR/milter.sock" ]; then
    ok "detached start: exit 0 once listening, pid file names the running daemon"
    kill -TERM "$pid"
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if ! kill -0 "$pid" 2>/dev/null && [ ! -e "$DIR/smtpsecd.pid" ] && ! listening; then
        ok "SIGTERM on an idle daemon: gone within $((i / 10)).$((i % 10)) s, pid file removed, port closed"
    else bad "SIGTERM on the idle daemon"; kill -9 "$pid" 2>/dev/null; fi
else
    bad "detached start: exit $status, pid '$pid'"
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
fi

# 5. A milter socket whose directory cannot hold it (here a regular file):
# the reason names it and the system's error (issue 14 saw no errno).
: > "$DIR/not-a-dir"
write "2=socket = \"local:$DIR/not-a-dir/milter.sock\"" '9=addresses = []'
err=$(timeout 10 "$SMTPSECD" -f -c "$CONF" 2>&1 >/dev/null); status=$?
if [ $status -ne 0 ] && grep -qi "not-a-dir.*not a directory" <<<"$err"; then
    ok "a milter socket in a non-directory: exit $status, reason: $(grep -i 'not a directory' <<<"$err" | tail -1)"
else bad "a milter socket in a non-directory: exit $status: $err"; fi

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
