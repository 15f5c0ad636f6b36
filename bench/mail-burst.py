#!/usr/bin/python3
"""make bench-mail: how fast Keywarden's outbox delivers a burst of key-issued mails, beside the
receiver's own ceiling, in one run against the same strict receiver (tests/support/strict_smtp.py).

1. The receiver's ceiling: a Python client (smtplib) sends N messages of the size Keywarden
   writes, over one session and with a session per message.
2. Keywarden (SQLite, smtp.connections as given): N applications through a flow of two levels,
   both approved over the API from several threads as fast as it answers; for each, the time from
   its last approval to its key-issued mail in the receiver's store. Also the delivery rate while
   the sender had work waiting (all mails received from the first approval to the last key).
3. Keywarden draining a backlog: N mails due at once (the receiver started after they were
   written), the rate from the first to the last one received.
Figures are printed, not asserted.
Usage: bench/mail-burst.py [--count 300] [--connections 2] [--binary build/keywarden]
"""
import argparse
import email.message
import email.policy
import email.utils
import os
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                'tests', 'chaos'))
import kwmail  # noqa: E402


def wait_count(receiver, n, seconds, pred=lambda m: True):
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = [m for m in receiver.messages() if pred(m)]
        if len(got) >= n:
            return got
        time.sleep(0.05)
    return [m for m in receiver.messages() if pred(m)]


def sample_message(i):
    m = email.message.EmailMessage(policy=email.policy.SMTP)
    m['From'] = 'Keywarden <keywarden@localhost>'
    m['To'] = 'req@example.com'
    m['Subject'] = f'Your API key for orders (KA-{i})'
    m['Date'] = email.utils.formatdate(usegmt=False)
    m['Message-ID'] = f'<ceiling-{i}@bench>'
    body = ('Your key was issued.\n' + 'A line of text of the usual length for the mail.\n' * 30)
    m.set_content(body, cte='quoted-printable')
    m.add_alternative('<p>' + body.replace('\n', '<br>\n') + '</p>', subtype='html',
                      cte='quoted-printable')
    return m.as_bytes()


def ceiling(receiver, n):
    msgs = [sample_message(i) for i in range(n)]
    t = time.time()
    with smtplib.SMTP('127.0.0.1', receiver.port, local_hostname='bench.example.com') as c:
        for raw in msgs:
            c.sendmail('keywarden@localhost', ['req@example.com'], raw)
    one = n / (time.time() - t)
    receiver.clear()
    t = time.time()
    for raw in msgs:
        with smtplib.SMTP('127.0.0.1', receiver.port, local_hostname='bench.example.com') as c:
            c.sendmail('keywarden@localhost', ['req@example.com'], raw)
    each = n / (time.time() - t)
    receiver.clear()
    return one, each


def run_threads(n, fn, items):
    chunks = [items[i::n] for i in range(n)]
    threads = [threading.Thread(target=lambda c=c: [fn(x) for x in c]) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--count', type=int, default=300)
    p.add_argument('--connections', type=int, default=2)
    p.add_argument('--receiver', choices=('strict', 'fast', 'fsync'), default='strict',
                   help='strict: checks every message (slow); fast: a real MTA\'s speed; '
                        'fsync: fast plus an fsync before each 250')
    p.add_argument('--binary', default=os.path.join(kwmail.ROOT, 'build/keywarden'))
    a = p.parse_args()
    n = a.count
    work = kwmail.workdir('kw-bench-mail.')
    receiver = kwmail.Receiver(work, a.receiver)
    flow = {'id': 'two', 'priority': 0, 'match': {}, 'levels': [
        {'name': 'Team lead', 'approvers': ['lead@example.com'], 'policy': 'any'},
        {'name': 'Security', 'approvers': ['sec@example.com'], 'policy': 'any'}]}
    server = kwmail.Server(a.binary, work, receiver.port, flow,
                           {'smtp.connections': a.connections})
    try:
        one, each = ceiling(receiver, n)
        print(f'receiver ceiling ({n} mails, Python smtplib): {one:.0f} mails/s over one session, '
              f'{each:.0f} mails/s with a session per mail', flush=True)

        server.start()
        server.call('POST', '/v1/clients', {'id': 'web', 'name': 'Web Shop', 'clientType': 'web'})
        req = server.cli('token', 'create', '--role', 'requester', '--email', 'req@example.com')
        lead = server.cli('token', 'create', '--role', 'approver', '--email', 'lead@example.com')
        sec = server.cli('token', 'create', '--role', 'approver', '--email', 'sec@example.com')
        ids = []
        for i in range(n):
            code, body = server.call('POST', '/v1/applications',
                                     {'kind': 'new', 'clientId': 'web', 'keyName': f'k{i}',
                                      'scopes': ['orders:read'], 'quota': 50}, token=req)
            if code != 201:
                raise RuntimeError(f'submit: {code} {body}')
            ids.append((body['id'], body['number']))
        if not server.wait_drained(120):
            raise RuntimeError('the approval requests were not sent within 120 s')
        receiver.clear()
        approved = {}
        lock = threading.Lock()

        def decide(token, level):
            def fn(item):
                conn = kwmail.http.client.HTTPConnection('127.0.0.1', server.port, timeout=30)
                for _ in range(20):
                    code, body = server.call('POST', f'/v1/applications/{item[0]}/decisions',
                                             {'decision': 'approve'}, token=token, conn=conn)
                    if code == 200 or code == 201:
                        break
                    if code != 409 and code != 503:
                        raise RuntimeError(f'decide: {code} {body}')
                    time.sleep(0.05)
                conn.close()
                if level == 2:
                    with lock:
                        approved[item[1]] = time.time()
            return fn

        t0 = time.time()
        run_threads(4, decide(lead, 1), ids)
        run_threads(4, decide(sec, 2), ids)
        t_last_approval = time.time()
        keys = wait_count(receiver, n, 120, 
                           lambda m: 'req@' in m.get('to', '') and 'API key' in m.get('subject', ''))
        by_number = {}
        for m in keys:
            for _, number in ids:
                if number in m.get('subject', ''):
                    by_number[number] = min(by_number.get(number, m['_at']), m['_at'])
                    break
        waits = sorted(by_number[k] - approved[k] for k in by_number if k in approved)
        all_mail = receiver.messages()
        last_key = max(m['_at'] for m in keys) if keys else t0
        span = last_key - t0
        print(f'keywarden burst: {n} applications approved through two levels over the API in '
              f'{t_last_approval - t0:.1f} s ({2 * n / (t_last_approval - t0):.0f} decisions/s); '
              f'{len(keys)} key-issued mails received, the last {last_key - t_last_approval:.2f} s '
              f'after the last approval', flush=True)
        if waits:
            print(f'  last approval -> key in the inbox: median {waits[len(waits) // 2]:.2f} s, '
                  f'max {waits[-1]:.2f} s')
        print(f'  mails received from the first approval to the last key: {len(all_mail)} in '
              f'{span:.1f} s = {len(all_mail) / span:.0f} mails/s '
              f'(smtp.connections={a.connections})', flush=True)
        server.stop()

        # 3. A backlog drained: N due mails, the receiver started after they were written.
        receiver.stop()
        receiver2 = None
        flow0 = dict(flow, levels=[])
        work2 = kwmail.workdir('kw-bench-mail2.')
        port = kwmail.free_port()
        drain = kwmail.Server(a.binary, work2, port, flow0,
                              {'smtp.connections': a.connections, 'smtp.retryMax': '2s'})
        drain.start()
        drain.call('POST', '/v1/clients', {'id': 'web', 'name': 'Web Shop', 'clientType': 'web'})
        req2 = drain.cli('token', 'create', '--role', 'requester', '--email', 'req@example.com')
        for i in range(n):
            drain.call('POST', '/v1/applications', {'kind': 'new', 'clientId': 'web',
                                                    'keyName': f'k{i}', 'scopes': ['orders:read'],
                                                    'quota': 50}, token=req2)
        drain.stop()  # all N wait in the outbox, due now
        receiver2 = kwmail.Receiver(work2, a.receiver)
        drain2 = kwmail.Server.__new__(kwmail.Server)
        drain2.__dict__.update(drain.__dict__)
        with open(drain.config) as f:
            text = f.read().replace(f'smtp.port = {port}', f'smtp.port = {receiver2.port}')
        with open(drain.config, 'w') as f:
            f.write(text)
        drain2.proc = None
        drain2.start()
        got = wait_count(receiver2, n, 120)
        ts = sorted(m['_at'] for m in got)
        if len(ts) > 1:
            rate = (len(ts) - 1) / (ts[-1] - ts[0])
            print(f'keywarden backlog: {len(ts)} due mails drained at {rate:.0f} mails/s '
                  f'= {rate / one:.2f} x the one-session ceiling, {rate / each:.2f} x the '
                  f'session-per-mail ceiling (smtp.connections={a.connections})', flush=True)
        drain2.stop()
        receiver2.stop()
        return 0
    finally:
        server.stop()
        try:
            receiver.stop()
        except Exception:
            pass


if __name__ == '__main__':
    sys.exit(main())
