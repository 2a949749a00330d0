# Two mail domains on loopback, for the end-to-end tests and the demo
# (sourced by bash scripts; not run on its own).
#
#   a.test: Postfix on 127.0.0.2:2525 (re-injection: :10027 inbound SMTPsec,
#           never relaying; :10026 mail handed back) with smtpsecd "ga"
#           as its milter and an SMTPsec listener on 127.0.0.2:4650
#   b.test: Postfix on 127.0.0.3:2525 (the same two) with smtpsecd "gb",
#           listener on 127.0.0.3:4650; it also takes insecure.test by SMTP
#   DNS:    the signed test world (tests/fixtures/dns/fixture.sh), where
#           _smtpsec._tcp.a.test and .b.test point at the two listeners and
#           TLSA 3 1 1 records pin each gateway's certificate (DANE-EE: no
#           public CA, no CT log list needed on loopback)
# With WORLD_DOMAINS=3 (only then: the two-domain world stays as quick), also
#   c.test: Postfix on WORLD_IP_C:2525 with smtpsecd "gc", listener on
#           WORLD_IP_C:4650; it also takes notls.test by SMTP (no STARTTLS)
#   smtp.test, plain.test: SMTP-only domains (signed zones without SRV: secure
#           NXDOMAIN, so their mail leaves by SMTP), one Postfix on
#           WORLD_IP_D:2525 ("ps") offering STARTTLS with a certificate for
#           smtp.test issued by the world's CA ($WORLD/ca/cert.pem): mail for
#           smtp.test can leave over verified TLS, mail for plain.test cannot
#           (the certificate does not name it), nor for notls.test (no TLS)
#   and every Postfix of the world finds the other domains' hosts by name
#   ($WORLD/hosts bound on /etc/hosts in Postfix's own mount namespace, SMTP
#   client port 2525, tests/fixtures/postfix/instance.sh --hosts): a DSN from
#   b.test reaches a.test, and the secure hand-back (below) routes by the
#   recipient's domain as it would with DNS.
# Every SMTPsec domain's Postfix has the secure hand-back smtpd on :10029
# (contrib/postfix/master.cf.snippet): its mail leaves only through the
# smtpsec-tls transport, smtp_tls_security_level=secure against $WORLD/ca.
# Everything is real: nsd serving signed zones validated by libunbound,
# Postfix, TLS with certificates made here, smtpsecd as an operator runs it
# (-f, one config file). Nothing listens beyond 127.0.0.0/8.
#
#   world_up DIR BUILD_DIR [gateway config additions...]   start all of it
#   world_down                                             stop all of it
#   world_gateway_start NAME / world_gateway_stop NAME [SIGNAL]
#   world_wait_mail MAILDIR COUNT SECONDS                  wait for COUNT messages
#   world_mailbox ADDRESS                                  the Maildir of ADDRESS, any domain
# Variables after world_up: WORLD (the directory), SMTPSECD, SMTPSEC_QUEUE.
# Set before world_up: SMTPSECD_GA (another smtpsecd binary for a.test, e.g.
# the installed one), WORLD_USER_GA / WORLD_USER_GB (a user to drop to),
# WORLD_QUEUE_LIFETIME, WORLD_DELAY_WARNING, WORLD_METRICS_PORT (each gateway's Prometheus
# endpoint on its own address; the control socket is always $WORLD/NAME/control.sock), WORLD_EXTRA_RECORDS (more DNS records), WORLD_KEY_TYPE (the gateways'
# key, which signs and serves TLS: ed25519, the default, or ecdsa-p256), WORLD_IP_A / WORLD_IP_B (the two
# loopback addresses; default 127.0.0.2 and 127.0.0.3, so that two worlds
# can run side by side), WORLD_DOMAINS=3 with WORLD_IP_C / WORLD_IP_D (default
# 127.0.0.26 and 127.0.0.27), WORLD_USER_GC, WORLD_ALIASES_A / _B / _C (lines
# "ADDRESS TARGET[,TARGET...]": virtual aliases of that domain's Postfix, e.g.
# "bob@b.test carol@c.test" makes Postfix b.test forward Bob's mail to Carol),
# WORLD_FORWARD=1 (Postfix b.test gets the forward service on :10028 and its
# gateway gb [milter] forward_daemon: forwarded copies keep the origin's
# signature, docs/forwarding.md), WORLD_FORWARD_BODY_CHECKS (a regexp
# body_checks file for that service, to change a forwarded copy's bytes).

WORLD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORLD_PF="$WORLD_ROOT/tests/fixtures/postfix/instance.sh"
WORLD_DNS="$WORLD_ROOT/tests/fixtures/dns/fixture.sh"

world_log() { echo "world: $*" >&2; }

world_wait_port() {  # IP PORT SECONDS: until something listens there (without connecting to it)
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        ss -Hltn "src $1:$2" 2>/dev/null | grep -q LISTEN && return 0
        sleep 0.1
    done
    return 1
}

world_cert() {  # NAME HOST: a self-signed certificate for HOST (WORLD_KEY_TYPE), its TLSA 3 1 1 digest
    local d="$WORLD/$1"
    mkdir -p "$d"
    case ${WORLD_KEY_TYPE:-ed25519} in
        ed25519) openssl genpkey -algorithm ed25519 -out "$d/key.pem" 2>/dev/null ;;
        ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/key.pem" 2>/dev/null ;;
        *) world_log "WORLD_KEY_TYPE: ed25519 or ecdsa-p256, not ${WORLD_KEY_TYPE}"; return 1 ;;
    esac
    openssl req -new -x509 -key "$d/key.pem" -out "$d/cert.pem" -days 30 \
        -subj "/CN=$2" -addext "subjectAltName=DNS:$2" 2>/dev/null
    openssl x509 -in "$d/cert.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
        sha256sum | cut -d' ' -f1 > "$d/tlsa"
}

world_user() {  # NAME: the user gateway NAME runs as ("" = stay root); WORLD_USER_GA/GB/GC
    case $1 in
        ga) echo "${WORLD_USER_GA:-}" ;;
        gc) echo "${WORLD_USER_GC:-}" ;;
        *) echo "${WORLD_USER_GB:-}" ;;
    esac
}

world_three() { [ "${WORLD_DOMAINS:-2}" -ge 3 ]; }  # is c.test and the SMTP-only host part of the world?

world_ca() {  # the world's CA, and a certificate it issues for the SMTP-only host (smtp.test)
    local ca="$WORLD/ca" d="$WORLD/ps-tls"
    mkdir -p "$ca" "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca/key.pem" \
        -out "$ca/cert.pem" -days 30 -subj "/CN=SMTPsec test world CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" \
        -subj "/CN=mx.smtp.test" 2>/dev/null |
        openssl x509 -req -CA "$ca/cert.pem" -CAkey "$ca/key.pem" -set_serial "0x$(openssl rand -hex 8)" -days 30 \
            -extfile <(printf 'subjectAltName=DNS:smtp.test,DNS:mx.smtp.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n') \
            -out "$d/cert.pem" 2>/dev/null || return 1
}

world_aliases() {  # LINES: --alias options for instance.sh
    local line
    while IFS= read -r line; do [ -z "$line" ] || printf -- '--alias\n%s\n' "$line"; done <<<"$1"
}

world_milter() { echo "local:$WORLD/$1/milter.sock"; }  # NAME: the milter socket gateway NAME listens on
world_milter_ready() { [ -S "$WORLD/$1/milter.sock" ]; }  # NAME

world_gateway_config() {  # NAME DOMAIN IP EXTRA...
    local name=$1 domain=$2 ip=$3; shift 3
    local d="$WORLD/$name"
    mkdir -p "$d/spool"
    # The daemon opens its spool and milter socket after dropping to its
    # user: both directories are that user's.
    [ -n "$(world_user "$name")" ] && chown "$(world_user "$name")" "$d" "$d/spool"
    cat > "$d/smtpsecd.conf" <<CONF
# smtpsecd for $domain, written by tests/e2e/world.sh
[milter]
socket = "$(world_milter "$name")"
socket_mode = "0666"
socket_group = ""
$( [ -n "${WORLD_FORWARD:-}" ] && [ "$name" = gb ] && echo 'forward_daemon = "smtpsec-forward"')

[[signing]]
domain = "$domain"
certificate = "$d/cert.pem"
key = "$d/key.pem"

[listener]
addresses = ["$ip:4650"]
certificate = "$d/cert.pem"
key = "$d/key.pem"
authserv_id = "mx.$domain"

[reinject]
address = "$ip:10026"
inbound_address = "$ip:10027"
secure_address = "$ip:10029"
helo_name = "mx.$domain"

[queue]
directory = "$d/spool"
retry_min = "2s"
retry_max = "5s"
lifetime = "${WORLD_QUEUE_LIFETIME:-1d}"
delay_warning = "${WORLD_DELAY_WARNING:-0s}"
bounce_from = "MAILER-DAEMON@mx.$domain"

[dns]
trust_anchor = ""
unbound_config = "$WORLD/dns/unbound.conf"
timeout = "5s"

[tls]
ct_log_list = ""

[log]
level = "info"

[control]
socket = "$d/control.sock"
$([ -z "${WORLD_METRICS_PORT:-}" ] || echo "metrics_address = \"$ip:$WORLD_METRICS_PORT\"")

[daemon]
user = "$(world_user "$name")"
group = ""
pid_file = "$d/smtpsecd.pid"
CONF
    local extra
    for extra in "$@"; do printf '%s\n' "$extra" >> "$d/smtpsecd.conf"; done
    # A gateway that drops to a user reads its key as that user at start and
    # reload (as an operator's key in /etc/smtpsec readable by the daemon).
    [ -z "$(world_user "$name")" ] || chown "$(world_user "$name")" "$d/key.pem"
}

world_gateway_start() {  # NAME
    local d="$WORLD/$1"
    rm -f "$d/milter.sock"
    local bin=$SMTPSECD
    [ "$1" = ga ] && bin=${SMTPSECD_GA:-$SMTPSECD}
    "$bin" -f -c "$d/smtpsecd.conf" >> "$d/smtpsecd.log" 2>&1 &
    echo $! > "$d/daemon.pid"
    local i
    for ((i = 0; i < 100; i++)); do
        world_milter_ready "$1" && world_wait_port "$(cat "$d/ip")" 4650 1 && return 0
        kill -0 "$(cat "$d/daemon.pid")" 2>/dev/null || break
        sleep 0.1
    done
    world_log "smtpsecd $1 did not start:"; tail -20 "$d/smtpsecd.log" >&2
    return 1
}

world_gateway_stop() {  # NAME [SIGNAL]
    local d="$WORLD/$1" pid i
    [ -f "$d/daemon.pid" ] || return 0
    pid=$(cat "$d/daemon.pid")
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$d/daemon.pid"; return 0; }
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$d/daemon.pid"
}

world_up() {  # DIR BUILD_DIR [extra config lines for both gateways...]
    WORLD=$(realpath -m "$1"); local build; build=$(realpath "$2"); shift 2
    local ipa=${WORLD_IP_A:-127.0.0.2} ipb=${WORLD_IP_B:-127.0.0.3}
    local ipc=${WORLD_IP_C:-127.0.0.26} ipd=${WORLD_IP_D:-127.0.0.27}
    SMTPSECD="$build/src/daemon/smtpsecd"
    SMTPSEC_QUEUE="$build/src/tools/queue/smtpsec-queue"
    [ -x "$SMTPSECD" ] || { world_log "$SMTPSECD: not built"; return 1; }
    rm -rf "$WORLD"; mkdir -p "$WORLD"
    world_cert ga mx.a.test || return 1
    world_cert gb mx.b.test || return 1
    echo $ipa > "$WORLD/ga/ip"
    echo $ipb > "$WORLD/gb/ip"
    cat > "$WORLD/records" <<REC
a.test _smtpsec._tcp.a.test. 3600 IN SRV 0 0 4650 mx.a.test.
a.test mx.a.test. 3600 IN A $ipa
a.test _4650._tcp.mx.a.test. 3600 IN TLSA 3 1 1 $(cat "$WORLD/ga/tlsa")
b.test _smtpsec._tcp.b.test. 3600 IN SRV 0 0 4650 mx.b.test.
b.test mx.b.test. 3600 IN A $ipb
b.test _4650._tcp.mx.b.test. 3600 IN TLSA 3 1 1 $(cat "$WORLD/gb/tlsa")
REC
    local pf_more=()  # instance.sh options every SMTPsec domain's Postfix gets
    if world_three; then
        world_cert gc mx.c.test || return 1
        echo $ipc > "$WORLD/gc/ip"
        world_ca || { world_log "the world's CA could not be made"; return 1; }
        cat >> "$WORLD/records" <<REC
c.test _smtpsec._tcp.c.test. 3600 IN SRV 0 0 4650 mx.c.test.
c.test mx.c.test. 3600 IN A $ipc
c.test _4650._tcp.mx.c.test. 3600 IN TLSA 3 1 1 $(cat "$WORLD/gc/tlsa")
smtp.test mx.smtp.test. 3600 IN A $ipd
plain.test mx.plain.test. 3600 IN A $ipd
notls.test mx.notls.test. 3600 IN A $ipc
REC
        cat > "$WORLD/hosts" <<HOSTS
127.0.0.1 localhost
$ipa a.test mx.a.test
$ipb b.test mx.b.test
$ipc c.test mx.c.test notls.test mx.notls.test
$ipd smtp.test mx.smtp.test plain.test mx.plain.test
HOSTS
        pf_more=(--hosts "$WORLD/hosts" --smtp-port 2525 --smtp-tls-ca "$WORLD/ca/cert.pem")
    fi
    # Zone lines a test adds ("ZONE RECORD...", tests/fixtures/dns/fixture.sh).
    [ -z "${WORLD_EXTRA_RECORDS:-}" ] || printf '%s\n' "$WORLD_EXTRA_RECORDS" >> "$WORLD/records"
    DNS_FIXTURE_BARE_AB=1 DNS_FIXTURE_OWNER=$$ "$WORLD_DNS" start "$WORLD/dns" "$WORLD/records" >/dev/null ||
        { world_log "the DNS fixture did not start"; return 1; }
    world_gateway_config ga a.test $ipa "$@"
    world_gateway_config gb b.test $ipb "$@"
    local aliases
    mapfile -t aliases < <(world_aliases "${WORLD_ALIASES_A:-}")
    "$WORLD_PF" create "$WORLD/pa" --name a.test --ip $ipa --milter "unix:$WORLD/ga/milter.sock" \
        --mailboxes "alice@a.test postmaster@a.test" --relayhost "[$ipb]:2525" --secure 10029 \
        "${pf_more[@]}" "${aliases[@]}"
    mapfile -t aliases < <(world_aliases "${WORLD_ALIASES_B:-}")
    "$WORLD_PF" create "$WORLD/pb" --name b.test --ip $ipb --milter "unix:$WORLD/gb/milter.sock" \
        --mailboxes "bob@b.test carol@b.test dave@insecure.test" --secure 10029 "${pf_more[@]}" "${aliases[@]}" \
        ${WORLD_FORWARD:+--forward 10028} ${WORLD_FORWARD_BODY_CHECKS:+--forward-body-checks "$WORLD_FORWARD_BODY_CHECKS"}
    if world_three; then
        world_gateway_config gc c.test $ipc "$@"
        mapfile -t aliases < <(world_aliases "${WORLD_ALIASES_C:-}")
        "$WORLD_PF" create "$WORLD/pc" --name c.test --ip $ipc --milter "unix:$WORLD/gc/milter.sock" \
            --mailboxes "carol@c.test postmaster@c.test frank@notls.test" --secure 10029 "${pf_more[@]}" "${aliases[@]}"
        "$WORLD_PF" create "$WORLD/ps" --name smtp.test --ip $ipd --mailboxes "dave@smtp.test erin@plain.test" \
            --smtpd-tls "$WORLD/ps-tls/cert.pem,$WORLD/ps-tls/key.pem" --smtpd-tls-log
    fi
    world_gateway_start ga && world_gateway_start gb || return 1
    if world_three; then world_gateway_start gc || return 1; fi
    "$WORLD_PF" start "$WORLD/pa" && "$WORLD_PF" start "$WORLD/pb" || return 1
    if world_three; then "$WORLD_PF" start "$WORLD/pc" && "$WORLD_PF" start "$WORLD/ps" || return 1; fi
}

world_mailbox() {  # ADDRESS: its Maildir, whichever Postfix of the world holds it
    local instance
    case ${1#*@} in
        a.test) instance=pa ;;
        b.test | insecure.test) instance=pb ;;
        c.test | notls.test) instance=pc ;;
        *) instance=ps ;;
    esac
    "$WORLD_PF" mailbox "$WORLD/$instance" "$1"
}

world_down() {
    [ -n "${WORLD:-}" ] || return 0
    "$WORLD_PF" stop "$WORLD/pa" || true
    "$WORLD_PF" stop "$WORLD/pb" || true
    "$WORLD_PF" stop "$WORLD/pc" || true
    "$WORLD_PF" stop "$WORLD/ps" || true
    world_gateway_stop ga || true
    world_gateway_stop gb || true
    world_gateway_stop gc || true
    "$WORLD_DNS" stop "$WORLD/dns" >/dev/null 2>&1 || true
}

world_count_mail() {  # MAILDIR: messages delivered there
    find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l
}

world_wait_mail() {  # MAILDIR COUNT SECONDS
    local i
    for ((i = 0; i < $3 * 5; i++)); do
        [ "$(world_count_mail "$1")" -ge "$2" ] && return 0
        sleep 0.2
    done
    return 1
}
