#!/bin/bash
# smtpsec-dns against an independent computation (openssl) and against real
# signed DNS (the nsd fixture): the printed records are what DNS must hold,
# --check passes when it does and names the record when it does not.
set -euo pipefail
tool=$1; fixture=$2
work=$(mktemp -d); trap '"$fixture" stop "$work/dns" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cert() {  # NAME HOST
    openssl genpkey -algorithm ed25519 -out "$work/$1.key" 2>/dev/null
    openssl req -new -x509 -key "$work/$1.key" -out "$work/$1.pem" -days 30 -subj "/CN=$2" \
        -addext "subjectAltName=DNS:$2" 2>/dev/null
}
cert good mx.t1.test
cert other mx.t1.test

out=$("$tool" --cert "$work/good.pem" t1.test T2.test.)
expected=$(openssl x509 -in "$work/good.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
grep -qx "_smtpsec._tcp.t1.test. 3600 IN SRV 0 0 4650 mx.t1.test." <<<"$out" || fail "SRV for t1.test: $out"
grep -qx "_smtpsec._tcp.t2.test. 3600 IN SRV 0 0 4650 mx.t1.test." <<<"$out" || fail "SRV for t2.test (normalised): $out"
grep -qx "_4650._tcp.mx.t1.test. 3600 IN TLSA 3 1 1 $expected" <<<"$out" || fail "TLSA 3 1 1: $out"

# A chain with an issuer also gets the DANE-TA alternative.
openssl req -new -x509 -newkey ed25519 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 -subj "/CN=Test CA" 2>/dev/null
openssl req -new -key "$work/good.key" -subj "/CN=mx.t1.test" -out "$work/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:mx.t1.test\n' > "$work/ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -extfile "$work/ext" -days 30 -out "$work/leaf.pem" 2>/dev/null
cat "$work/leaf.pem" "$work/ca.pem" > "$work/chain.pem"
ca_digest=$(openssl x509 -in "$work/ca.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
"$tool" --cert "$work/chain.pem" t1.test | grep -qx ";_4650._tcp.mx.t1.test. 3600 IN TLSA 2 1 1 $ca_digest" ||
    fail "DANE-TA alternative missing"

# --check against real signed DNS holding exactly the printed records.
{ grep -E '^(_smtpsec._tcp.t1.test.|_4650._tcp.mx.t1.test.) ' <<<"$out" | sed 's/^/t1.test /'
  echo "t1.test mx.t1.test. 3600 IN A 127.0.0.9"; } > "$work/records"
"$fixture" start "$work/dns" "$work/records" >/dev/null
dnsargs=(--trust-anchor none --unbound-config "$work/dns/unbound.conf" --timeout 5)
check=$("$tool" --check "${dnsargs[@]}" --cert "$work/good.pem" t1.test) || fail "check of the published records: $check"
grep -q "^ok  .*_smtpsec._tcp.t1.test SRV" <<<"$check" || fail "SRV not ok: $check"
grep -q "^ok  .*_4650._tcp.mx.t1.test TLSA: matches 3 1 1 $expected" <<<"$check" || fail "TLSA not ok: $check"

# Another key: the TLSA record no longer matches; exit 1 and the reason.
set +e
check=$("$tool" --check "${dnsargs[@]}" --cert "$work/other.pem" t1.test); status=$?
set -e
[ "$status" -eq 1 ] || fail "a mismatch must exit 1, got $status: $check"
grep -q "^PROBLEM  _4650._tcp.mx.t1.test TLSA: no record matches this certificate" <<<"$check" || fail "$check"

# A domain without SMTPsec records: the SRV problem is named.
set +e
check=$("$tool" --check "${dnsargs[@]}" --cert "$work/good.pem" nosuch.test); status=$?
set -e
[ "$status" -eq 1 ] || fail "missing SRV must exit 1"
grep -q "^PROBLEM  _smtpsec._tcp.nosuch.test SRV: verdict none_secure" <<<"$check" || fail "$check"
echo "smtpsec-dns: all checks passed"
