#!/bin/bash
# smtpsec-ctlog-update (issue 18 point 3) with lists and publisher keys made
# here: a good signed list is installed atomically and smtpsecd (a stand-in
# that records SIGHUP through the pid file) is told to reload; a tampered
# list, one signed by another key, an older list, a list the daemon could
# not parse and one without a timestamp are each refused with their own
# error, the installed file unchanged and no reload sent.
#
#   ctlog_update_test.sh TOOL
set -uo pipefail
tool=$1
work=$(mktemp -d /tmp/smtpsec-ctlog-test.XXXXXX)
daemon=""
cleanup() { [ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0; failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

# The publisher's key (RSA, as Google's) and another one.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/publisher.key" 2>/dev/null
openssl pkey -in "$work/publisher.key" -pubout -out "$work/publisher.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/other.key" 2>/dev/null
# One CT log: its key (SubjectPublicKeyInfo) and id (its SHA-256).
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/log.key" 2>/dev/null
log_key=$(openssl pkey -in "$work/log.key" -pubout -outform DER | base64 -w0)
log_id=$(openssl pkey -in "$work/log.key" -pubout -outform DER | openssl dgst -sha256 -binary | base64 -w0)

list() {  # NAME VERSION TIMESTAMP [LOG_ID]: NAME.json
    local stamp=""
    [ -n "$3" ] && stamp="\"log_list_timestamp\": \"$3\","
    cat > "$work/$1.json" <<JSON
{"version": "$2", $stamp "operators": [{"name": "Test operator", "email": ["ct@example.test"],
 "logs": [{"description": "Test log", "log_id": "${4:-$log_id}", "key": "$log_key",
 "url": "https://ct.example.test/", "mmd": 86400,
 "state": {"usable": {"timestamp": "2024-01-01T00:00:00Z"}}}]}]}
JSON
}
sign() {  # NAME [KEY]: NAME.sig
    openssl dgst -sha256 -sign "$work/${2:-publisher}.key" -out "$work/$1.sig" "$work/$1.json"
}

# smtpsecd's stand-in: counts SIGHUPs; its pid file is the one the config names.
( trap 'echo hup >> "$work/hups"' HUP; while :; do sleep 0.1; done ) &
daemon=$!
echo "$daemon" > "$work/smtpsecd.pid"
mkdir -p "$work/etc" "$work/lib"
cat > "$work/etc/smtpsecd.conf" <<CONF
[tls]
ct_log_list = "../lib/log_list.json"
[daemon]
pid_file = "$work/smtpsecd.pid"
CONF
target="$work/lib/log_list.json"
hups() { [ -f "$work/hups" ] && wc -l < "$work/hups" || echo 0; }

run() {  # NAME: runs the tool on NAME.json/NAME.sig with the test key; sets out, status
    out=$("$tool" -c "$work/etc/smtpsecd.conf" --key "$work/publisher.pem" --list "$work/$1.json" 2>&1); status=$?
}
wait_hups() {  # N: the stand-in handles its trap between sleeps
    for _ in $(seq 50); do [ "$(hups)" -ge "$1" ] && return 0; sleep 0.1; done; return 1
}

# 1. A good list: installed, byte for byte, and the daemon told to reload.
list v1 "1.0" "2026-01-01T00:00:00Z"; sign v1
run v1
if [ $status -eq 0 ] && cmp -s "$work/v1.json" "$target" && wait_hups 1 &&
   grep -q "installed version \"1.0\" (published 2026-01-01T00:00:00Z, 1 logs) as $target; smtpsecd (pid $daemon) told to reload" <<<"$out" &&
   [ ! -e "$target.new" ]; then ok "a good signed list is installed and smtpsecd reloaded"
else bad "good list (exit $status): $out"; fi

# 2. The same list again: current, nothing done.
run v1
[ $status -eq 0 ] && grep -q "is current" <<<"$out" && [ "$(hups)" -eq 1 ] &&
    ok "the same list again: current, no reload" || bad "same list (exit $status, $(hups) hups): $out"

# 3..7: each refused with its own error; the installed file and the daemon untouched.
refused() {  # CASE ERROR
    run "$1"
    if [ $status -eq 1 ] && grep -q "refused ($2): " <<<"$out" && grep -q "$target is unchanged" <<<"$out" &&
       cmp -s "$work/v1.json" "$target" && [ "$(hups)" -eq 1 ]; then ok "$1: refused ($2), installed list unchanged"
    else bad "$1 (exit $status, $(hups) hups): $out"; fi
}
list tampered "2.0" "2026-02-01T00:00:00Z"; sign tampered
sed -i 's/Test log/Evil log/' "$work/tampered.json"
refused tampered "bad signature"
list wrongkey "2.0" "2026-02-01T00:00:00Z"; sign wrongkey other
refused wrongkey "bad signature"
list stale "0.9" "2025-12-01T00:00:00Z"; sign stale
refused stale "stale list"
grep -q 'its log_list_timestamp 2025-12-01T00:00:00Z (version "0.9") is older than the installed list'"'"'s 2026-01-01T00:00:00Z (version "1.0")' <<<"$out" ||
    bad "stale: the message names both timestamps: $out"
list malformed "2.0" "2026-02-01T00:00:00Z" "c2hvcnQ="; sign malformed
refused malformed "malformed list"
grep -q 'log_id is not 32 bytes' <<<"$out" || bad "malformed: the schema problem is named: $out"
list undated "2.0" ""; sign undated
refused undated "no timestamp"
echo "not a key" > "$work/notakey.pem"
out=$("$tool" -c "$work/etc/smtpsecd.conf" --key "$work/notakey.pem" --list "$work/v1.json" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "refused (bad key)" <<<"$out" && cmp -s "$work/v1.json" "$target" &&
    ok "a key file that is no key: refused (bad key)" || bad "bad key (exit $status): $out"

# 8. A newer good list replaces the installed one and reloads again.
list v2 "2.0" "2026-03-01T00:00:00Z"; sign v2
run v2
[ $status -eq 0 ] && cmp -s "$work/v2.json" "$target" && wait_hups 2 &&
    ok "a newer signed list replaces the installed one" || bad "newer list (exit $status): $out"

# 9. No [tls] ct_log_list configured: nothing to keep current, exit 0, nothing written.
printf '[daemon]\npid_file = ""\n' > "$work/etc/none.conf"
out=$("$tool" -c "$work/etc/none.conf" --key "$work/publisher.pem" --list "$work/v2.json" 2>&1); status=$?
[ $status -eq 0 ] && grep -q "sets no \[tls\] ct_log_list" <<<"$out" &&
    ok "no ct_log_list configured: nothing to do" || bad "no list configured (exit $status): $out"

# 10. A download that fails (nothing listens on this loopback port): exit 75, unchanged.
out=$("$tool" -c "$work/etc/smtpsecd.conf" --key "$work/publisher.pem" --url "https://127.0.0.1:9/" 2>&1); status=$?
[ $status -eq 75 ] && grep -q "the installed list is unchanged" <<<"$out" && cmp -s "$work/v2.json" "$target" &&
    ok "a failed download: exit 75, installed list unchanged" || bad "failed download (exit $status): $out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
