#!/usr/bin/env bash
# `make run`: serve on SQLite under ./var with demo settings. The demo secret and admin token
# are made once, kept in var/ (mode 600), and printed so the first curl works.
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
cat <<MSG

Keywarden demo — http://127.0.0.1:${port}
  admin token: ${KEYWARDEN_BOOTSTRAP_ADMINTOKEN}
  (stored in var/demo.env; it becomes the first admin token of var/keywarden.db)

Try:
  curl -s -H "Authorization: Bearer ${KEYWARDEN_BOOTSTRAP_ADMINTOKEN}" -H 'Content-Type: application/json' \\
       -d '{"id":"shop","name":"Shop"}' http://127.0.0.1:${port}/v1/clients
  curl -s -H "Authorization: Bearer ${KEYWARDEN_BOOTSTRAP_ADMINTOKEN}" -H 'Content-Type: application/json' \\
       -d '{"clientId":"shop","name":"first key"}' http://127.0.0.1:${port}/v1/keys

Apply for a key as a requester, decide as an approver of workflows/default.json:
  build/keywarden token create --role requester --email dev@example.com
  build/keywarden token create --role approver --email owner@example.com

MSG
exec build/keywarden serve --config config/keywarden.properties
