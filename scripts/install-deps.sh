#!/usr/bin/env bash
# Installs the Debian packages Keywarden needs to build, test and benchmark,
# skipping the apt round trip when everything is already there.
set -euo pipefail
PKGS=(build-essential cmake pkg-config clang-format clang
      libpoco-dev libcurl4-openssl-dev libcppunit-dev libsqlite3-dev libssl-dev libkainjow-mustache-dev libpq-dev postgresql
      nginx-light wrk ccache caddy libevent-dev libboost-dev python3 python3-aiosmtpd python3-jsonschema
      sqlite3 curl openssl procps nodejs chromium
      fonts-wqy-microhei)  # a CJK font: the browser screenshots of the zh-TW pages
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm: Debian's package, unless a nodejs build that bundles npm is installed already.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test tooling from npm, pinned by each folder's package-lock.json (installed once). The browser
# tests drive the system chromium: playwright-core downloads no browser.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for dir in tests/openapi tests/browser; do
  if [ -f "$ROOT/$dir/package-lock.json" ] && [ ! -d "$ROOT/$dir/node_modules" ]; then
    echo "installing the npm test tooling in $dir"
    (cd "$ROOT/$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
