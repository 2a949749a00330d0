#!/bin/bash
# contrib/smtpsecd.conf.example followed as the README's step 2 says (issue
# 14 point 5): copied, then edited by exactly the commands its top comment
# documents (the lines starting with "#   sed" and "#   chgrp"), with the
# gateway's chain and key where it says to put them; `smtpsecd -n` run as
# root must then say "configuration OK" (a warning for the empty CT log list
# only). Before the edits, -n must fail and name the missing files. Nothing
# of the example may keep a name the operator did not give (helo, bounces).
#
# Only what this machine lacks is redirected, never the documented edits:
# /etc/smtpsec and Postfix's chroot socket directory live in a temporary
# directory, and without the package's user and group smtpsec the daemon's
# account is nobody:nogroup.
#
#   example_config_test.sh BUILD_DIR
set -uo pipefail
BUILD=$(realpath "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SMTPSECD="$BUILD/src/daemon/smtpsecd"
EXAMPLE="$SRC/contrib/smtpsecd.conf.example"
DIR=$(mktemp -d /tmp/smtpsec-example.XXXXXX)
chmod 0755 "$DIR"
passed=0; failed=0
trap '[ "$failed" -eq 0 ] && rm -rf "$DIR"' EXIT
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAILED: $*"; }

ETC="$DIR/etc/smtpsec"
mkdir -p "$ETC" "$DIR/postfix-smtpsecd"
CONF="$ETC/smtpsecd.conf"
cp "$EXAMPLE" "$CONF"
# The machine, not the documented edits.
account=smtpsec
getent group smtpsec >/dev/null && getent passwd smtpsec >/dev/null || account=""
environment() {  # FILE: redirect what lives outside the temporary directory
    sed -i -e "s#/etc/smtpsec/#$ETC/#g" -e "s#/var/spool/postfix/smtpsecd/#$DIR/postfix-smtpsecd/#g" "$1"
    [ -f /usr/share/dns/root.key ] || sed -i "s#/usr/share/dns/root.key#$DIR/root.key#" "$1"
    if [ -z "$account" ]; then
        sed -i -e 's/^user = "smtpsec"$/user = "nobody"/' -e 's/^group = "smtpsec"$/group = "nogroup"/' "$1"
    fi
}
echo ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D" > "$DIR/root.key"
environment "$CONF"

# Before the documented edits: -n fails and names the missing chain.
out=$("$SMTPSECD" -n -c "$CONF" 2>&1); status=$?
if [ $status -eq 1 ] && grep -q -F "$CONF:" <<<"$out" && grep -q -F "cannot read \"$ETC/mx.example.org.chain.pem\"" <<<"$out"; then
    ok "before the edits: -n exits 1 and names $ETC/mx.example.org.chain.pem"
else bad "before the edits: exit $status: $out"; fi

# The documented commands, from the example itself (so that it and this test cannot drift).
DOMAIN=mail.test
mapfile -t commands < <(grep -E '^#   (sed|chgrp) ' "$EXAMPLE" | sed 's/^#   //')
[ "${#commands[@]}" -ge 2 ] && ok "the example documents ${#commands[@]} commands" ||
    bad "the example's top comment has no sed/chgrp commands"
grep -q -F "s/example\\.org/$DOMAIN/g" <<<"${commands[0]:-}" || bad "the documented sed does not use $DOMAIN: ${commands[0]:-none}"
# The gateway's certificate (ECDSA P-256, as README step 1 recommends) where the comment says.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ETC/mx.$DOMAIN.key.pem" 2>/dev/null
openssl req -new -x509 -key "$ETC/mx.$DOMAIN.key.pem" -out "$ETC/mx.$DOMAIN.chain.pem" -days 30 \
    -subj "/CN=mx.$DOMAIN" -addext "subjectAltName=DNS:mx.$DOMAIN" 2>/dev/null
for c in "${commands[@]}"; do
    c=${c//\/etc\/smtpsec\//$ETC/}
    [ -n "$account" ] || c=${c//chgrp smtpsec/chgrp nogroup}
    bash -c "$c" || bad "documented command failed: $c"
done

out=$("$SMTPSECD" -n -c "$CONF" 2>&1); status=$?
line=$(grep -n '^ct_log_list = ""' "$CONF" | cut -d: -f1)
expected="$CONF:$line: warning: [tls] ct_log_list is empty: only peers whose certificates match DANE-EE (TLSA 3 x x) records can be authenticated
configuration OK"
if [ $status -eq 0 ] && [ "$out" = "$expected" ]; then
    ok "after the documented edits: -n as root (reading as ${account:-nobody}) says configuration OK"
else bad "after the edits: exit $status"; diff <(echo "$expected") <(echo "$out"); fi
if grep -q -E '^[^#]*example\.org' "$CONF"; then bad "example.org left after the edits: $(grep -n -E '^[^#]*example\.org' "$CONF")"
else ok "no example.org left in any setting"; fi
grep -q -E '^(helo_name|bounce_from) =' "$CONF" && bad "the example sets helo_name or bounce_from (they would keep a name the operator did not give)" ||
    ok "helo_name and bounce_from are left to their defaults (the host name)"
grep -q -E '^postmaster = ""$' "$CONF" && ok "postmaster: empty by default" || bad "postmaster is set in the example"
missing=0
for f in $(grep -o -E 'contrib/[A-Za-z0-9_./-]+[A-Za-z0-9]' "$EXAMPLE" "$SRC/README.md" "$SRC"/man/* | cut -d: -f2 | sort -u); do
    [ -e "$SRC/$f" ] || { bad "$f is referred to but does not exist"; missing=1; }
done
[ $missing -eq 1 ] || ok "every contrib/ file the example, the README and the man pages name exists"

# The man pages speak to operators: right sections, every option, no project-internal references.
MAN="$SRC/man"
words=$(grep -n -i -E 'decisions? points?|thesis section|smtpsec-queue \(8\)' "$MAN"/*.[158]; grep -n -E 'smtpsec-queue \(8\)' "$SRC/README.md")
[ -z "$words" ] && ok "no 'decisions point', 'thesis section' or smtpsec-queue(8) in the man pages" || bad "in the man pages: $words"
for opt in '\\-V' '\\-\\-version' '\\-\\-check' '\\-\\-config' '\\-\\-foreground' '\\-\\-help'; do
    grep -q -e "$opt" "$MAN/smtpsecd.8" || bad "smtpsecd(8) does not list $opt"
done
for page in smtpsec-check.1 smtpsec-dns.1 smtpsec-dump.1 smtpsec-queue.1; do
    grep -q -e '\\-\\-version' "$MAN/$page" || bad "$page does not list --version"
done
ok "smtpsecd(8) lists -V and the long options; every tool's page lists --version"

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
