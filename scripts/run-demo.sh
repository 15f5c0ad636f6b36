#!/usr/bin/env bash
# `make run`: serve on SQLite under ./var with demo settings. The demo secret and admin token
# are made once, kept in var/ (mode 600), and printed so the first curl works. Mail goes to a
# local catcher (scripts/demo-mail.py) that keeps it under var/mail/ and lists it, links
# clickable, in var/mail/index.html. A demo catalog (client "shop", a few APIs, a group) is
# added once the server answers, so /apply is not empty.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
chmod 700 var
if [ ! -f var/demo.env ]; then
  umask 077
  {
    echo "KEYWARDEN_SECRET=$(openssl rand -hex 32)"
    echo "KEYWARDEN_BOOTSTRAP_ADMINTOKEN=kwt_demo_$(openssl rand -hex 20)"
  } > var/demo.env
fi
set -a
. var/demo.env
set +a
port="${KEYWARDEN_HTTP_PORT:-8080}"
smtp_port="${KEYWARDEN_SMTP_PORT:-2525}"
export KEYWARDEN_SMTP_PORT="$smtp_port"
# The demo's people: anyone @example.com may apply; the approvers are those of workflows/.
export KEYWARDEN_PORTAL_REQUESTERDOMAINS="${KEYWARDEN_PORTAL_REQUESTERDOMAINS:-example.com}"
export KEYWARDEN_PORTAL_ADMINS="${KEYWARDEN_PORTAL_ADMINS:-admin@example.com}"

scripts/demo-mail.py --listen "127.0.0.1:${smtp_port}" --dir var/mail &
catcher=$!
trap 'kill "$catcher" 2>/dev/null || true' EXIT

seed() {
  local base="http://127.0.0.1:${port}" auth="Authorization: Bearer ${KEYWARDEN_BOOTSTRAP_ADMINTOKEN}"
  for _ in $(seq 1 100); do
    curl -sf "${base}/healthz" >/dev/null && break
    sleep 0.1
  done
  post() {  # 201 the first time, 409 on later runs: both are fine
    curl -s -o /dev/null -H "$auth" -H 'Content-Type: application/json' -d "$2" "${base}$1"
  }
  post /v1/clients '{"id":"shop","name":"Web shop","clientType":"web","contactEmail":"shop-owner@example.com"}'
  post /v1/apis '{"id":"orders-list","name":"List orders","method":"GET","path":"/orders","scopes":["orders:read"]}'
  post /v1/apis '{"id":"orders-read","name":"Read one order","method":"GET","path":"/orders/{id}","scopes":["orders:read"]}'
  post /v1/apis '{"id":"orders-create","name":"Place an order","method":"POST","path":"/orders","scopes":["orders:write"]}'
  post /v1/apis '{"id":"invoices","name":"Invoices","method":"GET","path":"/billing/invoices","scopes":["billing:read"]}'
  post /v1/groups '{"id":"orders-ro","name":"Orders, read only","apis":["orders-list","orders-read"]}'
}
seed &

cat <<MSG

Keywarden demo — http://127.0.0.1:${port}/
  Mail does not leave this machine: read it in var/mail/index.html
  (file://$(pwd)/var/mail/index.html — reload it after each step).

  Five minutes in a browser:
    1. Open http://127.0.0.1:${port}/ and sign in as dev@example.com (a requester).
       The sign-in link is in var/mail/index.html; open it and press "Sign in".
    2. Apply: client "Web shop", group "Orders, read only", a quota, an expiry date.
    3. In another browser (or a private window) sign in as owner@example.com (an approver),
       open the Inbox, read the application, Approve and confirm.
    4. The key arrives in var/mail/index.html, in the mail to dev@example.com.

  admin token: ${KEYWARDEN_BOOTSTRAP_ADMINTOKEN}
  (stored in var/demo.env; it becomes the first admin token of var/keywarden.db)

Try:
  curl -s -H "Authorization: Bearer ${KEYWARDEN_BOOTSTRAP_ADMINTOKEN}" -H 'Content-Type: application/json' \\
       -d '{"clientId":"shop","name":"first key"}' http://127.0.0.1:${port}/v1/keys

MSG
build/keywarden serve --config config/keywarden.properties
