#!/usr/bin/python3
"""Approvals benchmark (issue 14): how many applications per second Keywarden takes from
submission through two approval levels to the issued key's mail in a local SMTP sink.

N applications are submitted over the API from T threads (requester token), then every one is
approved at level 1 and level 2 (two approver tokens), T threads at a time, and the run ends
when the N key-issued mails are in the sink (tests/support/strict_smtp.py --fast: stands for a
real MTA's queue commit). applications/s = N / (first submission -> last key mail received);
the target is >= 200/s on SQLite. Baseline from the same run: the sink's own ceiling (Python
smtplib, one session). --store postgresql runs Keywarden on a throw-away PostgreSQL 15
(initdb in the temp dir, 127.0.0.1 only). Figures are printed, never asserted.
--sink native takes the mails with build/smtp_sink (bench/SmtpSink.cpp) instead of the Python
receiver, whose own CPU (about 1 ms a mail) otherwise takes a large share of two cores.
Usage: bench/approvals.py [--count 1000] [--threads 8] [--store sqlite|postgresql]
                          [--sink python|native]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'tests', 'chaos'))
import kwmail  # noqa: E402

PG_BIN = '/usr/lib/postgresql/15/bin'


class Postgres:
    """initdb + postgres as the postgres user (they refuse root), fsync off, loopback only."""

    def __init__(self, work):
        self.dir = os.path.join(work, 'pg')
        os.makedirs(os.path.join(self.dir, 'data'))
        os.makedirs(os.path.join(self.dir, 'sock'))
        os.chmod(work, 0o755)
        as_pg = []
        if os.geteuid() == 0:
            shutil.chown(os.path.join(self.dir, 'data'), 'postgres', 'postgres')
            shutil.chown(os.path.join(self.dir, 'sock'), 'postgres', 'postgres')
            as_pg = ['runuser', '-u', 'postgres', '--']
        os.chmod(os.path.join(self.dir, 'data'), 0o700)
        subprocess.run(as_pg + [f'{PG_BIN}/initdb', '-D', os.path.join(self.dir, 'data'), '-A',
                                'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8',
                                '--locale=C'], check=True, capture_output=True)
        self.port = kwmail.free_port()
        self.log = open(os.path.join(self.dir, 'postgres.log'), 'ab')
        self.proc = subprocess.Popen(
            as_pg + [f'{PG_BIN}/postgres', '-D', os.path.join(self.dir, 'data'), '-p',
                     str(self.port), '-k', os.path.join(self.dir, 'sock'), '-c',
                     'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c',
                     'synchronous_commit=off', '-c', 'full_page_writes=off', '-c',
                     'max_connections=200'], stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if subprocess.run([f'{PG_BIN}/pg_isready', '-q', '-h', '127.0.0.1', '-p',
                               str(self.port)]).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError('postgres did not start')
        self.base = f'host=127.0.0.1 port={self.port} user=postgres'
        subprocess.run(['psql', '-q', f'{self.base} dbname=postgres', '-c',
                        'CREATE DATABASE kw'], check=True, capture_output=True)
        self.conninfo = f'{self.base} dbname=kw'

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class NativeReceiver(kwmail.Receiver):
    """build/smtp_sink (bench/SmtpSink.cpp): the same DIR/new/NNNNNN.json files as the Python
    receiver's --fast mode, at a fraction of its CPU. The inbox is on tmpfs (/dev/shm) when
    there is one: a file system busy with other work made inode allocation most of the sink's
    CPU (ext4's recently_deleted, under perf)."""

    def stop(self):
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __init__(self, work, binary):
        shm = '/dev/shm' if os.path.isdir('/dev/shm') else work
        self.dir = tempfile.mkdtemp(prefix='kw-bench-inbox.', dir=shm)
        self.port = kwmail.free_port()
        self.proc = subprocess.Popen([binary, '--listen', f'127.0.0.1:{self.port}', '--dir',
                                      self.dir], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        if self.proc.stdout.readline().strip() != 'listening':
            raise RuntimeError(f'{binary} did not start')


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (/proc/PID/stat fields 14 and 15)."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def run_threads(n, fn, items):
    chunks = [items[i::n] for i in range(n)]
    errors = []

    def run(c):
        try:
            for x in c:
                fn(x)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--count', type=int, default=1000)
    p.add_argument('--threads', type=int, default=8)
    p.add_argument('--store', choices=('sqlite', 'postgresql'), default='sqlite')
    p.add_argument('--binary', default=os.path.join(kwmail.ROOT, 'build/keywarden'))
    p.add_argument('--keep', action='store_true', help='keep the temp dir (server log, database)')
    p.add_argument('--sink', choices=('python', 'native'), default='python',
                   help='python: tests/support/strict_smtp.py --fast; native: build/smtp_sink')
    a = p.parse_args()
    n = a.count
    work = tempfile.mkdtemp(prefix='kw-bench-approvals.')
    pg = Postgres(work) if a.store == 'postgresql' else None
    receiver = (NativeReceiver(work, os.path.join(os.path.dirname(a.binary), 'smtp_sink'))
                if a.sink == 'native' else kwmail.Receiver(work, 'fast'))
    flow = {'id': 'two', 'priority': 0, 'match': {}, 'levels': [
        {'name': 'Team lead', 'approvers': ['lead@example.com'], 'policy': 'any'},
        {'name': 'Security', 'approvers': ['sec@example.com'], 'policy': 'any'}]}
    extra = {'smtp.connections': 2}
    if pg:
        extra.update({'db.connector': 'postgresql', 'db.connection': pg.conninfo})
    binary = os.path.join(work, 'keywarden')
    shutil.copy(a.binary, binary)  # a rebuild cannot swap it mid-run
    server = kwmail.Server(binary, work, receiver.port, flow, extra)
    load = lambda: open('/proc/loadavg').read().split()[:3]  # noqa: E731
    try:
        load0 = load()
        ceil_n = min(n, 300)
        msgs = []
        import smtplib
        raw = (b'From: k@localhost\r\nTo: req@example.com\r\nSubject: ceiling\r\n\r\n' +
               b'A line of text of the usual length for the mail.\r\n' * 30)
        t = time.time()
        with smtplib.SMTP('127.0.0.1', receiver.port, local_hostname='bench.example.com') as c:
            for _ in range(ceil_n):
                c.sendmail('k@localhost', ['req@example.com'], raw)
        ceiling = ceil_n / (time.time() - t)
        receiver.clear()
        del msgs

        server.start()
        server.call('POST', '/v1/clients', {'id': 'web', 'name': 'Web Shop', 'clientType': 'web',
                                            'contactEmail': 'req@example.com'})
        req = server.cli('token', 'create', '--role', 'requester', '--email', 'req@example.com')
        lead = server.cli('token', 'create', '--role', 'approver', '--email', 'lead@example.com')
        sec = server.cli('token', 'create', '--role', 'approver', '--email', 'sec@example.com')
        ids = []
        ids_lock = threading.Lock()

        def conn():
            return kwmail.http.client.HTTPConnection('127.0.0.1', server.port, timeout=30)

        local = threading.local()

        def call(method, path, body, token):
            if not hasattr(local, 'c'):
                local.c = conn()
            for _ in range(50):
                try:
                    code, out = server.call(method, path, body, token=token, conn=local.c)
                except (OSError, kwmail.http.client.HTTPException):
                    local.c = conn()
                    continue
                if code in (409, 503) and body.get('decision'):
                    time.sleep(0.02)  # a concurrent decision won: try again
                    continue
                return code, out
            raise RuntimeError(f'{method} {path}: gave up')

        def submit(i):
            code, out = call('POST', '/v1/applications',
                             {'kind': 'new', 'clientId': 'web', 'keyName': f'k{i}',
                              'scopes': ['orders:read'], 'quota': 50}, req)
            if code != 201:
                raise RuntimeError(f'submit: {code} {out}')
            with ids_lock:
                ids.append(out['id'])

        def decide(token):
            def fn(app_id):
                code, out = call('POST', f'/v1/applications/{app_id}/decisions',
                                 {'decision': 'approve'}, token)
                if code not in (200, 201):
                    raise RuntimeError(f'decide: {code} {out}')
            return fn

        cpu0 = {'keywarden': cpu_seconds(server.proc.pid),
                'sink': cpu_seconds(receiver.proc.pid), 'client': sum(os.times()[:2])}
        t0 = time.time()
        run_threads(a.threads, submit, list(range(n)))
        t_sub = time.time()
        run_threads(a.threads, decide(lead), list(ids))
        t_l1 = time.time()
        run_threads(a.threads, decide(sec), list(ids))
        t_l2 = time.time()
        deadline = time.time() + 300
        keys = []
        seen = set()  # files read already: each poll reads only the new ones (the client's CPU
        # would otherwise grow with the inbox and take the cores from the server it measures)
        while time.time() < deadline:
            for f in sorted(glob.glob(os.path.join(receiver.dir, 'new', '*.json'))):
                if f in seen:
                    continue
                try:
                    with open(f, encoding='utf-8') as fh:
                        m = json.load(fh)
                except ValueError:
                    continue  # still being written: next poll
                seen.add(f)
                if m.get('subject', '').startswith('Your API key'):
                    m['_at'] = os.stat(f).st_mtime
                    keys.append(m)
            if len(keys) >= n:
                break
            time.sleep(0.1)
        t_end = max(m['_at'] for m in keys) if keys else time.time()
        total = t_end - t0
        cpu = {'keywarden': cpu_seconds(server.proc.pid) - cpu0['keywarden'],
               'sink': cpu_seconds(receiver.proc.pid) - cpu0['sink'],
               'client': sum(os.times()[:2]) - cpu0['client']}
        mails = len(receiver.messages())
        print(f'approvals ({a.store}, {a.sink} sink, {n} applications, {a.threads} client threads, '
              f'commit {subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=kwmail.ROOT, capture_output=True, text=True).stdout.strip()}, '
              f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, load {" ".join(load0)} -> '
              f'{" ".join(load())})')
        print(f'| step | seconds | per second |')
        print(f'|---|---:|---:|')
        print(f'| submit | {t_sub - t0:.2f} | {n / (t_sub - t0):.0f} applications/s |')
        print(f'| level 1 approvals | {t_l1 - t_sub:.2f} | {n / (t_l1 - t_sub):.0f} decisions/s |')
        print(f'| level 2 approvals (issues the key) | {t_l2 - t_l1:.2f} | '
              f'{n / (t_l2 - t_l1):.0f} decisions/s |')
        print(f'| last approval -> last key mail in the sink | {max(0.0, t_end - t_l2):.2f} | |')
        print(f'| **whole: submit -> {len(keys)} key mails received** | {total:.2f} | '
              f'**{len(keys) / total:.0f} applications/s** (target >= 200 on SQLite) |')
        print(f'| baseline: the sink alone (smtplib, one session) | | {ceiling:.0f} mails/s |')
        print(f'mails received: {mails} ({mails / n:.1f} per application); CPU seconds used '
              f'from the first submission to the last key mail: ' +
              ', '.join(f'{k} {v:.2f}' for k, v in cpu.items()) +
              f' ({os.cpu_count()} CPUs x {total:.2f} s = {os.cpu_count() * total:.2f} available)')
        if len(keys) < n:
            print(f'only {len(keys)} of {n} key mails arrived within 300 s')
            return 1
        return 0
    finally:
        server.stop()
        receiver.stop()
        if pg:
            pg.stop()
        if a.keep:
            print(f'kept {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
