#!/usr/bin/python3
"""make chaos: randomized kill -9 trials of a real Keywarden server under steady load, each
followed by a restart on the same store and an invariant check; then the SMTP sink killed
mid-flow, and the PostgreSQL server killed mid-flow.

Load (several client threads, all through the public HTTP API and the mails):
- requesters submit `new` applications: most go to a two-level flow (lead, then security), some
  to one-level flows whose level times out after 2 s (the scheduler approves or rejects them),
  some ask to revoke a key issued earlier (a flow without levels);
- approvers act only from the links in the mails the SMTP sink received: GET the page, then POST
  the form (approve, sometimes reject), as a person would;
- an admin issues keys with a small quota (some expiring seconds later), rotates them with a
  grace period, and revokes them at once or at a time seconds ahead;
- verifiers check the quota keys in parallel, counting the VALID answers of each key lineage.

Each trial lets the load run for a random 0.2-1.5 s, kills the server with SIGKILL, restarts
it on the same SQLite file, measures the time to a 200 from /readyz, lets it settle (load
paused; outbox drained; no job overdue), and checks:
  I1 every issued `new` application has exactly one key, linked both ways
  I2 no application stuck: each is final, or waits at a valid level of its flow with a link
     mailed to each approver it waits for (and, where the flow has a timeout, a pending job)
  I3 every mail the outbox holds was delivered (duplicates by Message-ID are counted, not
     failed: delivery is at least once); every event that needs a mail has exactly one
  I4 no job lost (pending past its due time, or FAILED) or run twice for one due time
  I5 quota never over-served: VALID answers per lineage <= its quota, and remaining + VALID
     answers <= quota
  I6 no plaintext key at rest: no key the run saw is in the SQLite file, its WAL, the mail
     journal or the server log
A violated invariant fails the run, naming the trial and the seed (replay with --seed).

Usage: tests/chaos/chaos.py [--trials 100] [--seed N] [--scenarios sqlite,smtp,postgresql]
                            [--binary build/keywarden] [--keep]
"""
import argparse
import collections
import datetime
import email
import email.policy
import glob
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kwmail  # noqa: E402

PG_BIN = '/usr/lib/postgresql/15/bin'
KEY_RE = re.compile(rb'kw_[0-9A-Za-z]{49}')
LINK_RE = re.compile(r'https?://[^\s/]+(/approvals/[A-Za-z0-9_.\-]+)')
FINAL = {'ISSUED', 'REJECTED', 'WITHDRAWN', 'TIMED_OUT'}

FLOWS = [
    {'id': 'two', 'priority': 0, 'match': {}, 'levels': [
        {'name': 'Team lead', 'approvers': ['lead@example.com'], 'policy': 'any'},
        {'name': 'Security', 'approvers': ['sec1@example.com', 'sec2@example.com'],
         'policy': 'any'}]},
    {'id': 'slow-approve', 'priority': 10, 'match': {'scopes': ['slow:read']}, 'levels': [
        {'name': 'Idle', 'approvers': ['idle@example.com'], 'policy': 'any',
         'timeout': '2s', 'onTimeout': 'approve'}]},
    {'id': 'slow-reject', 'priority': 10, 'match': {'scopes': ['late:read']}, 'levels': [
        {'name': 'Idle', 'approvers': ['idle@example.com'], 'policy': 'any',
         'timeout': '2s', 'onTimeout': 'reject'}]},
    {'id': 'revoke', 'priority': 20, 'match': {'kinds': ['revoke']}, 'levels': []},
]
ACTIVE_APPROVERS = {'lead@example.com', 'sec1@example.com', 'sec2@example.com'}


class Violation(Exception):
    pass


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def parse_time(s):
    if not s:
        return None
    return datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp()


# ---------------------------------------------------------------------------------------------
# The SMTP sink, a server on SQLite or PostgreSQL, a throw-away PostgreSQL

class Sink:
    """tests/support/strict_smtp.py --fast on a fixed port; each incarnation writes to its own
    directory (the sink numbers its files from 1), and `messages` reads them all."""

    def __init__(self, work):
        self.work = work
        self.port = kwmail.free_port()
        self.dirs = []
        self.proc = None
        self.seen = {}  # file -> parsed message
        self.lock = threading.Lock()
        self.start()

    def start(self):
        d = os.path.join(self.work, f'inbox{len(self.dirs)}')
        self.dirs.append(d)
        for _ in range(100):
            self.proc = subprocess.Popen(
                ['/usr/bin/python3', os.path.join(kwmail.ROOT, 'tests/support/strict_smtp.py'),
                 '--listen', f'127.0.0.1:{self.port}', '--dir', d, '--fast'],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if self.proc.stdout.readline().strip() == 'listening':
                return
            self.proc.wait()
            time.sleep(0.1)  # the port may still be held by the killed incarnation
        raise RuntimeError('the SMTP sink did not start')

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def messages(self):
        """Every message received so far: dicts with messageId, to, subject, text, links, keys."""
        with self.lock:
            for d in self.dirs:
                for f in sorted(glob.glob(os.path.join(d, 'new', '*.eml'))):
                    if f in self.seen:
                        continue
                    with open(f, 'rb') as fh:
                        raw = fh.read()
                    msg = email.message_from_bytes(raw, policy=email.policy.default)
                    part = msg.get_body(preferencelist=('plain',))
                    text = part.get_content() if part else ''
                    self.seen[f] = {
                        'file': f, 'messageId': str(msg['Message-ID'] or ''),
                        'to': str(msg['To'] or ''), 'subject': str(msg['Subject'] or ''),
                        'links': LINK_RE.findall(text),
                        'keys': [k.decode() for k in KEY_RE.findall(text.encode())],
                    }
            return list(self.seen.values())


class Postgres:
    """A throw-away PostgreSQL 15 (initdb in the run's directory, loopback only), run as the
    postgres user (it refuses root). kill9 kills the postmaster and its backends."""

    def __init__(self, work):
        self.dir = os.path.join(work, 'pg')
        self.data = os.path.join(self.dir, 'data')
        os.makedirs(self.data)
        os.makedirs(os.path.join(self.dir, 'sock'))
        os.chmod(work, 0o755)
        self.as_pg = []
        if os.geteuid() == 0:
            for d in (self.data, os.path.join(self.dir, 'sock')):
                shutil.chown(d, 'postgres', 'postgres')
            self.as_pg = ['runuser', '-u', 'postgres', '--']
        os.chmod(self.data, 0o700)
        subprocess.run(self.as_pg + [f'{PG_BIN}/initdb', '-D', self.data, '-A', 'trust', '-U',
                                     'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'],
                       check=True, capture_output=True)
        self.port = kwmail.free_port()
        self.log = open(os.path.join(self.dir, 'postgres.log'), 'ab')
        self.proc = None
        self.start()
        base = f'host=127.0.0.1 port={self.port} user=postgres'
        subprocess.run(['psql', '-q', f'{base} dbname=postgres', '-c', 'CREATE DATABASE kw'],
                       check=True, capture_output=True)
        self.conninfo = f'{base} dbname=kw'

    def start(self):
        self.proc = subprocess.Popen(
            self.as_pg + [f'{PG_BIN}/postgres', '-D', self.data, '-p', str(self.port), '-k',
                          os.path.join(self.dir, 'sock'), '-c', 'listen_addresses=127.0.0.1',
                          '-c', 'max_connections=200'],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            if subprocess.run([f'{PG_BIN}/pg_isready', '-q', '-h', '127.0.0.1', '-p',
                               str(self.port)]).returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError('postgres did not start')

    def postmaster_pid(self):
        with open(os.path.join(self.data, 'postmaster.pid')) as f:
            return int(f.readline())

    def kill9(self):
        pm = self.postmaster_pid()
        children = []
        for stat in glob.glob('/proc/[0-9]*/stat'):
            try:
                with open(stat) as f:
                    fields = f.read().rsplit(')', 1)[1].split()
                if int(fields[1]) == pm:
                    children.append(int(stat.split('/')[2]))
            except (OSError, IndexError, ValueError):
                pass
        os.kill(pm, signal.SIGKILL)
        for c in children:
            try:
                os.kill(c, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        deadline = time.time() + 10
        while time.time() < deadline and any(os.path.exists(f'/proc/{c}') for c in children):
            time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def files(self):
        out = []
        for sub in ('base', 'global', 'pg_wal'):
            for root, _, names in os.walk(os.path.join(self.data, sub)):
                out += [os.path.join(root, n) for n in names]
        return out


class Server(kwmail.Server):
    def start(self):
        """Starts the server; returns the seconds from the spawn to the first 200 of /readyz."""
        t0 = time.time()
        self.proc = subprocess.Popen([self.binary, 'serve', '--config', self.config],
                                     env=self.env, stdout=self.log, stderr=self.log)
        while time.time() < t0 + 30:
            try:
                if self.call('GET', '/readyz')[0] == 200:
                    return time.time() - t0
            except (OSError, http.client.HTTPException, ValueError):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError('keywarden exited at start-up; see ' + self.work)
            time.sleep(0.01)
        raise RuntimeError('keywarden did not answer /readyz within 30 s')

    def get(self, path):
        code, body = self.call('GET', path)
        if code != 200:
            raise RuntimeError(f'GET {path}: {code} {body}')
        return body


# ---------------------------------------------------------------------------------------------
# Load

class Model:
    """What the clients saw: keys (plaintext, lineage, quota), VALID answers per lineage, the
    links acted on. Guarded by one lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.plaintexts = set()
        self.lineage = {}    # key id -> root key id
        self.quota = {}      # root key id -> quota
        self.live = {}       # key id -> plaintext, of the quota keys the verifiers check
        self.valid = collections.Counter()  # root key id -> VALID answers seen
        self.events = collections.defaultdict(list)  # root key id -> (time, what) for a report
        self.admin_keys = []  # key ids the admin may rotate or revoke
        self.links_done = set()
        self.issued_app_keys = []  # key ids issued through applications (revoke targets)
        self.submitted = 0
        self.decisions = 0
        self.ops = collections.Counter()


class Load:
    def __init__(self, server, sink, model, tokens, seed, requesters=2, verifiers=2):
        self.server, self.sink, self.m, self.tokens = server, sink, model, tokens
        self.running = threading.Event()
        self.stopping = False
        self.errors = []
        self.busy = 0
        self.busy_lock = threading.Condition()
        jobs = ([('requester', i) for i in range(requesters)] + [('approver', 0), ('admin', 0)]
                + [('verifier', i) for i in range(verifiers)])
        self.threads = [threading.Thread(target=self.loop, args=(kind, i, seed), daemon=True)
                        for kind, i in jobs]
        for t in self.threads:
            t.start()

    # pause/resume: `pause` returns when no thread is inside an operation
    def resume(self):
        self.running.set()

    def pause(self):
        self.running.clear()
        with self.busy_lock:
            self.busy_lock.wait_for(lambda: self.busy == 0, timeout=30)

    def stop(self):
        self.stopping = True
        self.running.set()
        for t in self.threads:
            t.join(timeout=30)

    def loop(self, kind, i, seed):
        rnd = random.Random(f'{seed}-{kind}-{i}')
        local = threading.local()
        step = getattr(self, kind)
        while not self.stopping:
            if not self.running.wait(0.1) or self.stopping:
                continue
            with self.busy_lock:
                if not self.running.is_set():
                    continue
                self.busy += 1
            try:
                step(rnd, local, i)
            except (OSError, http.client.HTTPException, ValueError):
                local.__dict__.pop('conn', None)  # the server is down: try again later
                time.sleep(0.02)
            except Exception as e:  # noqa: BLE001 - a harness bug: reported at the end
                self.errors.append(f'{kind}{i}: {type(e).__name__}: {e}')
                time.sleep(0.1)
            finally:
                with self.busy_lock:
                    self.busy -= 1
                    self.busy_lock.notify_all()

    def call(self, local, method, path, body=None, token=None):
        if getattr(local, 'conn', None) is None:
            local.conn = http.client.HTTPConnection('127.0.0.1', self.server.port, timeout=10)
        try:
            return self.server.call(method, path, body, token=token, conn=local.conn)
        except Exception:
            local.conn = None
            raise

    def requester(self, rnd, local, i):
        time.sleep(rnd.uniform(0.05, 0.2))
        r = rnd.random()
        token = self.tokens['req'][i]
        if r < 0.1:
            with self.m.lock:
                target = rnd.choice(self.m.issued_app_keys) if self.m.issued_app_keys else None
            if target:
                code, _ = self.call(local, 'POST', '/v1/applications', {
                    'kind': 'revoke', 'clientId': 'web', 'keyId': target,
                    'description': 'chaos'}, token)
                self.m.ops[f'revoke-application {code}'] += 1
                return
        scope = 'orders:read' if r < 0.8 else ('slow:read' if r < 0.9 else 'late:read')
        code, body = self.call(local, 'POST', '/v1/applications', {
            'kind': 'new', 'clientId': 'web', 'keyName': f'app{rnd.getrandbits(32)}',
            'scopes': [scope], 'quota': 50}, token)
        self.m.ops[f'submit {code}'] += 1
        if code == 201:
            with self.m.lock:
                self.m.submitted += 1

    def approver(self, rnd, local, i):
        todo = []
        for msg in self.sink.messages():
            for path in msg['links']:
                if path not in self.m.links_done and any(
                        a in msg['to'] for a in ACTIVE_APPROVERS):
                    todo.append(path)
        for k in (k for msg in self.sink.messages() for k in msg['keys']):
            with self.m.lock:
                self.m.plaintexts.add(k)
        if not todo:
            time.sleep(0.05)
            return
        rnd.shuffle(todo)
        for path in todo[:5]:
            if not self.running.is_set():
                return
            c = self.link(local, 'GET', path)
            if c[0] == 200:
                decision = 'reject' if rnd.random() < 0.1 else 'approve'
                c = self.link(local, 'POST', path, {'decision': decision, 'comment': 'chaos'})
                self.m.ops[f'link {decision} {c[0]}'] += 1
                if c[0] not in (200, 409):
                    continue  # 403 and the like: try again later
            else:
                self.m.ops[f'link GET {c[0]}'] += 1
            if c[0] in (200, 404, 409, 410):
                self.m.links_done.add(path)

    def link(self, local, method, path, form=None):
        if getattr(local, 'conn', None) is None:
            local.conn = http.client.HTTPConnection('127.0.0.1', self.server.port, timeout=10)
        try:
            headers = {}
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form)
                headers['Content-Type'] = 'application/x-www-form-urlencoded'
            local.conn.request(method, path, body=body, headers=headers)
            r = local.conn.getresponse()
            page = r.read()
            return r.status, page
        except Exception:
            local.conn = None
            raise

    def admin(self, rnd, local, i):
        time.sleep(rnd.uniform(0.05, 0.15))
        with self.m.lock:
            keys = list(self.m.admin_keys)
        r = rnd.random()
        if r < 0.5 or len(keys) < 3:
            body = {'clientId': 'web', 'name': f'adm{rnd.getrandbits(32)}',
                    'scopes': ['orders:read'], 'quota': rnd.randint(20, 60)}
            if rnd.random() < 0.3:
                body['expiresAt'] = iso(time.time() + rnd.uniform(1.5, 6))
            code, out = self.call(local, 'POST', '/v1/keys', body)
            self.m.ops[f'key create {code}'] += 1
            if code == 201:
                with self.m.lock:
                    self.m.plaintexts.add(out['key'])
                    self.m.lineage[out['id']] = out['id']
                    self.m.quota[out['id']] = body['quota']
                    self.m.live[out['id']] = out['key']
                    self.m.admin_keys.append(out['id'])
        elif r < 0.75:
            kid = rnd.choice(keys)
            code, out = self.call(local, 'POST', f'/v1/keys/{kid}/rotate',
                                  {'graceSeconds': rnd.randint(0, 3)})
            self.m.ops[f'key rotate {code}'] += 1
            if code == 201:
                with self.m.lock:
                    self.m.plaintexts.add(out['key'])
                    self.m.lineage[out['id']] = self.m.lineage.get(kid, kid)
                    self.m.events[self.m.lineage[kid]].append(
                        (time.time(), f'rotated {kid} -> {out["id"]} remaining '
                                      f'{out.get("remaining")}'))
                    self.m.live[out['id']] = out['key']
                    self.m.admin_keys.append(out['id'])
                    self.m.admin_keys.remove(kid)
            elif code == 409:
                with self.m.lock:
                    if kid in self.m.admin_keys:
                        self.m.admin_keys.remove(kid)
        else:
            kid = rnd.choice(keys)
            body = {'reason': 'chaos'}
            if rnd.random() < 0.5:
                body['at'] = iso(time.time() + rnd.uniform(0.5, 3))
            code, _ = self.call(local, 'POST', f'/v1/keys/{kid}/revoke', body)
            self.m.ops[f'key revoke {code}'] += 1
            if code in (200, 409):
                with self.m.lock:
                    if kid in self.m.admin_keys:
                        self.m.admin_keys.remove(kid)

    def verifier(self, rnd, local, i):
        with self.m.lock:
            live = list(self.m.live.items())
        if not live:
            time.sleep(0.05)
            return
        kid, key = rnd.choice(live[-40:])
        code, out = self.call(local, 'POST', '/v1/keys/verify', {'key': key})
        if code != 200:
            self.m.ops[f'verify {code}'] += 1
            return
        self.m.ops[f'verify {out["code"]}'] += 1
        if out['code'] == 'VALID':
            with self.m.lock:
                root = self.m.lineage[kid]
                self.m.valid[root] += 1
                self.m.events[root].append((time.time(), f'VALID {kid} remaining '
                                                         f'{out.get("remaining")}'))
        elif out['code'] in ('REVOKED', 'EXPIRED', 'NOT_FOUND'):
            with self.m.lock:
                self.m.live.pop(kid, None)


# ---------------------------------------------------------------------------------------------
# Settling and the invariants

def settle(server, seconds=60):
    """Waits until the outbox is drained and no job is overdue (load paused)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            mail = server.get('/v1/mail?status=PENDING') ['mail'] + \
                server.get('/v1/mail?status=SENDING')['mail']
            jobs = [j for j in server.get('/v1/jobs?status=PENDING')['jobs']
                    if parse_time(j['dueAt']) <= time.time()]
        except (OSError, http.client.HTTPException, RuntimeError):
            time.sleep(0.1)
            continue
        if not mail and not jobs:
            return True
        time.sleep(0.05)
    return False


class Checker:
    def __init__(self, server, sink, model, pg=None):
        self.server, self.sink, self.m, self.pg = server, sink, model, pg
        self.checked_final = set()
        self.figures = collections.Counter()

    def check(self):
        """Returns a list of violations (strings)."""
        v = []
        s = self.server
        # In this order, so that what is still changing (jobs fall due and mail) cannot make a
        # sound state look broken: jobs before applications (an application waiting at a level
        # had its timeout job pending before), the sink before and after the outbox (a mail
        # received before was in the outbox; a mail in the outbox is received after).
        jobs_at = time.time()
        jobs = s.get('/v1/jobs')['jobs']
        received_before = self.sink.messages()
        apps = s.get('/v1/applications')['applications']
        keys = {k['id']: k for k in s.get('/v1/keys')['keys']}
        mail = s.get('/v1/mail')['mail']
        received = self.sink.messages()
        now = time.time()
        flows = {f['id']: f for f in FLOWS}

        # I1: every issued `new` application has exactly one key, linked both ways
        by_app = collections.defaultdict(list)
        for k in keys.values():
            if k.get('applicationId'):
                by_app[k['applicationId']].append(k['id'])
        app_ids = {a['id'] for a in apps}
        for a in apps:
            if a['kind'] != 'new':
                continue
            linked = by_app.get(a['id'], [])
            if a['state'] == 'ISSUED':
                if not a.get('keyId') or a['keyId'] not in keys:
                    v.append(f'I1 {a["number"]} is ISSUED without a key ({a.get("keyId")})')
                elif linked != [a['keyId']]:
                    v.append(f'I1 {a["number"]} is ISSUED with key {a["keyId"]}; keys naming '
                             f'it: {linked}')
                with self.m.lock:
                    if a['keyId'] not in self.m.issued_app_keys:
                        self.m.issued_app_keys.append(a['keyId'])
            elif linked:
                v.append(f'I1 {a["number"]} is {a["state"]} but keys name it: {linked}')
        for k in keys.values():
            if k.get('applicationId') and k['applicationId'] not in app_ids:
                v.append(f'I1 key {k["id"]} names an unknown application {k["applicationId"]}')

        # I3 (part): the outbox by application and key
        rows = collections.defaultdict(list)
        for mrow in mail:
            rows[(mrow['event'], mrow.get('applicationId'), mrow.get('keyId'), mrow['to'])].append(
                mrow)
        app_mail = collections.defaultdict(list)
        key_mail = collections.defaultdict(list)
        for mrow in mail:
            if mrow.get('applicationId'):
                app_mail[mrow['applicationId']].append(mrow)
            if mrow.get('keyId'):
                key_mail[mrow['keyId']].append(mrow)

        # I2: no application stuck
        pending_jobs = collections.defaultdict(list)
        for j in jobs:
            if j['status'] == 'PENDING':
                pending_jobs[(j['kind'], j['refId'])].append(j)
        for a in apps:
            if a['state'] in FINAL:
                continue
            if a['state'] != 'IN_REVIEW':
                v.append(f'I2 {a["number"]} is stuck in {a["state"]}')
                continue
            flow = flows.get(a['flow'])
            if not flow or not 1 <= a['level'] <= len(flow['levels']) or \
                    a['levelCount'] != len(flow['levels']):
                v.append(f'I2 {a["number"]} waits at level {a["level"]} of {a["levelCount"]} '
                         f'of flow {a["flow"]}')
                continue
            level = flow['levels'][a['level'] - 1]
            if sorted(a['approvers']) != sorted(level['approvers']):
                v.append(f'I2 {a["number"]} lists approvers {a["approvers"]} at level '
                         f'{a["level"]}')
            asked = {mrow['to'] for mrow in app_mail[a['id']]
                     if mrow['event'] == 'approval-requested'}
            for who in level['approvers']:
                if who not in asked:
                    v.append(f'I2 {a["number"]} waits at level {a["level"]} but no link was '
                             f'mailed to {who}')
            if 'timeout' in level:
                js = pending_jobs.get(('level-timeout', a['id']), [])
                if not js:
                    v.append(f'I2 {a["number"]} waits at a level with a timeout and no '
                             f'pending level-timeout job')

        # I3: every mail delivered; the mails every event needs, once each
        seen = collections.Counter(msg['messageId'] for msg in received)
        lost = [mrow for mrow in mail if mrow['status'] != 'SENT' or not seen[mrow['messageId']]]
        for mrow in lost:
            v.append(f'I3 mail {mrow["id"]} ({mrow["event"]} to {mrow["to"]}) is '
                     f'{mrow["status"]}, received {seen[mrow["messageId"]]} times '
                     f'{mrow.get("lastError", "")}')
        known_ids = {mrow['messageId'] for mrow in mail}
        stray = [msg['messageId'] for msg in received_before
                 if msg['messageId'] not in known_ids]
        if stray:
            v.append(f'I3 {len(stray)} received mails are not in the outbox: {stray[:3]}')
        self.figures['mails'] = len(mail)
        self.figures['received'] = sum(seen.values())
        self.figures['duplicates'] = sum(c - 1 for c in seen.values() if c > 1)
        self.figures['mails sent twice'] = sum(1 for c in seen.values() if c > 1)
        dup_keyed = [mrow['id'] for mrow in mail
                     if mrow['event'] == 'key-issued' and seen[mrow['messageId']] > 1]
        self.figures['key-issued sent twice'] = len(dup_keyed)

        def once(event, rows_, what):
            n = sum(1 for mrow in rows_ if mrow['event'] == event)
            if n != 1:
                v.append(f'I3 {what}: {n} {event} mails in the outbox (want 1)')

        for a in apps:
            if a['id'] in self.checked_final:
                continue
            rows_ = app_mail[a['id']]
            if a['kind'] == 'new' and a['state'] == 'ISSUED':
                once('key-issued', rows_, a['number'])
            elif a['state'] == 'REJECTED':
                once('rejected', rows_, a['number'])
            elif a['kind'] == 'revoke' and a['state'] == 'ISSUED':
                once('application-approved', rows_, a['number'])
            # more than one approval-requested mail per approver and level is a double write
            per = collections.Counter(mrow['to'] for mrow in rows_
                                      if mrow['event'] == 'approval-requested')
            for who, n in per.items():
                if n > 1:
                    v.append(f'I3 {a["number"]}: {n} approval-requested mails to {who}')
            # a level timeout decides once: one decision by the system in the history
            if a['flow'].startswith('slow-') and a['state'] in FINAL:
                history = s.get(f'/v1/applications/{a["id"]}').get('history', [])
                system = [h for h in history if h.get('approver') == 'system'
                          and h.get('decision') in ('approve', 'reject', 'timeout')]
                if len(system) != 1:
                    v.append(f'I4 {a["number"]}: the level timeout decided {len(system)} times')

        # I4: no job lost or run twice for one due time
        done = collections.Counter()
        for j in jobs:
            due = parse_time(j['dueAt'])
            if j['status'] == 'FAILED':
                v.append(f'I4 job {j["id"]} ({j["kind"]} {j["refId"]}) FAILED: {j["lastError"]}')
            elif j['status'] == 'PENDING' and due < jobs_at - 2:
                v.append(f'I4 job {j["id"]} ({j["kind"]} {j["refId"]}) is pending '
                         f'{jobs_at - due:.1f} s past its due time')
            elif j['status'] == 'DONE':
                done[(j['kind'], j['refId'], j['dueAt'])] += 1
        for (kind, ref, due), n in done.items():
            if n > 1 and kind not in ('retention', 'approver-digest'):
                v.append(f'I4 {kind} for {ref} due {due} ran {n} times')
        self.figures['jobs done'] = sum(done.values())
        for k in keys.values():
            if k['id'] in self.checked_final:
                continue
            rows_ = key_mail[k['id']]
            exp = parse_time(k.get('expiresAt'))
            if exp and exp < now - 2 and k['state'] == 'EXPIRED':
                once('expired', rows_, f'key {k["id"]}')
            if k['state'] == 'ACTIVE' and exp and exp < now - 2:
                v.append(f'I4 key {k["id"]} is ACTIVE {now - exp:.1f} s past its expiry')
            rev = parse_time(k.get('revokeAt'))
            if rev and rev < now - 2 and k['state'] not in ('REVOKED', 'EXPIRED'):
                v.append(f'I4 key {k["id"]} is {k["state"]} {now - rev:.1f} s past its '
                         f'revocation time')
            if k.get('rotatedTo'):
                once('rotated', rows_, f'key {k["id"]}')
            for event in ('expiring-soon', 'expired', 'revoked', 'rotated'):
                n = sum(1 for mrow in rows_ if mrow['event'] == event)
                if n > 1:
                    v.append(f'I4 key {k["id"]}: {n} {event} mails in the outbox')
            if k['state'] in ('REVOKED', 'EXPIRED') and k['id'] in self.m.lineage and \
                    (not exp or exp >= now - 2) and (not rev or rev < now - 2):
                self.checked_final.add(k['id'])
        for a in apps:
            if a['state'] in FINAL:
                self.checked_final.add(a['id'])

        # I5: quota never over-served
        with self.m.lock:
            valid = dict(self.m.valid)
            quota = dict(self.m.quota)
            lineage = dict(self.m.lineage)
        remaining = collections.defaultdict(lambda: None)
        for kid, root in lineage.items():
            k = keys.get(kid)
            if k and k['state'] == 'ACTIVE' and not k.get('rotatedTo'):
                remaining[root] = k['remaining']
        for root, q in quota.items():
            served = valid.get(root, 0)
            if served > q:
                v.append(f'I5 lineage {root}: {served} VALID answers for a quota of {q}')
                with self.m.lock:
                    for t, what in self.m.events[root]:
                        v.append(f'   {t:.3f} {what}')
            if remaining[root] is not None and remaining[root] + served > q:
                v.append(f'I5 lineage {root}: remaining {remaining[root]} + {served} VALID '
                         f'answers > quota {q}')
        self.figures['VALID answers'] = sum(valid.values())
        self.figures['quota keys exhausted'] = sum(
            1 for root, q in quota.items() if valid.get(root, 0) == q)

        # I6: no plaintext key at rest
        with self.m.lock:
            known = set(self.m.plaintexts)
        self.figures['keys seen'] = len(known)
        if self.pg:
            files = self.pg.files()
        else:
            db = self.server.settings_db
            files = [db, db + '-wal', db + '-mailsent', db + '-journal']
        files.append(os.path.join(self.server.work, 'server.log'))
        for f in files:
            try:
                with open(f, 'rb') as fh:
                    data = fh.read()
            except OSError:
                continue
            hits = {h.decode() for h in KEY_RE.findall(data)} & known
            if hits:
                v.append(f'I6 {len(hits)} plaintext keys in {os.path.basename(f)}')
        return v


# ---------------------------------------------------------------------------------------------
# Scenarios

class Run:
    def __init__(self, a, store):
        self.a = a
        self.work = kwmail.workdir(f'kw-chaos-{store}.')
        self.pg = Postgres(self.work) if store == 'postgresql' else None
        self.sink = Sink(self.work)
        binary = os.path.join(self.work, 'keywarden')
        shutil.copy(a.binary, binary)  # a rebuild cannot swap it mid-run
        extra = {'smtp.connections': 2, 'keys.expiryReminder': '1s', 'quota.leaseBlock': 5,
                 'smtp.retryMax': '1s'}
        if self.pg:
            extra.update({'db.connector': 'postgresql', 'db.connection': self.pg.conninfo,
                          'cluster.pollInterval': '200ms'})
        self.server = Server(binary, self.work, self.sink.port, FLOWS[0], extra)
        flows = os.path.join(self.work, 'flows')
        for f in glob.glob(os.path.join(flows, '*.json')):
            os.remove(f)
        for flow in FLOWS:
            with open(os.path.join(flows, flow['id'] + '.json'), 'w') as fh:
                json.dump(flow, fh)
        self.server.settings_db = os.path.join(self.work, 'kw.db')
        self.model = Model()
        self.load = None
        self.checker = None
        self.recovery = []

    def setup(self, seed):
        self.recovery.append(self.server.start())
        code, body = self.server.call('POST', '/v1/clients', {
            'id': 'web', 'name': 'Web Shop', 'clientType': 'web',
            'contactEmail': 'ops@example.com'})
        if code != 201:
            raise RuntimeError(f'POST /v1/clients: {code} {body}')
        tokens = {'req': [self.server.cli('token', 'create', '--role', 'requester', '--email',
                                          f'req{i}@example.com') for i in range(2)]}
        self.load = Load(self.server, self.sink, self.model, tokens, seed)
        self.checker = Checker(self.server, self.sink, self.model, self.pg)

    def check(self, label, seed):
        self.load.pause()
        # Jobs keep falling due (expiry reminders, timeouts) and write mails while we look: a
        # mail still queued or on its way is looked at again after another settle.
        # The reads of one check are not one snapshot either (a timeout may issue a key between
        # the read of the applications and of the keys): a violation counts only when it is
        # still there after another settle and check. A broken store stays broken; a race heals.
        for _ in range(4):
            if not settle(self.server):
                print(f'{label}: did not settle within 60 s', flush=True)
            self.load.approver(random.Random(0), threading.local(), 0)  # collect the keys mailed
            v = self.checker.check()
            if not v:
                break
            time.sleep(0.5)
        if v:
            print(f'VIOLATION in {label} (seed {seed}; replay: tests/chaos/chaos.py --seed '
                  f'{seed} --trials {self.a.trials}):', flush=True)
            for line in v[:80]:
                print('  ' + line, flush=True)
        return v

    def close(self):
        if self.load:
            self.load.stop()
        self.server.stop()
        self.sink.stop()
        if self.pg:
            self.pg.stop()
        if self.a.keep:
            print('kept ' + self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def kill_trials(a, seed, figures):
    rnd = random.Random(seed)
    run = Run(a, 'sqlite')
    violations = 0
    try:
        run.setup(seed)
        run.load.resume()
        time.sleep(1.0)
        for trial in range(1, a.trials + 1):
            run.load.resume()
            time.sleep(rnd.uniform(0.2, 1.5))
            run.server.kill9()
            for events in run.model.events.values():
                events.append((time.time(), 'KILL'))
            figures['kills'] += 1
            run.recovery.append(run.server.start())
            figures['restarts'] += 1
            v = run.check(f'trial {trial}', seed)
            violations += len(v)
            if v and not a.go_on:
                break
            if trial % 10 == 0:
                print(f'trial {trial}: {run.model.submitted} applications, '
                      f'{len(run.model.plaintexts)} keys seen, {run.checker.figures["mails"]} '
                      f'mails, recovery {run.recovery[-1] * 1000:.0f} ms', flush=True)
        report_run(run, figures, 'kill -9 (SQLite)')
    finally:
        run.close()
    return violations


def report_run(run, figures, name):
    f = run.checker.figures
    figures['mails'] += f['mails']
    figures['duplicates'] += f['duplicates']
    figures['key-issued sent twice'] += f['key-issued sent twice']
    figures['applications'] += run.model.submitted
    figures['keys seen'] += f['keys seen']
    figures['VALID answers'] += f['VALID answers']
    figures['recovery'] += run.recovery[1:]
    if run.load.errors:
        print(f'{name}: harness errors: {run.load.errors[:5]}', flush=True)
    ops = ', '.join(f'{k}: {n}' for k, n in sorted(run.model.ops.items()))
    print(f'{name}: {ops}', flush=True)


def smtp_kill(a, seed, figures):
    """The SMTP sink killed mid-flow: mails wait in the outbox, go when it is back, none lost."""
    run = Run(a, 'sqlite')
    try:
        run.setup(seed)
        run.load.resume()
        time.sleep(2)
        run.sink.kill9()
        figures['SMTP kills'] += 1
        t = time.time()
        pending = 0
        while time.time() < t + 4:
            time.sleep(0.2)
            if run.server.call('GET', '/readyz')[0] != 200:
                print('smtp: /readyz refused while the SMTP sink was down')
                return 1
        pending = len(run.server.get('/v1/mail?status=PENDING')['mail'])
        figures['SMTP waiting'] = pending
        run.sink.start()
        time.sleep(2)
        v = run.check('SMTP kill', seed)
        print(f'SMTP sink killed for 4 s under load: {pending} mails waited in the outbox; '
              f'after its return {run.checker.figures["mails"]} mails, '
              f'{run.checker.figures["received"]} received, '
              f'{len(v)} violations', flush=True)
        report_run(run, figures, 'SMTP kill')
        return len(v) + (0 if pending else 1)
    finally:
        run.close()


def postgres_kill(a, seed, figures):
    """PostgreSQL killed mid-flow: checks answered from memory; writes refused with a clear
    error; after it returns everything continues; invariants hold."""
    run = Run(a, 'postgresql')
    bad = 0
    try:
        run.setup(seed)
        # one unlimited key the outage check uses
        code, out = run.server.call('POST', '/v1/keys', {'clientId': 'web', 'name': 'probe',
                                                         'scopes': ['orders:read']})
        probe = out['key']
        run.model.plaintexts.add(probe)
        run.load.resume()
        time.sleep(3)
        run.pg.kill9()
        figures['PostgreSQL kills'] += 1
        t = time.time()
        outcomes = collections.Counter()
        while time.time() < t + 4:
            c, o = run.server.call('POST', '/v1/keys/verify', {'key': probe})
            outcomes[f'verify {o["code"] if c == 200 else c}'] += 1
            c, o = run.server.call('POST', '/v1/keys', {'clientId': 'web', 'name': 'w',
                                                        'scopes': ['orders:read']})
            code = (o or {}).get('error', {}).get('code', '') if c != 201 else ''
            outcomes[f'write {c} {code}'] += 1
            if c == 201:
                run.model.plaintexts.add(o['key'])
            c, _ = run.server.call('GET', '/readyz')
            outcomes[f'readyz {c}'] += 1
            time.sleep(0.05)
        down = dict(outcomes)
        figures['PG verify VALID'] = outcomes['verify VALID']
        figures['PG verify asked'] = sum(n for k, n in outcomes.items() if k.startswith('verify'))
        figures['PG write refused'] = outcomes['write 503 STORE_UNAVAILABLE']
        figures['PG write asked'] = sum(n for k, n in outcomes.items() if k.startswith('write'))
        print(f'PostgreSQL down 4 s: {down}', flush=True)
        if any(k.startswith('verify') and k != 'verify VALID' for k in down):
            print('  a check was not answered VALID from memory while PostgreSQL was down')
            bad += 1
        if any(k.startswith('write') and k != 'write 503 STORE_UNAVAILABLE' for k in down):
            print('  a write was not refused with 503 STORE_UNAVAILABLE while PostgreSQL was down')
            bad += 1
        run.pg.start()
        t0 = time.time()
        while time.time() < t0 + 30:
            c, o = run.server.call('POST', '/v1/keys', {'clientId': 'web', 'name': 'w2',
                                                        'scopes': ['orders:read']})
            if c == 201:
                run.model.plaintexts.add(o['key'])
                break
            time.sleep(0.1)
        else:
            print('  writes did not come back within 30 s of PostgreSQL')
            bad += 1
        back = time.time() - t0
        ready = run.server.call('GET', '/readyz')[0]
        print(f'  PostgreSQL back: first write accepted after {back:.2f} s; /readyz {ready}',
              flush=True)
        figures['PostgreSQL write recovery'] = back
        time.sleep(3)
        v = run.check('PostgreSQL kill', seed)
        report_run(run, figures, 'PostgreSQL kill')
        return bad + len(v)
    finally:
        run.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--trials', type=int, default=100)
    p.add_argument('--seed', type=int, default=None)
    p.add_argument('--scenarios', default='sqlite,smtp,postgresql')
    p.add_argument('--binary', default=os.path.join(kwmail.ROOT, 'build/keywarden'))
    p.add_argument('--go-on', dest='go_on', action='store_true',
                   help='keep going after a violation')
    p.add_argument('--keep', action='store_true')
    a = p.parse_args()
    seed = a.seed if a.seed is not None else secrets.randbelow(2**31)
    print(f'chaos: seed {seed} (replay with --seed {seed})', flush=True)
    scenarios = a.scenarios.split(',')
    figures = collections.Counter()
    figures['recovery'] = []
    started = time.time()
    violations = 0
    if 'sqlite' in scenarios:
        violations += kill_trials(a, seed, figures)
    if 'smtp' in scenarios:
        violations += smtp_kill(a, seed, figures)
    if 'postgresql' in scenarios:
        violations += postgres_kill(a, seed, figures)
    rec = figures['recovery']
    print(f'\nchaos figures (seed {seed}, {time.time() - started:.0f} s, load '
          f'{open("/proc/loadavg").read().split()[0]}):')
    print('| figure | value |\n|---|---:|')
    rows = [('kill -9 trials (SQLite)', a.trials if 'sqlite' in scenarios else 0),
            ('kills (server)', figures['kills']), ('restarts', figures['restarts']),
            ('SMTP sink kills', figures['SMTP kills']),
            ('PostgreSQL kills', figures['PostgreSQL kills']),
            ('applications submitted', figures['applications']),
            ('keys seen (plaintext, scanned for at rest)', figures['keys seen']),
            ('VALID answers counted against quotas', figures['VALID answers']),
            ('mails (outbox)', figures['mails']),
            ('duplicates received (same Message-ID)', figures['duplicates']),
            ('key-issued mails received twice', figures['key-issued sent twice']),
            ('mean recovery to /readyz (ms)',
             f'{1000 * sum(rec) / len(rec):.0f}' if rec else '-'),
            ('max recovery (ms)', f'{1000 * max(rec):.0f}' if rec else '-'),
            ('SMTP sink down 4 s: mails waiting in the outbox, then delivered',
             figures['SMTP waiting'] if 'smtp' in scenarios else '-'),
            ('PostgreSQL down 4 s: checks of an unlimited key answered VALID / asked',
             f'{figures["PG verify VALID"]} / {figures["PG verify asked"]}'
             if 'postgresql' in scenarios else '-'),
            ('PostgreSQL down 4 s: writes refused 503 STORE_UNAVAILABLE / tried',
             f'{figures["PG write refused"]} / {figures["PG write asked"]}'
             if 'postgresql' in scenarios else '-'),
            ('PostgreSQL back: first write accepted after (ms)',
             f'{1000 * figures["PostgreSQL write recovery"]:.0f}'
             if 'postgresql' in scenarios else '-'),
            ('violations', violations)]
    for name, value in rows:
        print(f'| {name} | {value} |')
    return 1 if violations else 0


if __name__ == '__main__':
    sys.exit(main())
