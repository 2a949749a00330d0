#!/bin/bash
# The two-host test (issue 14): the package in the operator's world. Two
# Debian 12 systems, each booted with systemd as PID 1 (systemd-nspawn
# --boot) in a network namespace of its own, joined by a bridge in a third
# namespace on the test network 10.77.0.0/24, where nsd serves the
# DNSSEC-signed zones of a.test and b.test (tests/fixtures/dns). Each has
# Debian's postfix from apt in its default, chrooted configuration, installs
# our .deb with apt and is configured by the README's deployment section:
# the blocks after `<!-- deploy: NAME -->` comments in README.md, run as
# they stand (only the names block gets this host's names). Then, with
# systemctl only: start, a message each way over SMTPsec into a mailbox,
# the log in /var/log/mail.log and in the journal with its priority and
# facility, reload with a good, a bad and an unreadable config, the certbot
# deploy hook, smtpsec-queue as root, stop draining, no restart loop on
# exit 78, upgrade, purge; and the unit's exposure next to OpenDKIM's.
#
# The debootstrapped root is cached in BUILD_DIR/two-host/rootfs (about a
# minute to make); each host boots it read-only with a tmpfs overlay
# (--volatile=overlay), so the cache stays clean. systemd never starts on
# this machine's own root filesystem. Needs root.
#
#   two_host_test.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SRC=$(realpath "$1"); BUILD=$(realpath "$2")
CACHE="$BUILD/two-host"
NET=10.77.0
DNS_IP=$NET.53
NS_PREFIX=smtpsec2h
T0=$(date +%s)
failed=0
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }
ok() { echo "ok: $*"; }
check() {  # check NAME COMMAND...: ok if the command succeeds
    local name=$1; shift
    if "$@"; then ok "$name"; else fail "$name"; fi
}
elapsed() { echo "$(( $(date +%s) - T0 )) s"; }

for tool in debootstrap systemd-nspawn nsenter ip ldns-signzone nsd openssl; do
    command -v "$tool" >/dev/null || { echo "two-host test: $tool missing (scripts/install-deps.sh)"; exit 1; }
done

WORK=$(mktemp -d /tmp/smtpsec-2h.XXXXXX)
chmod 0755 "$WORK"
declare -A NSPAWN INIT

cleanup() {
    local h i
    for h in a b; do
        [ -n "${NSPAWN[$h]:-}" ] || continue
        # nspawn turns SIGTERM into an orderly poweroff of the container.
        kill "${NSPAWN[$h]}" 2>/dev/null
    done
    for h in a b; do
        [ -n "${NSPAWN[$h]:-}" ] || continue
        for ((i = 0; i < 100; i++)); do kill -0 "${NSPAWN[$h]}" 2>/dev/null || break; sleep 0.2; done
        kill -9 "${NSPAWN[$h]}" 2>/dev/null
    done
    "$SRC/tests/fixtures/dns/fixture.sh" stop "$WORK/dns" >/dev/null 2>&1
    for h in a b net; do ip netns del "$NS_PREFIX-$h" 2>/dev/null; done
    [ "$failed" -eq 0 ] && rm -rf "$WORK"
}
trap cleanup EXIT

# --- The package (built once per source content, shared with package_test.sh).
# TWO_HOST_DEB=FILE uses that package instead (while working on this test).
if [ -n "${TWO_HOST_DEB:-}" ]; then deb=$(realpath "$TWO_HOST_DEB"); else
    deb=$("$SRC/tests/package/build_deb.sh" "$SRC" "$BUILD") || { echo "FAILED: building the package"; exit 1; }
fi
ok "package $(basename "$deb") ($(elapsed))"

# --- The cached Debian 12 root: systemd, Debian's postfix, rsyslog, and the
# libraries our package depends on (the hosts have no route to a mirror).
# The package's own dependencies are read from it (first alternative of
# each, without versions), so that apt finds them all in the host.
deb_depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*//; s/ //g' | grep . | sort -u | tr '\n' ',')
PACKAGES=systemd,systemd-sysv,dbus,postfix,rsyslog,swaks,iproute2,ca-certificates,procps,util-linux,${deb_depends%,}
ROOTFS="$CACHE/rootfs"
if [ "$(cat "$CACHE/rootfs.packages" 2>/dev/null)" != "$PACKAGES" ] || [ ! -x "$ROOTFS/lib/systemd/systemd" ]; then
    echo "debootstrap bookworm (cached in $ROOTFS)"
    rm -rf "$ROOTFS" "$CACHE/rootfs.tmp"; mkdir -p "$CACHE"
    t=$(date +%s)
    # The mirror apt uses here.
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$CACHE/rootfs.tmp" \
            "${mirror:-http://deb.debian.org/debian}" > "$CACHE/debootstrap.log" 2>&1; then
        tail -20 "$CACHE/debootstrap.log"; echo "FAILED: debootstrap"; exit 1
    fi
    rm -f "$CACHE/rootfs.tmp/etc/hostname"
    mv "$CACHE/rootfs.tmp" "$ROOTFS"
    echo "$PACKAGES" > "$CACHE/rootfs.packages"
    ok "debootstrap took $(( $(date +%s) - t )) s"
fi

# --- The README's deployment blocks.
declare -A BLOCK
extract_blocks() {  # README -> BLOCK[name]; prints the names in order
    awk '
        /^<!-- deploy: [a-z]+ -->$/ { name = $3; want = 1; next }
        want && /^```sh$/ { inblock = 1; want = 0; next }
        inblock && /^```$/ { inblock = 0; next }
        inblock { print name "\t" $0 }
    ' "$1"
}
while IFS=$'\t' read -r name line; do BLOCK[$name]+="$line"$'\n'; done < <(extract_blocks "$SRC/README.md")
order=$(extract_blocks "$SRC/README.md" | cut -f1 | uniq | tr '\n' ' ')
[ "$order" = "names install identity config postfix dns start " ] &&
    ok "README deployment blocks: $order" ||
    fail "README deployment blocks are \"$order\", the test knows \"names install identity config postfix dns start\""
grep -q '^DOMAIN=' <<< "${BLOCK[names]:-}" && grep -q '^MX=' <<< "${BLOCK[names]:-}" ||
    fail "the README's names block sets no DOMAIN and MX"

# --- The network: a bridge in its own namespace (nsd on $DNS_IP), one veth
# into each host's namespace.
for h in a b net; do ip netns del "$NS_PREFIX-$h" 2>/dev/null; ip netns add "$NS_PREFIX-$h"; done
ip -n "$NS_PREFIX-net" link set lo up
ip -n "$NS_PREFIX-net" link add br0 type bridge
ip -n "$NS_PREFIX-net" addr add "$DNS_IP/24" dev br0
ip -n "$NS_PREFIX-net" link set br0 up
declare -A IP=([a]=$NET.1 [b]=$NET.2)
for h in a b; do
    ip -n "$NS_PREFIX-net" link add "v$h" type veth peer name eth0 netns "$NS_PREFIX-$h"
    ip -n "$NS_PREFIX-net" link set "v$h" master br0 up
    ip -n "$NS_PREFIX-$h" link set lo up
    ip -n "$NS_PREFIX-$h" addr add "${IP[$h]}/24" dev eth0
    ip -n "$NS_PREFIX-$h" link set eth0 up
done

# --- Identities: what certbot would leave in /etc/letsencrypt/live/MX
# (ECDSA P-256, as the README recommends); peers pin them with TLSA 3 1 1.
cert_for() {  # DIR NAME [KEY]: fullchain.pem and privkey.pem for NAME
    mkdir -p "$1"
    [ -f "$1/privkey.pem" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1/privkey.pem" 2>/dev/null
    openssl req -new -x509 -key "$1/privkey.pem" -out "$1/fullchain.pem" -days 30 \
        -subj "/CN=$2" -addext "subjectAltName=DNS:$2" -set_serial "0x$(openssl rand -hex 8)" 2>/dev/null
}
for h in a b; do
    mkdir -p "$WORK/$h"
    cert_for "$WORK/$h/live" "mx.$h.test"
    cp "$deb" "$WORK/$h/"
done

# --- Boot both hosts.
for h in a b; do
    systemd-nspawn --keep-unit --register=no --boot --volatile=overlay --console=passive \
        -D "$ROOTFS" -M "$NS_PREFIX$h" --hostname="mx.$h.test" \
        --network-namespace-path="/run/netns/$NS_PREFIX-$h" --resolv-conf=off \
        --bind="$WORK/$h:/mnt/test" > "$WORK/$h/console.log" 2>&1 &
    NSPAWN[$h]=$!
done
on() {  # on HOST COMMAND: a root shell command inside HOST (bash -c), cwd /mnt/test
    local h=$1; shift
    nsenter -t "${INIT[$h]}" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 bash -c "cd /mnt/test && $1"
}
for h in a b; do
    for ((i = 0; i < 100; i++)); do
        INIT[$h]=$(pgrep -P "${NSPAWN[$h]}" | head -1)
        [ -n "${INIT[$h]}" ] && [ "$(cat "/proc/${INIT[$h]}/comm" 2>/dev/null)" = systemd ] && break
        INIT[$h]=""; sleep 0.1
    done
    [ -n "${INIT[$h]}" ] || { cat "$WORK/$h/console.log"; echo "FAILED: host $h did not boot"; exit 1; }
done
for h in a b; do
    # Until PID 1 answers on its socket, then until start-up is over.
    for ((i = 0; i < 200; i++)); do
        grep -Eqx 'initializing|starting|running|degraded' <<< "$(on $h 'systemctl is-system-running' 2>&1)" && break
        sleep 0.1
    done
    state=$(on $h "timeout 60 systemctl is-system-running --wait" 2>&1)
    if [ "$state" = degraded ]; then
        # Seen once in a clean CI run: systemd-user-sessions.service failed at
        # boot in one host and not in the other (nothing of ours runs yet). Its
        # journal goes to the log; each failed unit is started once more, and
        # the system must then be running.
        failed_units=$(on $h "systemctl list-units --failed --plain --no-legend | cut -d' ' -f1")
        for u in $failed_units; do
            echo "host $h: $u failed at boot:"
            on $h "journalctl -b -u $u --no-pager | tail -n 5"
            on $h "systemctl reset-failed $u; systemctl start $u" || true
        done
        state=$(on $h "timeout 30 systemctl is-system-running --wait" 2>&1)
        [ "$state" = running ] && echo "host $h: running after starting again: $failed_units"
    fi
    [ "$state" = running ] && ok "host $h: systemd is PID 1, system $state ($(elapsed))" ||
        { fail "host $h: system $state"; on $h "systemctl --failed --no-pager"; }
done

# --- The operator's world before our package: Postfix as Debian installed it
# (chrooted smtpd, rsyslog writing /var/log/mail.log) for its domain, and a
# user with a mailbox.
declare -A USER_OF=([a]=alice [b]=bob)
for h in a b; do
    on $h "postconf -e myhostname=mx.$h.test 'mydestination=$h.test, localhost' &&
           echo $h.test > /etc/mailname && useradd -m ${USER_OF[$h]} && systemctl restart postfix &&
           systemctl is-active postfix@-.service >/dev/null" || fail "host $h: Postfix for $h.test"
    on $h "postconf -M smtp/inet | grep -Eq '^smtp +inet +n +- +y '" && ok "host $h: Debian's Postfix, smtpd chrooted" ||
        fail "host $h: smtpd is not chrooted"
done

run_block() {  # HOST NAME: the README's block NAME with this host's names
    local h=$1 name=$2
    printf 'set -e\nDOMAIN=%s.test\nMX=mx.%s.test\n%s' "$h" "$h" "${BLOCK[$name]}" > "$WORK/$h/block-$name.sh"
    on $h "bash /mnt/test/block-$name.sh" > "$WORK/$h/block-$name.out" 2>&1
}

# --- README step 1: install.
for h in a b; do
    if run_block $h install; then ok "host $h: README install: apt-get install ./$(basename "$deb")"; else
        fail "host $h: README install"; tail -20 "$WORK/$h/block-install.out"; fi
done
# Installed, not configured: enabled, and skipped rather than failed.
check "host a: no config yet: starting smtpsecd is skipped (ConditionPathExists), not failed" \
    on a "systemctl start smtpsecd && [ \"\$(systemctl show -p ConditionResult --value smtpsecd)\" = no ] && ! systemctl is-failed --quiet smtpsecd"
check "host a: smtpsecd.service is enabled at install" on a "[ \"\$(systemctl is-enabled smtpsecd)\" = enabled ]"
check "host a: ordered before postfix@-.service" on a "systemctl show -p Before --value smtpsecd | grep -qw 'postfix@-.service'"

# --- Step 2: identity, from what certbot left.
for h in a b; do
    on $h "mkdir -p /etc/letsencrypt/live/mx.$h.test /etc/letsencrypt/renewal-hooks/deploy &&
           install -m 0644 live/fullchain.pem /etc/letsencrypt/live/mx.$h.test/ &&
           install -m 0600 live/privkey.pem /etc/letsencrypt/live/mx.$h.test/"
    run_block $h identity && ok "host $h: README identity" || { fail "host $h: README identity"; cat "$WORK/$h/block-identity.out"; }
done

# --- Step 3: config; then the test world's resolver (nsd on the test
# network; a production host resolves from the root with root.key).
for h in a b; do
    run_block $h config && ok "host $h: README config passes smtpsecd -n" ||
        { fail "host $h: README config"; cat "$WORK/$h/block-config.out"; }
done

# --- Step 4: Postfix.
for h in a b; do
    run_block $h postfix && ok "host $h: README postfix" || { fail "host $h: README postfix"; cat "$WORK/$h/block-postfix.out"; }
done

# --- Step 5: DNS: what smtpsec-dns prints, plus the A record, published in
# signed zones by nsd on the test network.
: > "$WORK/records"
for h in a b; do
    if run_block $h dns; then
        grep -v '^[;#]' "$WORK/$h/block-dns.out" | grep -E 'IN (SRV|TLSA)' | sed "s/^/$h.test /" >> "$WORK/records"
        echo "$h.test mx.$h.test. 3600 IN A ${IP[$h]}" >> "$WORK/records"
    else fail "host $h: README dns"; cat "$WORK/$h/block-dns.out"; fi
done
[ "$(grep -c 'IN SRV' "$WORK/records")" = 2 ] && [ "$(grep -c 'IN TLSA 3 1 1' "$WORK/records")" = 2 ] &&
    ok "smtpsec-dns printed an SRV and a TLSA 3 1 1 record per domain" || { fail "smtpsec-dns records"; cat "$WORK/records"; }
if ! DNS_FIXTURE_IP=$DNS_IP DNS_FIXTURE_BARE_AB=1 DNS_FIXTURE_OWNER=$$ \
        ip netns exec "$NS_PREFIX-net" "$SRC/tests/fixtures/dns/fixture.sh" start "$WORK/dns" "$WORK/records" >/dev/null; then
    echo "FAILED: nsd on the test network"; exit 1
fi
for h in a b; do
    sed "s|trust-anchor-file: .*|trust-anchor-file: \"/etc/smtpsec/test.ds\"|" "$WORK/dns/unbound.conf" > "$WORK/$h/unbound.conf"
    cp "$WORK/dns/test.ds" "$WORK/$h/test.ds"
    on $h "install -o root -g smtpsec -m 0640 unbound.conf /etc/smtpsec/test-dns.conf &&
           install -o root -g smtpsec -m 0640 test.ds /etc/smtpsec/test.ds &&
           printf '\n# The test world: its signed root instead of the real one.\n[dns]\ntrust_anchor = \"\"\nunbound_config = \"/etc/smtpsec/test-dns.conf\"\n' >> /etc/smtpsec/smtpsecd.conf &&
           smtpsecd -n >/dev/null" || fail "host $h: the test world's resolver in smtpsecd.conf"
done

# --- Point 1: root confined to the old unit's capability bounding set (no
# CAP_DAC_OVERRIDE) starts the daemon: it drops to smtpsec before opening
# the 0700 spool and the socket directory.
on a "mkdir -p /run/smtpsecd && timeout -s TERM 4 setpriv --bounding-set=-all,+setuid,+setgid,+chown,+net_bind_service \
      smtpsecd -f -c /etc/smtpsec/smtpsecd.conf > /mnt/test/setpriv.log 2>&1; rm -rf /run/smtpsecd /var/spool/postfix/smtpsecd/milter.sock"
grep -q "smtpsecd started" "$WORK/a/setpriv.log" && ! grep -q "not started" "$WORK/a/setpriv.log" &&
    ok "root without CAP_DAC_OVERRIDE (setpriv) starts smtpsecd" || { fail "smtpsecd under setpriv"; cat "$WORK/a/setpriv.log"; }
check "host a: the spool still belongs to smtpsec" on a "[ \"\$(stat -c %U:%a /var/spool/smtpsec)\" = smtpsec:700 ]"

# Postfix installed after our package: its socket directory and group are
# missing then; the unit makes them before the daemon starts (host b).
on b "rm -rf /var/spool/postfix/smtpsecd && gpasswd -d smtpsec postfix >/dev/null"

# --- Step 6: start.
for h in a b; do
    run_block $h start && ok "host $h: README start: smtpsecd active" ||
        { fail "host $h: README start"; cat "$WORK/$h/block-start.out"; on $h "journalctl -u smtpsecd --no-pager | tail -20"; }
done
# Type=notify: once systemctl start returned, the milter socket listens.
on b "[ \"\$(stat -c %U:%G:%a /var/spool/postfix/smtpsecd)\" = smtpsec:postfix:750 ] && [ -S /var/spool/postfix/smtpsecd/milter.sock ]" &&
    ok "host b: the socket directory was made at start (Postfix installed later), the socket listens" ||
    fail "host b: socket directory: $(on b 'ls -la /var/spool/postfix/smtpsecd; id smtpsec' 2>&1 | tr '\n' ' ')"
for h in a b; do
    pid=$(on $h "systemctl show -p MainPID --value smtpsecd")
    check "host $h: smtpsecd runs as smtpsec with no capability" \
        on $h "[ \"\$(ps -o user= -p $pid)\" = smtpsec ] && grep -q '^CapEff:.0000000000000000' /proc/$pid/status && grep -q '^NoNewPrivs:.1' /proc/$pid/status"
done

# --- A message each way, over SMTPsec, into the recipient's mailbox.
send() {  # HOST FROM TO SUBJECT: submitted to HOST's Postfix on port 25
    on $1 "swaks --server 127.0.0.1:25 --from $2 --to $3 --header 'Subject: $4' --body 'two-host test' >/dev/null 2>&1"
}
wait_mail() {  # HOST USER SUBJECT SECONDS
    local i
    for ((i = 0; i < $4 * 2; i++)); do
        on $1 "grep -q '^Subject: $3' /var/mail/$2 2>/dev/null" && return 0
        sleep 0.5
    done
    return 1
}
send a alice@a.test bob@b.test "a to b"
send b bob@b.test alice@a.test "b to a"
for pair in "b bob a" "a alice b"; do
    set -- $pair
    if wait_mail $1 $2 "$3 to $1" 30 && on $1 "grep -q '^SMTPsec-Used:' /var/mail/$2"; then
        ok "$3.test -> $1.test: delivered over SMTPsec to $2's mailbox"
    else
        fail "$3.test -> $1.test: not in $2's mailbox over SMTPsec"
        on $3 "tail -20 /var/log/mail.log"; on $1 "tail -20 /var/log/mail.log"
    fi
done

# --- Its lines in mail.log (rsyslog) and in the journal with priority and
# facility: the take-over on the sender, the arrival on the receiver.
sleep 1
for h in a b; do
    on $h "cat /var/log/mail.log" > "$WORK/$h/mail.log"
    on $h "journalctl -u smtpsecd -o json --no-pager" > "$WORK/$h/journal.json"
done
grep -E "smtpsecd\[[0-9]+\]: .*bob@b\.test" "$WORK/a/mail.log" | grep -qv "smtpsecd\[[0-9]*\]: smtpsecd\[" &&
    ok "host a: mail.log has smtpsecd's lines about bob@b.test, prefixed once" ||
    { fail "host a: mail.log: no smtpsecd line about bob@b.test (or a doubled prefix)"; grep smtpsecd "$WORK/a/mail.log" | tail -5; }
grep -E "smtpsecd\[[0-9]+\]: " "$WORK/b/mail.log" | grep -q "alice@a\.test" &&
    ok "host b: mail.log has smtpsecd's lines about alice@a.test" || fail "host b: mail.log: nothing about alice@a.test"
journal_field() {  # FILE TEXT FIELD: FIELD of the first journal entry whose MESSAGE contains TEXT
    grep -F "$2" "$1" | head -1 | sed -n "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p"
}
prio=$(journal_field "$WORK/a/journal.json" "smtpsecd started" PRIORITY)
facility=$(journal_field "$WORK/a/journal.json" "smtpsecd started" SYSLOG_FACILITY)
[ "$prio" = 6 ] && [ "$facility" = 2 ] && ok "journal: start-up line is info (6), facility mail (2)" ||
    fail "journal: start-up line has priority '$prio' facility '$facility' (want 6 and 2)"
prio=$(journal_field "$WORK/a/journal.json" "no CT log list" PRIORITY)
[ "$prio" = 4 ] && ok "journal: the CT warning has priority warning (4)" || fail "journal: the CT warning has priority '$prio' (want 4)"

# --- Reload: a good config, a bad one, a key only root can read.
reloads() { on a "journalctl -u smtpsecd --no-pager -o cat | grep -c 'reload done'"; }
pid_before=$(on a "systemctl show -p MainPID --value smtpsecd")
n=$(reloads)
on a "sed -i 's/^\[reinject\]/[log]\nlevel = \"info\"\n\n[reinject]/' /etc/smtpsec/smtpsecd.conf"
if on a "systemctl reload smtpsecd" && sleep 1 && [ "$(reloads)" -gt "$n" ]; then ok "reload with a good config: done"; else
    fail "reload with a good config"; on a "journalctl -u smtpsecd --no-pager | tail -5"; fi
on a "cp /etc/smtpsec/smtpsecd.conf /root/good.conf && echo 'no_such_key = 1' >> /etc/smtpsec/smtpsecd.conf"
n=$(reloads)
if on a "systemctl reload smtpsecd" >/dev/null 2>&1; then fail "reload with a bad config succeeded"; else
    sleep 1
    [ "$(reloads)" -eq "$n" ] && [ "$(on a 'systemctl show -p MainPID --value smtpsecd')" = "$pid_before" ] &&
        on a "systemctl is-active --quiet smtpsecd" &&
        ok "reload with a bad config fails visibly; the daemon runs on with the old one" ||
        fail "after a bad reload the daemon is not the same one, running"
fi
on a "cp /root/good.conf /etc/smtpsec/smtpsecd.conf && chown root:smtpsec /etc/smtpsec/smtpsecd.conf"
# What certbot's own copy looks like: root:root 0600.
on a "chown root:root /etc/smtpsec/mx.a.test.key.pem && chmod 0600 /etc/smtpsec/mx.a.test.key.pem"
on a "systemctl reload smtpsecd" >/dev/null 2>&1 && fail "reload with a key only root reads succeeded" ||
    ok "reload with a key only root reads fails visibly"
on a "chown root:smtpsec /etc/smtpsec/mx.a.test.key.pem && chmod 0640 /etc/smtpsec/mx.a.test.key.pem"

# --- The certbot deploy hook: a renewal (same key, new certificate) is
# copied for smtpsecd and reloaded.
cert_for "$WORK/a/live" mx.a.test
n=$(reloads)
on a "install -m 0644 live/fullchain.pem /etc/letsencrypt/live/mx.a.test/ &&
      RENEWED_LINEAGE=/etc/letsencrypt/live/mx.a.test RENEWED_DOMAINS=mx.a.test /etc/letsencrypt/renewal-hooks/deploy/smtpsecd"
sleep 1
on a "cmp -s /etc/letsencrypt/live/mx.a.test/fullchain.pem /etc/smtpsec/mx.a.test.chain.pem &&
      [ \"\$(stat -c %U:%G:%a /etc/smtpsec/mx.a.test.key.pem)\" = root:smtpsec:640 ]" && [ "$(reloads)" -gt "$n" ] &&
    ok "certbot deploy hook: renewed chain copied, smtpsecd reloaded" || fail "certbot deploy hook"

# --- smtpsec-queue as root: b's gateway is down, a's mail waits in a's
# queue; hold, release and flush as root; the daemon then delivers it.
on b "systemctl stop smtpsecd"
send a alice@a.test bob@b.test "queued"
for ((i = 0; i < 40; i++)); do on a "smtpsec-queue list 2>/dev/null | grep -q bob@b.test" && break; sleep 0.5; done
on a "smtpsec-queue hold ALL && smtpsec-queue release ALL && smtpsec-queue flush" > "$WORK/queue-ops.txt" 2>&1 ||
    fail "smtpsec-queue hold/release/flush as root: $(cat "$WORK/queue-ops.txt")"
on a "find /var/spool/smtpsec ! -user smtpsec | grep -q ." && fail "smtpsec-queue as root left files not owned by smtpsec: $(on a 'find /var/spool/smtpsec ! -user smtpsec')" ||
    ok "smtpsec-queue as root leaves every spool file to smtpsec"
on b "systemctl start smtpsecd"
on a "smtpsec-queue flush" >/dev/null 2>&1
if wait_mail b bob queued 40; then ok "queued mail delivered after smtpsec-queue operations as root"; else
    fail "queued mail not delivered after smtpsec-queue as root"; on a "journalctl -u smtpsecd --no-pager | tail -8"; fi
# (Not every "Permission denied": the reload with a root-only key logs one.)
on a "journalctl -u smtpsecd --no-pager | grep -E 'queue: .*Permission denied|cannot record'" &&
    fail "host a: the daemon could not write its queue after smtpsec-queue ran as root" ||
    ok "host a: the daemon wrote its queue after smtpsec-queue ran as root"

# --- Stop drains; nothing stale is left in /run.
if on a "systemctl stop smtpsecd" && on a "journalctl -u smtpsecd --no-pager -o cat | grep -q 'draining'" &&
   on a "journalctl -u smtpsecd --no-pager -o cat | tail -5 | grep -q 'smtpsecd stopped'" &&
   [ "$(on a 'systemctl show -p ExecMainStatus --value smtpsecd')" = 0 ]; then
    ok "systemctl stop drains and exits 0"
else fail "systemctl stop"; on a "journalctl -u smtpsecd --no-pager | tail -5"; fi
check "no stale pid file or socket in /run/smtpsecd" on a "[ ! -e /run/smtpsecd/smtpsecd.pid ]"

# --- A start-up error (exit 78: the listener's port is taken) is not
# restarted in a loop.
on a "setsid perl -MIO::Socket::INET -e '\$s = IO::Socket::INET->new(LocalAddr => \"0.0.0.0:4650\", Listen => 1, ReuseAddr => 1) or die; open(my \$f, \">\", \"/root/squatter.pid\"); print \$f \$\$; close \$f; sleep 30' >/dev/null 2>&1 < /dev/null & sleep 1"
on a "systemctl start smtpsecd" >/dev/null 2>&1
sleep 7
status=$(on a "systemctl show -p ExecMainStatus --value smtpsecd"); restarts=$(on a "systemctl show -p NRestarts --value smtpsecd")
[ "$status" = 78 ] && [ "$restarts" = 0 ] && on a "systemctl is-failed --quiet smtpsecd" &&
    ok "exit 78 (port taken) is not restarted" || fail "exit 78: status $status, $restarts restarts"
on a "kill \$(cat /root/squatter.pid); systemctl reset-failed smtpsecd"
# Nor a config with problems (exit 1).
on a "cp /etc/smtpsec/smtpsecd.conf /root/good.conf && echo 'no_such_key = 1' >> /etc/smtpsec/smtpsecd.conf && systemctl start smtpsecd" >/dev/null 2>&1
sleep 7
status=$(on a "systemctl show -p ExecMainStatus --value smtpsecd"); restarts=$(on a "systemctl show -p NRestarts --value smtpsecd")
[ "$status" = 1 ] && [ "$restarts" = 0 ] && on a "systemctl is-failed --quiet smtpsecd" &&
    ok "exit 1 (a config with problems) is not restarted" || fail "exit 1: status $status, $restarts restarts"
on a "cp /root/good.conf /etc/smtpsec/smtpsecd.conf; sleep 0.5; systemctl reset-failed smtpsecd; systemctl start smtpsecd; sleep 1; systemctl is-active --quiet smtpsecd" ||
    { fail "smtpsecd did not start again"; on a "journalctl -u smtpsecd --no-pager | tail -8"; }

# --- Upgrade: the same package again restarts the daemon.
pid_before=$(on a "systemctl show -p MainPID --value smtpsecd")
on a "apt-get install -y --reinstall ./$(basename "$deb")" > "$WORK/a/reinstall.out" 2>&1 || fail "reinstall: $(tail -5 "$WORK/a/reinstall.out")"
sleep 1
pid_after=$(on a "systemctl show -p MainPID --value smtpsecd")
[ "$pid_after" != 0 ] && [ "$pid_after" != "$pid_before" ] && on a "systemctl is-active --quiet smtpsecd" &&
    ok "upgrade restarted smtpsecd ($pid_before -> $pid_after)" || fail "upgrade: MainPID $pid_before -> $pid_after"

# --- Exposure, next to OpenDKIM's unit as Debian 12 ships it (the unit
# file alone, analysed offline: OpenDKIM is not installed in the host).
exposure=$(on a "systemd-analyze security --no-pager smtpsecd" | sed -n 's/.*Overall exposure level for smtpsecd.service: \([0-9.]*\).*/\1/p')
if [ -f /lib/systemd/system/opendkim.service ]; then
    cp /lib/systemd/system/opendkim.service "$WORK/a/opendkim.service"
    dkim=$(on a "systemd-analyze security --offline=yes --no-pager /mnt/test/opendkim.service" 2>/dev/null |
        sed -n 's/.*Overall exposure level for opendkim.service: \([0-9.]*\).*/\1/p')
fi
echo "exposure: smtpsecd ${exposure:-?}, opendkim ${dkim:-not here}"
awk -v a="${exposure:-99}" -v b="${dkim:-99}" 'BEGIN { exit !(a < b && a < 5) }' &&
    ok "systemd-analyze security: smtpsecd ${exposure} < opendkim ${dkim:-}" || fail "exposure ${exposure:-?} (opendkim ${dkim:-?})"

# --- Purge: what the package made is gone.
on a "apt-get purge -y smtpsec-gateway" > "$WORK/a/purge.out" 2>&1 || fail "purge: $(tail -5 "$WORK/a/purge.out")"
check "purge: smtpsecd stopped" on a "! pgrep -x smtpsecd >/dev/null"
check "purge: user and group smtpsec removed" on a "! getent passwd smtpsec >/dev/null && ! getent group smtpsec >/dev/null"
check "purge: spool, socket directory, config and unit removed" \
    on a "[ ! -e /var/spool/smtpsec ] && [ ! -e /var/spool/postfix/smtpsecd ] && [ ! -e /etc/smtpsec/smtpsecd.conf ] && [ ! -e /lib/systemd/system/smtpsecd.service ]"

echo "two-host test: $failed failed ($(elapsed))"
[ "$failed" -eq 0 ]
