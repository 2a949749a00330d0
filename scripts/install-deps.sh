#!/bin/sh
# Installs the Debian packages in scripts/debian-packages.txt that are missing.
# Idempotent: does nothing (and needs no network) when all are present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
missing=""
for p in $(sed -e 's/#.*//' "$here/debian-packages.txt"); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages and not root; run as root or install them" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Postfix (a test fixture) asks how to configure the system's MTA; the tests
# run private instances, so the system's own stays unconfigured.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
