#!/usr/bin/env python3
"""Writes N well-formed keys (prefix kw) for bench/usage.sh: their plaintexts, one a line, to
KEYS_FILE and the SQL inserting them as ACTIVE keys of client 'bench' to stdout.
Usage: usage-keys.py N KEYS_FILE NOW_MS"""
import hashlib
import secrets
import sys
import zlib

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_6(v):
    out = []
    for _ in range(6):
        out.append(ALPHABET[v % 62])
        v //= 62
    return "".join(reversed(out))


def main():
    n, path, now = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    w = sys.stdout.write
    w("BEGIN;\n")
    with open(path, "w") as keys:
        for i in range(1, n + 1):
            body = "".join(secrets.choice(ALPHABET) for _ in range(43))
            key = "kw_" + body + base62_6(zlib.crc32(body.encode()))
            keys.write(key + "\n")
            digest = hashlib.sha256(key.encode()).hexdigest()
            w("INSERT INTO api_keys (id, tenant, client_id, name, digest, start, state, scopes,"
              " api_ids, group_ids, effective_at, expires_at, quota, remaining, quota_key_id,"
              " refill_amount, refill_interval, refilled_at, rate_limit, rate_window_ms, meta,"
              " created_at, updated_at, last_used_at, usage_valid, usage_rejected, revoke_at,"
              " revoke_reason, rotated_to, application_id, version) VALUES ("
              f"'key_use{i:08d}', 'default', 'bench', 'use-{i}', '{digest}', '{key[:7]}',"
              f" 'ACTIVE', '[]', '[]', '[]', 0, 0, -1, -1, '', 0, '', 0, 0, 0, '{{}}', {now},"
              f" {now}, 0, 0, 0, 0, '', '', '', 1);\n")
    w("COMMIT;\n")


if __name__ == "__main__":
    main()
