#!/usr/bin/env bash
# Installs the Debian packages Keywarden needs to build, test and benchmark,
# skipping the apt round trip when everything is already there.
set -euo pipefail
PKGS=(build-essential cmake pkg-config clang-format
      libpoco-dev libcurl4-openssl-dev libcppunit-dev libsqlite3-dev libssl-dev libkainjow-mustache-dev libpq-dev postgresql
      nginx-light wrk ccache python3 python3-aiosmtpd sqlite3 curl openssl procps
      chromium nodejs)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
browser_modules() {
  # The browser tests' npm packages (pinned in tests/browser/package-lock.json); they drive the
  # system chromium, so no browser is downloaded.
  local dir
  if ! command -v npm >/dev/null; then  # Debian's nodejs comes without it; NodeSource's with it
    [ "$(id -u)" -eq 0 ] && sudo="" || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends npm
  fi
  dir="$(dirname "$0")/../tests/browser"
  if [ ! -d "$dir/node_modules/playwright-core" ] || [ ! -d "$dir/node_modules/axe-core" ]; then
    echo "installing the browser tests' npm packages (tests/browser)"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}
if [ ${#missing[@]} -eq 0 ]; then
  browser_modules
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
browser_modules
