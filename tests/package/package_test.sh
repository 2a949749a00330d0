#!/bin/bash
# The Debian package (issue 6): builds it from this source tree with
# dpkg-buildpackage, checks it with lintian (no errors), installs it, checks
# what the package put in place (user, directories, modes, man pages, unit),
# then starts the INSTALLED daemon the way the unit would (smtpsecd -n, then
# smtpsecd -f; there is no systemd here) as the sending gateway of the
# two-domain loopback world, dropping privileges to the package's user, and
# delivers one message through it. Needs root. Leaves the package installed.
#
#   package_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SRC=$(realpath "$1"); BUILD=$(realpath "$2")
WORK=$(mktemp -d /tmp/smtpsec-package.XXXXXX)
chmod 0755 "$WORK"
failed=0
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }
ok() { echo "ok: $*"; }

# Built once per source content (shared with the two-host test).
deb=$("$SRC/tests/package/build_deb.sh" "$SRC" "$BUILD") || { echo "FAILED: building the package"; exit 1; }
ok "built $(basename "$deb")"

# No error or warning even with --pedantic (issue 14); the informational
# and pedantic tags left are listed.
lintian --pedantic -I --tag-display-limit 0 "$deb" > "$WORK/lintian.txt" 2>&1
if grep -q "^[EW]: " "$WORK/lintian.txt"; then fail "lintian errors or warnings:"; grep "^[EW]: " "$WORK/lintian.txt"; else
    ok "lintian --pedantic: no errors, no warnings; left: $(grep -E '^[IP]: ' "$WORK/lintian.txt" | cut -d' ' -f3 | sort -u | tr '\n' ' ')"; fi

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" > "$WORK/install.log" 2>&1 ||
    { cat "$WORK/install.log"; fail "apt-get install"; exit 1; }
ok "installed"
for f in /usr/sbin/smtpsecd /usr/sbin/smtpsec-ctl /usr/share/man/man8/smtpsec-ctl.8.gz /usr/bin/smtpsec-check /usr/bin/smtpsec-dns /usr/bin/smtpsec-queue /usr/bin/smtpsec-dump \
         /usr/share/man/man8/smtpsecd.8.gz /usr/share/man/man5/smtpsecd.conf.5.gz /usr/share/man/man1/smtpsec-dns.1.gz \
         /usr/share/man/man1/smtpsec-queue.1.gz /lib/systemd/system/smtpsecd.service \
         /usr/share/doc/smtpsec-gateway/examples/smtpsecd.conf.example /usr/share/doc/smtpsec-gateway/README.Debian.gz \
         /usr/share/doc/smtpsec-gateway/README.md.gz /usr/libexec/smtpsec-gateway/certbot-deploy-hook \
         /usr/libexec/smtpsec-gateway/smtpsecd-postfix-chroot \
         /usr/sbin/smtpsec-ctlog-update /usr/share/man/man8/smtpsec-ctlog-update.8.gz \
         /usr/share/smtpsec-gateway/log_list_pubkey.pem /lib/systemd/system/smtpsec-ctlog-update.service \
         /lib/systemd/system/smtpsec-ctlog-update.timer; do
    [ -e "$f" ] || fail "missing $f"
done
getent passwd smtpsec >/dev/null && ok "user smtpsec exists" || fail "no user smtpsec"
[ "$(stat -c '%U %a' /var/spool/smtpsec)" = "smtpsec 700" ] && ok "/var/spool/smtpsec: smtpsec 0700" ||
    fail "/var/spool/smtpsec is $(stat -c '%U %a' /var/spool/smtpsec)"
grep -q "^ExecReload=/bin/kill -HUP \$MAINPID" /lib/systemd/system/smtpsecd.service &&
    grep -q "^RuntimeDirectory=smtpsecd" /lib/systemd/system/smtpsecd.service &&
    grep -q "^Before=postfix.service" /lib/systemd/system/smtpsecd.service && ok "unit: reload, runtime dir, ordering" ||
    fail "unit file content"
/usr/sbin/smtpsecd -n -c /usr/share/doc/smtpsec-gateway/examples/smtpsecd.conf.example > "$WORK/example-check.txt" 2>&1
grep -q "smtpsecd.conf.example:[0-9]*: " "$WORK/example-check.txt" && ok "smtpsecd -n on the example names file:line problems" ||
    fail "smtpsecd -n on the example: $(cat "$WORK/example-check.txt")"

# The installed daemon as a.test's gateway, running as user smtpsec.
source "$SRC/tests/e2e/world.sh"
export SMTPSECD_GA=/usr/sbin/smtpsecd WORLD_USER_GA=smtpsec
trap 'world_down' EXIT
if world_up "$WORK/world" "$BUILD"; then
    ps -o user= -p "$(cat "$WORK/world/ga/daemon.pid")" | grep -q smtpsec && ok "installed smtpsecd runs as smtpsec" ||
        fail "installed smtpsecd does not run as smtpsec"
    swaks --server 127.0.0.2:2525 --from alice@a.test --to bob@b.test --header "Subject: via the package" >/dev/null 2>&1
    box=$("$WORLD_PF" mailbox "$WORLD/pb" bob@b.test)
    if world_wait_mail "$box" 1 30 && grep -q "^SMTPsec-Used:" "$box"/new/*; then
        ok "a message went through the installed daemon over SMTPsec"
    else fail "no message through the installed daemon"; tail -20 "$WORK/world/ga/smtpsecd.log"; fi
else fail "the world with the installed daemon did not start"; tail -20 "$WORK/world/ga/smtpsecd.log"; fi

echo "package test: $failed failed"
world_down  # before $WORK goes: the pid files are in it
[ "$failed" -eq 0 ] && rm -rf "$WORK"
[ "$failed" -eq 0 ]
