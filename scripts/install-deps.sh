#!/usr/bin/env bash
# Installs the Debian packages Keywarden needs to build, test and benchmark,
# skipping the apt round trip when everything is already there.
set -euo pipefail
PKGS=(build-essential cmake pkg-config clang-format
      libpoco-dev libcurl4-openssl-dev libcppunit-dev libsqlite3-dev libssl-dev libkainjow-mustache-dev libpq-dev postgresql
      nginx-light wrk ccache caddy libevent-dev libboost-dev python3 python3-aiosmtpd sqlite3 curl openssl procps)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
