#!/usr/bin/env bash
# The Debian package end to end without a container: build it with CPack from BUILD, install it
# with dpkg into a throw-away root (maintainer scripts run chrootless with DPKG_ROOT), check what
# postinst made, start the installed binary the way the systemd unit does (its user, its config,
# its state directory) and ask /readyz, then purge and check what is left.
# Usage: tests/package/deb_install_test.sh BUILD_DIR      (ctest: package_deb)
set -euo pipefail
BUILD=$(cd "${1:?build dir}" && pwd)
ROOT_SRC=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/kw-deb.XXXXXX)
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Build the package into WORK (not into BUILD, so parallel runs do not collide).
(cd "$BUILD" && cpack -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log"; fail "cpack"; }
DEB=$(ls "$WORK"/out/keywarden_*.deb)
dpkg-deb -f "$DEB" Depends | grep -q libpoconet || fail "Depends lacks the Poco libraries"
dpkg-deb -e "$DEB" "$WORK/control"
grep -qx /etc/keywarden/keywarden.properties "$WORK/control/conffiles" || fail "config is no conffile"
# Listed once into a file: `dpkg-deb -c | grep -q` under pipefail fails when grep stops reading
# early and dpkg-deb dies of SIGPIPE, which a longer listing makes likely.
dpkg-deb -c "$DEB" | awk '{print $6}' > "$WORK/contents"
for f in ./usr/bin/keywarden ./lib/systemd/system/keywarden.service \
         ./usr/share/keywarden/workflows/default.json \
         ./usr/share/keywarden/templates/mail/key-issued.txt.mustache \
         ./etc/keywarden/keywarden.properties ./usr/share/doc/keywarden/README.md; do
  grep -qx "$f" "$WORK/contents" || fail "package lacks $f"
done

# 2. Install into a throw-away root with its own dpkg database and account files.
R="$WORK/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/etc"
touch "$R/var/lib/dpkg/status"
for f in passwd group shadow gshadow; do grep -E '^(root|nogroup|nobody):' "/etc/$f" > "$R/etc/$f" || true; done
dpkg --root="$R" --force-depends --force-script-chrootless --force-not-root --log=/dev/null \
  -i "$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log"; fail "dpkg -i"; }
grep -q '^keywarden:' "$R/etc/passwd" || fail "postinst made no keywarden user"
[ -f "$R/etc/keywarden/workflows/default.json" ] || fail "flows not copied to /etc/keywarden"
[ -f "$R/etc/keywarden/templates/mail/key-issued.html.mustache" ] || fail "templates not copied"
[ -d "$R/var/lib/keywarden" ] || fail "no state directory"
grep -Eq '^KEYWARDEN_SECRET=[0-9a-f]{64}$' "$R/etc/keywarden/keywarden.env" || fail "no secret made"
[ "$(stat -c %a "$R/etc/keywarden/keywarden.env")" = 640 ] || fail "keywarden.env is not 0640"
# The unit as installed, its binary path pointed into the throw-away root (verify checks it).
mkdir -p "$WORK/unit"
sed "s|/usr/bin/keywarden|$R/usr/bin/keywarden|" "$R/lib/systemd/system/keywarden.service" \
  > "$WORK/unit/keywarden.service"
systemd-analyze verify "$WORK/unit/keywarden.service" >"$WORK/verify.log" 2>&1 \
  || { cat "$WORK/verify.log"; fail "systemd-analyze verify"; }
grep -q '^ProtectSystem=strict' "$WORK/unit/keywarden.service" || fail "unit not hardened"

# An operator's edit survives a reinstall: the flows in /etc are theirs once copied.
echo '{"edited":true}' > "$WORK/marker"
cp "$WORK/marker" "$R/etc/keywarden/workflows/operator-note.txt"
dpkg --root="$R" --force-depends --force-script-chrootless --force-not-root --log=/dev/null \
  -i "$DEB" >"$WORK/dpkg2.log" 2>&1 || { cat "$WORK/dpkg2.log"; fail "dpkg -i again"; }
cmp -s "$WORK/marker" "$R/etc/keywarden/workflows/operator-note.txt" || fail "reinstall touched /etc flows"

# 3. Start the installed binary as the unit does: an unprivileged user, the packaged config
#    (paths moved into the throw-away root), the secret from keywarden.env; /readyz answers 200.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
chown -R nobody "$R/var/lib/keywarden"
set -a; . "$R/etc/keywarden/keywarden.env"; set +a
export KEYWARDEN_HTTP_PORT=$port KEYWARDEN_DB_CONNECTION="$R/var/lib/keywarden/keywarden.db" \
       KEYWARDEN_WORKFLOWS_DIR="$R/etc/keywarden/workflows" \
       KEYWARDEN_TEMPLATES_DIR="$R/etc/keywarden/templates" KEYWARDEN_SECRET
chmod 755 "$WORK" "$R" "$R/var" "$R/var/lib"
(cd "$R/var/lib/keywarden" && exec runuser -u nobody --preserve-environment -- \
   "$R/usr/bin/keywarden" serve --config "$R/etc/keywarden/keywarden.properties") \
   >"$WORK/server.log" 2>&1 &
PID=$!
ready=""
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { cat "$WORK/server.log"; fail "the installed binary did not become ready"; }
[ -f "$R/var/lib/keywarden/keywarden.db" ] || fail "no store in the state directory"
[ -f "$R/etc/keywarden/templates/lang/zh-TW/mail/key-issued.subject.mustache" ] \
  || fail "the Traditional Chinese templates were not installed"
grep -q '^ExecReload=/usr/bin/keywarden reload ' "$R/lib/systemd/system/keywarden.service" \
  || fail "the unit has no ExecReload"
# ExecReload as systemd runs it: the same user, environment and state directory.
(cd "$R/var/lib/keywarden" && STATE_DIRECTORY="$R/var/lib/keywarden" runuser -u nobody \
   --preserve-environment -- "$R/usr/bin/keywarden" reload \
   --config "$R/etc/keywarden/keywarden.properties") >"$WORK/reload.log" 2>&1 \
  || { cat "$WORK/reload.log" "$WORK/server.log"; fail "keywarden reload"; }
grep -q '^reloaded ' "$WORK/reload.log" || { cat "$WORK/reload.log"; fail "reload said nothing"; }
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""

# 4. Purge: the binary, the state and the copies in /etc go; nothing of the package is left.
dpkg --root="$R" --force-depends --force-script-chrootless --force-not-root --log=/dev/null \
  --purge keywarden >"$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log"; fail "dpkg --purge"; }
[ ! -e "$R/usr/bin/keywarden" ] || fail "purge left the binary"
[ ! -e "$R/var/lib/keywarden" ] || fail "purge left the state directory"
[ ! -e "$R/etc/keywarden/keywarden.properties" ] || fail "purge left the conffile"
echo "package_deb: built $(basename "$DEB") ($(stat -c %s "$DEB") bytes), installed into a throw-away root, served /readyz as nobody, reloaded, purged"
