"""Shared pieces of the mail chaos harness and the mail burst benchmark: a strict receiver
(tests/support/strict_smtp.py), a Keywarden server process on SQLite, and a small HTTP client.
Nothing here is a test assertion; the scripts that import it print figures."""
import glob
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


_GIVEN_PORTS = set()


def free_port():
    """A loopback port that was free a moment ago: below the kernel's ephemeral range (an
    outgoing connection may take a port inside it at any moment) and never the same twice in
    this process (bind(0) may hand one out twice in a row)."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    low = low if low > 12000 else 32768
    for _ in range(1000):
        port = random.randint(10000, low - 1)
        if port in _GIVEN_PORTS:
            continue
        with socket.socket() as s:
            try:
                s.bind(('127.0.0.1', port))
            except OSError:
                continue
        _GIVEN_PORTS.add(port)
        return port
    raise RuntimeError(f'no free port below {low}')


class Receiver:
    """The strict aiosmtpd receiver, writing each accepted message to DIR/new/NNNNNN.json.
    kind 'strict' checks every message (about 21 ms each on the development machine); 'fast'
    checks nothing and stands for a real MTA's queue commit; 'fsync' is 'fast' plus an fsync
    of each message before the 250, as Postfix does."""

    def __init__(self, work, kind='strict'):
        self.dir = os.path.join(work, 'inbox')
        self.port = free_port()
        self.proc = subprocess.Popen(
            ['/usr/bin/python3', os.path.join(ROOT, 'tests/support/strict_smtp.py'),
             '--listen', f'127.0.0.1:{self.port}', '--dir', self.dir]
            + {'strict': [], 'fast': ['--fast'], 'fsync': ['--fast', '--fsync']}[kind],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if self.proc.stdout.readline().strip() != 'listening':
            raise RuntimeError('the strict SMTP receiver did not start')

    def messages(self):
        out = []
        for f in sorted(glob.glob(os.path.join(self.dir, 'new', '*.json'))):
            with open(f, encoding='utf-8') as fh:
                m = json.load(fh)
            m['_at'] = os.stat(f).st_mtime
            out.append(m)
        return out

    def clear(self):
        for f in glob.glob(os.path.join(self.dir, 'new', '*')):
            os.remove(f)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


class Server:
    """build/keywarden serve on SQLite in WORK, mailing to `smtp_port`."""

    def __init__(self, binary, work, smtp_port, flow, extra=None):
        self.binary = binary
        self.work = work
        self.port = free_port()
        self.admin = 'kwt_admin_' + secrets.token_hex(16)
        flows = os.path.join(work, 'flows')
        os.makedirs(flows, exist_ok=True)
        with open(os.path.join(flows, 'flow.json'), 'w') as f:
            json.dump(flow, f)
        settings = {
            'http.port': self.port, 'http.address': '127.0.0.1',
            'db.connection': os.path.join(work, 'kw.db'),
            'smtp.host': '127.0.0.1', 'smtp.port': smtp_port, 'smtp.retryMax': '1s',
            'workflows.dir': flows, 'templates.dir': os.path.join(ROOT, 'templates'),
            'public.baseUrl': f'http://127.0.0.1:{self.port}',
        }
        settings.update(extra or {})
        self.config = os.path.join(work, 'kw.properties')
        with open(self.config, 'w') as f:
            for k, v in settings.items():
                f.write(f'{k} = {v}\n')
        self.env = dict(os.environ, KEYWARDEN_SECRET=secrets.token_hex(32),
                        KEYWARDEN_BOOTSTRAP_ADMINTOKEN=self.admin)
        self.proc = None
        self.log = open(os.path.join(work, 'server.log'), 'ab')

    def start(self):
        self.proc = subprocess.Popen([self.binary, 'serve', '--config', self.config],
                                     env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.call('GET', '/healthz')[0] == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError('keywarden exited at start-up; see ' + self.work)
            time.sleep(0.02)
        raise RuntimeError('keywarden did not answer /healthz')

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def cli(self, *args):
        return subprocess.run([self.binary, *args, '--config', self.config], env=self.env,
                              check=True, capture_output=True, text=True).stdout.strip()

    def call(self, method, path, body=None, token=None, conn=None):
        own = conn is None
        c = conn or http.client.HTTPConnection('127.0.0.1', self.port, timeout=10)
        try:
            headers = {'Authorization': 'Bearer ' + (token or self.admin)}
            if body is not None:
                headers['Content-Type'] = 'application/json'
                body = json.dumps(body)
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            return r.status, (json.loads(data) if data else None)
        finally:
            if own:
                c.close()

    def mail(self, status=''):
        code, body = self.call('GET', '/v1/mail' + (f'?status={status}' if status else ''))
        if code != 200:
            raise RuntimeError(f'GET /v1/mail: {code} {body}')
        return body['mail']

    def wait_drained(self, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if not self.mail('PENDING') and not self.mail('SENDING'):
                return True
            time.sleep(0.05)
        return False


def workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)
