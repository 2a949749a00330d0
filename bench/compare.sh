#!/bin/bash
# End-to-end comparison of the SMTPsec path with today's status quo (issue 7),
# both measured in the same run on the same machine, so the ratios hold even
# where the absolute figures do not travel.
#
#   bench/compare.sh BUILD_DIR [--short]
#   COMPARE_IP_A=127.0.0.40 COMPARE_IP_B=127.0.0.41 SQ_IP_A=127.0.0.42 SQ_IP_B=127.0.0.43 \
#       bench/compare.sh BUILD_DIR     (other loopback addresses than the defaults below)
#   COMPARE_CASES="text 1024 500 8;attach 10485760 8 1" bench/compare.sh BUILD_DIR
#       (only these workloads: KIND SIZE COUNT SENDERS, separated by ";")
#   COMPARE_KEY=ed25519 signs with Ed25519 keys instead of ECDSA P-256
#   COMPARE_KEEP=1 keeps the directory of the run (logs of every daemon), as a failed run does
#
# SMTPsec:    Postfix a.test (127.0.0.8) -> smtpsecd milter/queue/client -> SMTPsec/TLS
#             -> smtpsecd listener (127.0.0.9) -> re-injection -> Postfix b.test -> Maildir
#             (tests/e2e/world.sh, signed DNS fixture, DANE-EE certificates)
# Status quo: Postfix a.test (127.0.0.10) + OpenDKIM signing (RSA-2048) -> Postfix smtp,
#             STARTTLS, smtp_tls_security_level=verify against a CA made here,
#             SMTP connection cache on (smtp_connection_cache_destinations,
#             smtp_tls_connection_reuse: without it Postfix caches no TLS connection)
#             -> Postfix b.test (127.0.0.11) + OpenDKIM verifying -> Maildir.
#             Both milters on Unix sockets, as Debian installs OpenDKIM and smtpsecd:
#             over TCP, Postfix's small milter writes meet Nagle and the delayed ACK,
#             and each message waited 40 ms at each OpenDKIM (87 instead of 6 ms per
#             submission).
# Plain:      the same two Postfix instances (127.0.0.12, 127.0.0.13) with no milter,
#             TLS or signature: the floor both paths stand on.
# Workloads (full): 2,000 x 1 KiB text, 200 x 100 KiB text, 20 x 10 MiB base64
# attachment, each with 1 and 8 concurrent senders (bench/mailbench.py, one SMTP
# connection per sender). --short: a few messages of each, the same code paths.
# Figures: msgs/s (first submission until the last Maildir file), CPU seconds per
# message on each side (/proc/PID/stat: every Postfix process via its master's
# children and cutime, smtpsecd or opendkim), bytes per message between the two
# sides (ss -ti of the client sockets, polled: a connection counts up to its
# last poll, so the status quo keeps its SMTP connections cached between
# messages as SMTPsec keeps its own; with one TLS connection per message the
# watcher missed each connection's end and the 100 KiB figure came out below
# the message size), p50/p99 latency (X-Bench-Sent header vs
# Maildir mtime), peak RSS of the smtpsecd processes; then the raw crypto limits
# (bench_limits) and the fraction of them the SMTPsec path reaches.
set -uo pipefail
[ $# -ge 1 ] || { echo "usage: bench/compare.sh BUILD_DIR [--short]" >&2; exit 2; }
BUILD=$(realpath "$1")
MODE=${2:-full}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PF="$ROOT/tests/fixtures/postfix/instance.sh"
MB="python3 $HERE/mailbench.py"
LIMITS="$BUILD/bench/bench_limits"
# shellcheck source=../tests/e2e/world.sh
source "$ROOT/tests/e2e/world.sh"
# Loopback addresses, overridable so that several runs can share a machine:
# COMPARE_IP_A/B for the SMTPsec pair, SQ_IP_A/B for the status quo.
export WORLD_IP_A=${COMPARE_IP_A:-127.0.0.8} WORLD_IP_B=${COMPARE_IP_B:-127.0.0.9}
SQ_A=${SQ_IP_A:-127.0.0.10} SQ_B=${SQ_IP_B:-127.0.0.11}
PLAIN_A=${PLAIN_IP_A:-127.0.0.12} PLAIN_B=${PLAIN_IP_B:-127.0.0.13}
# The gateways' key (it signs every Email and serves TLS). ECDSA P-256 by
# default: public CAs issue ECDSA or RSA certificates, not Ed25519 (CA/B Forum
# Baseline Requirements 6.1.5), and certbot makes P-256 keys by default, so it
# is the key an operator has. It also hashes a message once (SHA-256, with the
# CPU's SHA extensions) where Ed25519 hashes it three times (SHA-512).
export WORLD_KEY_TYPE=${COMPARE_KEY:-ecdsa-p256}
case $WORLD_KEY_TYPE in ed25519) LIMIT_KEY=ed25519 ;; ecdsa-p256) LIMIT_KEY=ecdsa_p256 ;;
    *) echo "compare.sh: COMPARE_KEY is ed25519 or ecdsa-p256" >&2; exit 2 ;; esac

for tool in opendkim opendkim-genkey openssl ss python3; do
    command -v $tool >/dev/null || { echo "compare.sh: $tool is missing (scripts/debian-packages.txt)" >&2; exit 1; }
done
[ -x "$LIMITS" ] || { echo "compare.sh: $LIMITS not built" >&2; exit 1; }

DIR=$(mktemp -d /tmp/smtpsec-bench.XXXXXX)
chmod 0755 "$DIR"
SQ="$DIR/sq"
PLAIN="$DIR/plain"
# OpenDKIM refuses configuration and keys below a world-writable directory (/tmp).
DKIM=$(mktemp -d /run/smtpsec-bench-dkim.XXXXXX)
chmod 0755 "$DKIM"  # Postfix's smtpd and cleanup (user postfix) connect to the sockets in it
status=0
cleanup() {
    local f
    for f in "$DKIM"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
    "$PF" stop "$SQ/pa" || true
    "$PF" stop "$SQ/pb" || true
    "$PF" stop "$PLAIN/pa" || true
    "$PF" stop "$PLAIN/pb" || true
    world_down
    rm -rf "$DKIM"
    if [ "$status" -eq 0 ] && [ -z "${COMPARE_KEEP:-}" ]; then rm -rf "$DIR"; else echo "compare.sh: kept $DIR" >&2; fi
}
trap cleanup EXIT
trap "status=1; exit 1" INT TERM
die() { echo "compare.sh: $*" >&2; status=1; exit 1; }

# ---- the status quo ---------------------------------------------------------
sq_up() {
    mkdir -p "$SQ/pki" "$DKIM/keys"
    local p="$SQ/pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/CN=Bench CA" -keyout "$p/ca.key" -out "$p/ca.pem" 2>/dev/null || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=mx.b.test" \
        -keyout "$p/mx.key" -out "$p/mx.csr" 2>/dev/null || return 1
    printf 'subjectAltName=DNS:mx.b.test\n' > "$p/ext"
    openssl x509 -req -in "$p/mx.csr" -CA "$p/ca.pem" -CAkey "$p/ca.key" -CAcreateserial \
        -days 30 -extfile "$p/ext" -out "$p/mx.pem" 2>/dev/null || return 1
    chmod 0644 "$p"/*
    opendkim-genkey -b 2048 -d a.test -s bench -D "$DKIM/keys" || return 1
    chmod 0600 "$DKIM/keys/bench.private"
    # TestPublicKeys: the verifier reads the key record from a file instead of DNS
    # (no resolver may be used here); a cached DNS answer costs about the same.
    printf 'bench._domainkey.a.test %s\n' \
        "$(sed -n 's/.*"\(.*\)".*/\1/p' "$DKIM/keys/bench.txt" | tr -d '\n\t ' | sed 's/;/; /g')" > "$DKIM/keys/keys"
    # The verifier must count Postfix a.test (127.0.0.1) as external: with it
    # among InternalHosts, OpenDKIM takes the mail as outgoing and verifies
    # nothing (no Authentication-Results, no body hash: 10 MiB cost it 2 ms).
    local side mode internal
    for side in sign verify; do
        if [ $side = sign ]; then mode=s internal=127.0.0.0/8; else mode=v internal=192.0.2.1; fi
        cat > "$DKIM/$side.conf" <<CONF
Mode $mode
Domain a.test
Selector bench
KeyFile $DKIM/keys/bench.private
Canonicalization relaxed/relaxed
Socket local:$DKIM/$side.sock
InternalHosts $internal
AuthservID mx.b.test
TestPublicKeys $DKIM/keys/keys
Syslog no
Background no
UMask 000
CONF
        opendkim -f -x "$DKIM/$side.conf" > "$DKIM/$side.log" 2>&1 &
        echo $! > "$DKIM/$side.pid"
        local i
        for ((i = 0; i < 100; i++)); do [ -S "$DKIM/$side.sock" ] && break; sleep 0.1; done
        [ -S "$DKIM/$side.sock" ] || { cat "$DKIM/$side.log" >&2; return 1; }
    done
    "$PF" create "$SQ/pa" --name a.test --ip $SQ_A --milter "unix:$DKIM/sign.sock" \
        --mailboxes "alice@a.test" --relayhost "[$SQ_B]:2525" --smtp-tls-verify "$p/ca.pem,mx.b.test" &&
    "$PF" create "$SQ/pb" --name b.test --ip $SQ_B --milter "unix:$DKIM/verify.sock" \
        --mailboxes "bob@b.test" --smtpd-tls "$p/mx.pem,$p/mx.key" &&
    big_messages "$SQ/pa" && big_messages "$SQ/pb" &&
    postconf -c "$SQ/pa/etc" -e "smtp_connection_cache_destinations = [$SQ_B]:2525" "smtp_tls_connection_reuse = yes" &&
    postconf -c "$SQ/pa/etc" -M "tlsproxy/unix=tlsproxy unix - - n - 0 tlsproxy" &&
    "$PF" start "$SQ/pa" && "$PF" start "$SQ/pb"
}
# ---- the floor: the same two Postfix instances with no security at all ----
# No milter, no TLS, no signature: what any gateway beside Postfix pays
# anyway. SMTPsec / status quo cannot exceed plain / status quo by much.
plain_up() {
    "$PF" create "$PLAIN/pa" --name a.test --ip $PLAIN_A --mailboxes "alice@a.test" --relayhost "[$PLAIN_B]:2525" &&
    "$PF" create "$PLAIN/pb" --name b.test --ip $PLAIN_B --mailboxes "bob@b.test" &&
    big_messages "$PLAIN/pa" && big_messages "$PLAIN/pb" &&
    postconf -c "$PLAIN/pa/etc" -e "smtp_connection_cache_destinations = [$PLAIN_B]:2525" &&
    "$PF" start "$PLAIN/pa" && "$PF" start "$PLAIN/pb"
}
# Postfix's default message_size_limit (10,240,000) is below a 10 MiB file in base64.
big_messages() { postconf -c "$1/etc" -e "message_size_limit = 52428800" "virtual_mailbox_limit = 104857600"; }

# ---- measurement ------------------------------------------------------------
master_of() { tr -d ' ' < "$1/queue/pid/master.pid"; }
pf_pids() {  # INSTANCE_DIR: its master and the master's children
    local m; m=$(master_of "$1")
    echo "$m" $(ps -o pid= --ppid "$m")
}
daemon_pid() {  # PATH SIDE(a|b): the security daemon beside Postfix (none for plain)
    case $1$2 in
        seca) cat "$WORLD/ga/daemon.pid" ;; secb) cat "$WORLD/gb/daemon.pid" ;;
        sqa) cat "$DKIM/sign.pid" ;; sqb) cat "$DKIM/verify.pid" ;;
    esac
}
pf_dir() {  # PATH SIDE
    case $1 in sec) echo "$WORLD/p$2" ;; sq) echo "$SQ/p$2" ;; plain) echo "$PLAIN/p$2" ;; esac
}
side_pids() { echo $(pf_pids "$(pf_dir "$1" "$2")") $(daemon_pid "$1" "$2"); }  # PATH SIDE
cpu_of() { $MB cpu $(side_pids "$1" "$2"); }
daemon_cpu_of() {  # PATH SIDE: the daemon's share alone
    local pid; pid=$(daemon_pid "$1" "$2")
    if [ -n "$pid" ]; then $MB cpu "$pid"; else echo 0; fi
}
maildir_of() { "$PF" mailbox "$(pf_dir "$1" b)" bob@b.test; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# run_case PATH KIND SIZE COUNT CONC: prints, per message,
# "msgs_s cpu_a cpu_b wire p50 p99 daemon_cpu_a daemon_cpu_b"
run_case() {
    local path=$1 kind=$2 size=$3 count=$4 conc=$5 ip wire_dst
    case $path in
        sec) ip=$WORLD_IP_A wire_dst=$WORLD_IP_B:4650 ;;
        sq) ip=$SQ_A wire_dst=$SQ_B:2525 ;;
        plain) ip=$PLAIN_A wire_dst=$PLAIN_B:2525 ;;
    esac
    local box; box=$(maildir_of "$path")
    rm -f "$box"/new/* "$box"/cur/* 2>/dev/null
    local a0 b0 da0 db0; a0=$(cpu_of "$path" a); b0=$(cpu_of "$path" b)
    da0=$(daemon_cpu_of "$path" a); db0=$(daemon_cpu_of "$path" b)
    local wfile="$DIR/wire.$path" i
    rm -f "$wfile"
    # The watcher's first poll sets each open connection's baseline (SMTPsec's
    # and the SMTP cache's connections outlive a case); sending waits for it.
    $MB watch "$wfile" "$wire_dst" & local watcher=$!
    for ((i = 0; i < 100; i++)); do [ -f "$wfile" ] && break; sleep 0.05; done
    local t0; t0=$(date +%s%N)
    $MB send "$ip:2525" alice@a.test bob@b.test "$count" "$conc" "$kind" "$size" > "$DIR/send.out" ||
        { cat "$DIR/send.out" >&2; kill $watcher; return 1; }
    # The figures start when mailbench opened its first connection (the body
    # is made before that), not when Python started.
    local started; started=$(awk '{for (i = 1; i < NF; i++) if ($i == "start") print $(i + 1)}' "$DIR/send.out")
    t0=${started:-$t0}
    world_wait_mail "$box" "$count" $((60 + count / 10 + count * size / 2000000)) || { kill $watcher; echo "compare.sh: $path: mail missing" >&2; return 1; }
    local lat; lat=$($MB latency "$box")
    sleep 0.2
    kill -TERM $watcher; wait $watcher 2>/dev/null
    local a1 b1 da1 db1; a1=$(cpu_of "$path" a); b1=$(cpu_of "$path" b)
    da1=$(daemon_cpu_of "$path" a); db1=$(daemon_cpu_of "$path" b)
    local last; last=$(awk '{print $8}' <<< "$lat")
    awk -v n="$count" -v t0="$t0" -v t1="$last" -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" \
        -v da0="$da0" -v da1="$da1" -v db0="$db0" -v db1="$db1" \
        -v w="$(cat "$wfile" 2>/dev/null || echo '0 0 0')" -v lat="$lat" 'BEGIN {
        split(w, ww, " "); split(lat, l, " ");
        printf "%.2f %.5f %.5f %.0f %.1f %.1f %.5f %.5f\n", n / ((t1 - t0) / 1e9), (a1 - a0) / n, (b1 - b0) / n,
            (ww[1] + ww[2]) / n, l[4], l[6], (da1 - da0) / n, (db1 - db0) / n }'
}

# ---- run --------------------------------------------------------------------
echo "compare.sh: SMTPsec on $WORLD_IP_A/$WORLD_IP_B, the status quo on $SQ_A/$SQ_B, plain Postfix on $PLAIN_A/$PLAIN_B" >&2
world_up "$DIR/sec" "$BUILD" || die "world_up failed"
for i in pa pb; do big_messages "$WORLD/$i" && postfix -c "$WORLD/$i/etc" reload 2>/dev/null; done
sq_up || die "the status-quo side did not start"
plain_up || die "plain Postfix did not start"

if [ -n "${COMPARE_CASES:-}" ]; then  # e.g. "text 1024 500 8;attach 10485760 8 8" (one workload at a time, while tuning)
    IFS=';' read -r -a CASES <<< "$COMPARE_CASES"
elif [ "$MODE" = --short ]; then
    CASES=("text 1024 20 1" "text 1024 20 8" "text 102400 10 2" "attach 10485760 2 1")
else
    CASES=("text 1024 2000 1" "text 1024 2000 8" "text 102400 200 1" "text 102400 200 8"
           "attach 10485760 20 1" "attach 10485760 20 8")
fi

# Warm both paths once (TLS session caches, DNS cache, process pools).
run_case sec text 1024 2 1 > /dev/null || die "warm-up of the SMTPsec path failed"
run_case sq text 1024 2 1 > /dev/null || die "warm-up of the status quo failed"
run_case plain text 1024 2 1 > /dev/null || die "warm-up of plain Postfix failed"
# Both secured paths must have checked what they carry, or the comparison is void.
verified() {  # PATH PATTERN: every warm-up message carries PATTERN
    local box f; box=$(maildir_of "$1")
    for f in "$box"/new/*; do
        grep -q "$2" "$f" || { echo "compare.sh: $1: no '$2' in $f:" >&2; head -30 "$f" >&2; return 1; }
    done
}
verified sec 'smtpsec=pass' || die "the SMTPsec path did not authenticate"
verified sq 'dkim=pass' || die "the status quo did not verify DKIM"

# COMPARE_PERF=FILE: a call-graph profile (perf record, COMPARE_PERF_ARGS) of both smtpsecd
# processes over the measured cases; read it with perf report -i FILE.
PERF_PID=
if [ -n "${COMPARE_PERF:-}" ]; then
    perf record -q ${COMPARE_PERF_ARGS:---call-graph dwarf,32768 -F 499} -o "$COMPARE_PERF" -p "$(cat "$WORLD/ga/daemon.pid"),$(cat "$WORLD/gb/daemon.pid")" \
        > "$DIR/perf.log" 2>&1 &
    PERF_PID=$!
fi
RESULTS="$DIR/results"
: > "$RESULTS"
for c in "${CASES[@]}"; do
    read -r kind size count conc <<< "$c"
    echo "compare.sh: $kind $size x$count, $conc senders" >&2
    s=$(run_case sec $kind $size $count $conc) || die "SMTPsec path failed ($c)"
    q=$(run_case sq $kind $size $count $conc) || die "status quo failed ($c)"
    f=$(run_case plain $kind $size $count $conc) || die "plain Postfix failed ($c)"
    echo "$kind $size $count $conc $s $q $f" >> "$RESULTS"
done
if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null; fi
RSS_A=$(hwm_kib "$(cat "$WORLD/ga/daemon.pid")")
RSS_B=$(hwm_kib "$(cat "$WORLD/gb/daemon.pid")")
"$LIMITS" 0.5 > "$DIR/limits" || die "bench_limits failed"

# A large Email's one-core crypto is one signature and verification of it
# with the gateways' key (measured whole: PureEdDSA hashes the message twice
# to sign and once to verify, ECDSA once each) and AES-GCM both ways; a small
# one's is the signature and the verification. Columns: SMTPsec, the status quo, their ratio, then plain
# Postfix (no milter, TLS or signature: the floor both paths stand on) and
# plain / status quo, the ratio a gateway beside Postfix would reach if it
# cost nothing at all.
awk -v rss_a="$RSS_A" -v rss_b="$RSS_B" -v limits="$DIR/limits" -v key="$LIMIT_KEY" '
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
function row(name, a, b, c, fmtv) {
    printf "  %-28s %11" fmtv " %11" fmtv " %6s %11" fmtv " %6s\n", name, a, b, ratio(a, b), c, ratio(c, b) }
function row2(name, a, b, fmtv) {  # the daemons alone: plain has none
    printf "  %-28s %11" fmtv " %11" fmtv " %6s %11s %6s\n", name, a, b, ratio(a, b), "-", "-" }
BEGIN {
    while ((getline line < limits) > 0) { split(line, f, " "); lim[f[2]] = f[3] }
    byte_limit = 1 / (1 / lim[key "_10mib_sign_verify"] + 2 / lim["aes256gcm"])
    msg_limit = 1 / (1 / lim[key "_sign"] + 1 / lim[key "_verify"])
    printf "%-30s %11s %11s %6s %11s %6s\n", "", "SMTPsec", "status quo", "ratio", "plain", "ratio"
}
{
    kind = $1; size = $2; n = $3; conc = $4
    label = (kind == "attach" ? sprintf("%d MiB attachment", size / 1048576) : sprintf("%d KiB text", size / 1024))
    printf "%s x%d, %d sender(s)\n", label, n, conc
    row("messages/s", $5, $13, $21, ".2f")
    row("CPU s/msg sending side", $6, $14, $22, ".5f")
    row2("  of which smtpsecd|opendkim", $11, $19, ".5f")
    row("CPU s/msg receiving side", $7, $15, $23, ".5f")
    row2("  of which smtpsecd|opendkim", $12, $20, ".5f")
    row("wire bytes/msg", $8, $16, $24, ".0f")
    row("latency p50 ms", $9, $17, $25, ".1f")
    row("latency p99 ms", $10, $18, $26, ".1f")
    mbps = $5 * size / 1e6
    if (kind == "attach") printf "  SMTPsec body MB/s %.1f = %.3f of the one-core crypto limit %.1f MB/s (plain Postfix: %.1f MB/s)\n", mbps, mbps / byte_limit, byte_limit, $21 * size / 1e6
    else if (size <= 1024) printf "  SMTPsec msgs/s = %.4f of the one-core %s sign+verify limit %.0f msgs/s\n", $5 / msg_limit, key, msg_limit
}
END {
    printf "gateway key: %s; peak RSS smtpsecd: sending %d KiB, receiving %d KiB\n", key, rss_a, rss_b
    printf "one-core limits (raw GnuTLS): ed25519 sign %d/s verify %d/s, 10 MiB sign+verify %.0f MB/s; ecdsa-p256 sign %d/s verify %d/s, 10 MiB sign+verify %.0f MB/s; sha512 %.0f MB/s, aes-256-gcm %.0f MB/s\n",
        lim["ed25519_sign"], lim["ed25519_verify"], lim["ed25519_10mib_sign_verify"], lim["ecdsa_p256_sign"], lim["ecdsa_p256_verify"], lim["ecdsa_p256_10mib_sign_verify"], lim["sha512"], lim["aes256gcm"]
    print "ratios: SMTPsec / status quo and plain / status quo (messages/s: higher is better; the others: lower is better)"
}' "$RESULTS"

# Self-check for the short test: rates and latencies must be positive. CPU
# time is counted in clock ticks (10 ms), so a few small messages may cost
# no tick on one side; over all cases each path must have cost some.
awk '{ for (p = 0; p < 3; p++) {
           o = 5 + 8 * p
           for (i = 0; i < 8; i++) {
               if (i == 3 || (p == 2 && i >= 6)) continue  # wire bytes; plain has no daemon
               v = $(o + i); cpu = (i == 1 || i == 2 || i >= 6)
               if (cpu ? !(v >= 0) : !(v > 0)) { print "compare.sh: figure " o + i " is implausible: " $0 > "/dev/stderr"; bad = 1 }
           }
           spent[p] += $(o + 1) + $(o + 2)
       } }
     END { for (p = 0; p < 3; p++) if (!(spent[p] > 0)) { print "compare.sh: no CPU time counted for path " p > "/dev/stderr"; bad = 1 }
           exit bad }' "$RESULTS" || die "implausible figures"
