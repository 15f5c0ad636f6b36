#!/usr/bin/python3
"""make chaos-mail: kill -9 Keywarden at random instants under steady mail flow and count, by
Message-ID in the strict receiver's store, the mails lost, the trials that sent a mail twice,
and the trials that sent a key-issued mail twice.

Flow: applications submitted over the API at a steady rate by several requesters; a flow with
no levels approves them at once, so each is issued and mailed (key-issued). Each trial lets the
traffic run for a random 0.2-1.2 s, kills the server with SIGKILL, restarts it, waits until the
outbox has drained, and counts duplicates. At the end every mail the outbox holds must have
reached the receiver exactly once (lost = held by the outbox, not received, or FAILED).

Usage: tests/chaos/chaos_mail.py [--trials N] [--rate MAILS_PER_S] [--binary build/keywarden]
       [--connections N] [--assert]   (exit 1 unless 0 lost and no key-issued duplicate)
       [--no-loss]                    (exit 1 when a mail is lost: the short variant in ctest)
"""
import argparse
import collections
import os
import random
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kwmail  # noqa: E402


class Traffic:
    """Submits applications at `rate` per second from a few threads; pauses on request."""

    def __init__(self, server, tokens, rate):
        self.server, self.tokens, self.rate = server, tokens, rate
        self.running = threading.Event()
        self.stopping = False
        self.accepted = 0
        self.lock = threading.Lock()
        self.n = 0
        self.threads = [threading.Thread(target=self.loop, args=(i,), daemon=True)
                        for i in range(len(tokens))]
        for t in self.threads:
            t.start()

    def loop(self, i):
        interval = len(self.tokens) / self.rate
        conn = None
        nxt = time.time()
        while not self.stopping:
            if not self.running.wait(0.1):
                conn = None
                continue
            with self.lock:
                self.n += 1
                n = self.n
            try:
                if conn is None:
                    conn = kwmail.http.client.HTTPConnection('127.0.0.1', self.server.port,
                                                            timeout=5)
                code, _ = self.server.call(
                    'POST', '/v1/applications',
                    {'kind': 'new', 'clientId': 'web', 'keyName': f'k{n}',
                     'scopes': ['orders:read'], 'quota': 50},
                    token=self.tokens[i], conn=conn)
                if code == 201:
                    with self.lock:
                        self.accepted += 1
            except Exception:  # the server is down (killed) or restarting
                conn = None
                time.sleep(0.02)
            nxt = max(nxt + interval, time.time() - 1)
            time.sleep(max(0, nxt - time.time()))

    def stop(self):
        self.stopping = True
        self.running.set()
        for t in self.threads:
            t.join()


def count(receiver):
    """(copies per Message-ID, duplicated ids, when each id's first copy was stored)."""
    seen = collections.Counter()
    first = {}
    for m in receiver.messages():
        mid = m.get('messageId', '')
        seen[mid] += 1
        first[mid] = min(first.get(mid, m['_at']), m['_at'])
    dup = {mid for mid, c in seen.items() if c > 1}
    return seen, dup, first


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--trials', type=int, default=50)
    p.add_argument('--rate', type=float, default=20.0)
    p.add_argument('--receiver', choices=('strict', 'fast', 'fsync'), default='strict',
                   help='strict: checks every message (slow); fast: a real MTA\'s speed; '
                        'fsync: fast plus an fsync before each 250')
    p.add_argument('--binary', default=os.path.join(kwmail.ROOT, 'build/keywarden'))
    p.add_argument('--connections', type=int, default=2)
    p.add_argument('--seed', type=int, default=None)
    p.add_argument('--assert', dest='check', action='store_true')
    p.add_argument('--no-loss', dest='no_loss', action='store_true',
                   help='exit 1 when a mail is lost (duplicates are only counted)')
    p.add_argument('--keep', action='store_true')
    a = p.parse_args()
    rnd = random.Random(a.seed)
    work = kwmail.workdir('kw-chaos-mail.')
    receiver = kwmail.Receiver(work, a.receiver)
    server = kwmail.Server(a.binary, work, receiver.port,
                           {'id': 'now', 'priority': 0, 'match': {}, 'levels': []},
                           {'smtp.connections': a.connections} if a.connections else {})
    started = time.time()
    dup_trials = key_dup_trials = after_dot_trials = 0
    known_dup = set()
    event_of = {}
    traffic = None
    try:
        server.start()
        code, body = server.call('POST', '/v1/clients',
                                 {'id': 'web', 'name': 'Web Shop', 'clientType': 'web'})
        if code != 201:
            raise RuntimeError(f'POST /v1/clients: {code} {body}')
        tokens = [server.cli('token', 'create', '--role', 'requester', '--email',
                             f'req{i}@example.com') for i in range(4)]
        traffic = Traffic(server, tokens, a.rate)
        for trial in range(1, a.trials + 1):
            traffic.running.set()
            time.sleep(rnd.uniform(0.2, 1.2))
            killed_at = time.time()
            server.kill9()
            traffic.running.clear()
            server.start()
            if not server.wait_drained():
                print(f'trial {trial}: the outbox did not drain within 60 s', flush=True)
            for m in server.mail():
                event_of[m['messageId']] = m['event']
            _, dup, first = count(receiver)
            new = dup - known_dup
            known_dup |= dup
            if new:
                dup_trials += 1
                keyed = [d for d in new if event_of.get(d) == 'key-issued']
                key_dup_trials += 1 if keyed else 0
                # Stored after the kill: the receiver was still taking the message (after the
                # final dot, before its 250) when the client died — no client can know that.
                late = all(first[d] > killed_at for d in new)
                after_dot_trials += 1 if late else 0
                print(f'trial {trial}: sent twice: ' + ', '.join(
                    f'{d} ({event_of.get(d, "?")}, first copy stored '
                    f'{1000 * (first[d] - killed_at):+.1f} ms from the kill)'
                    for d in sorted(new)), flush=True)
        traffic.stop()
        traffic = None
        server.wait_drained()
        outbox = server.mail()
        seen, dup, _ = count(receiver)
        lost = [m for m in outbox if m['status'] != 'SENT' or seen.get(m['messageId'], 0) == 0]
        stray = [mid for mid in seen if mid not in {m['messageId'] for m in outbox}]
        elapsed = time.time() - started
        print(f'chaos-mail: {a.trials} kill -9 trials in {elapsed:.0f} s, '
              f'{len(outbox)} mails ({sum(1 for m in outbox if m["event"] == "key-issued")} '
              f'key-issued), {sum(seen.values())} received, rate {a.rate:.0f}/s, '
              f'smtp.connections={a.connections}')
        print(f'  lost: {len(lost)}')
        print(f'  trials with a mail sent twice: {dup_trials} of {a.trials} '
              f'({100.0 * dup_trials / a.trials:.1f} %)')
        print(f'  trials with a key-issued mail sent twice: {key_dup_trials}')
        print(f'  of the trials with a mail sent twice, the receiver stored every first copy '
              f'after the kill (the client had sent the final dot and died before the 250): '
              f'{after_dot_trials}; before the kill (the record came too late): '
              f'{dup_trials - after_dot_trials}')
        if stray:
            print(f'  received but not in the outbox: {len(stray)}')
        for m in lost[:10]:
            print(f'  lost: {m["messageId"]} {m["event"]} {m["status"]} {m.get("lastError", "")}')
        if a.no_loss and (lost or stray):
            return 1
        ok = not lost and key_dup_trials == 0
        return 0 if ok or not a.check else 1
    finally:
        if traffic:
            traffic.stop()
        server.stop()
        receiver.stop()
        if a.keep:
            print('kept ' + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
