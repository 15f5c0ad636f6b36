#!/usr/bin/python3
"""The `make run` demo's mail catcher: an SMTP server on loopback (Debian's python3-aiosmtpd) that
keeps every mail under DIR as NNNNNN.eml and lists them, newest first, in DIR/index.html with
their links clickable, so a newcomer reads the sign-in links, approval requests and keys in a
browser. For the demo only: it accepts anything from anyone who can reach the port.
"""
import argparse
import email
import email.policy
import html
import os
import re
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller

URL = re.compile(r'https?://[^\s<>"\')]+')


def text_of(msg):
    part = msg.get_body(preferencelist=('plain', 'html'))
    return part.get_content() if part is not None else ''


class Catcher:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Lock()
        os.makedirs(out, exist_ok=True)
        self.n = len([f for f in os.listdir(out) if f.endswith('.eml')])

    def index(self):
        rows = []
        for name in sorted((f for f in os.listdir(self.out) if f.endswith('.eml')), reverse=True):
            with open(os.path.join(self.out, name), 'rb') as f:
                msg = email.message_from_bytes(f.read(), policy=email.policy.default)
            body = html.escape(text_of(msg))
            body = URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', body)
            rows.append(f'<article><h2>{html.escape(str(msg["subject"] or ""))}</h2>'
                        f'<p class="meta">to {html.escape(str(msg["to"] or ""))} · {html.escape(str(msg["date"] or ""))}'
                        f' · <a href="{name}">raw</a></p><pre>{body}</pre></article>')
        page = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                '<title>Keywarden demo mail</title><style>body{font-family:sans-serif;max-width:860px;'
                'margin:0 auto;padding:12px}article{border:1px solid #ccc;border-radius:6px;padding:8px 12px;'
                'margin:12px 0}pre{white-space:pre-wrap;overflow-wrap:anywhere}.meta{color:#555;font-size:.9em}'
                '</style></head><body><h1>Mail sent by the Keywarden demo</h1>'
                '<p>Newest first. Reload to see new mail.</p>' + ''.join(rows) + '</body></html>')
        tmp = os.path.join(self.out, 'index.html.tmp')
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(page)
        os.rename(tmp, os.path.join(self.out, 'index.html'))

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            name = f'{self.n:06d}.eml'
            with open(os.path.join(self.out, name), 'wb') as f:
                f.write(envelope.original_content)
            self.index()
        return '250 OK'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--listen', default='127.0.0.1:2525')
    p.add_argument('--dir', default='var/mail')
    a = p.parse_args()
    host, port = a.listen.rsplit(':', 1)
    catcher = Catcher(a.dir)
    catcher.index()
    controller = Controller(catcher, hostname=host, port=int(port))
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    controller.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
