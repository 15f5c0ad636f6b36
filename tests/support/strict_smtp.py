#!/usr/bin/python3
"""A strict SMTP receiver for Keywarden's tests (Debian's python3-aiosmtpd).

It refuses (5xx) what strict real servers refuse — Exchange Online's 550 5.6.11, Postfix with
smtpd_forbid_bare_newline, reject_non_fqdn_helo_hostname — and what a careful reader of RFC 5321,
5322 and 2045-2047 would: a bare CR or LF anywhere, 8-bit bytes, a line over 998 characters, a
header line over 78 or a folded line holding only white space, a header the email package finds
a defect in, a Date without a numeric zone, an encoded word over 75 characters, not UTF-8, or
holding part of a character, a quoted-printable line over 76, a part that is not valid UTF-8, and
an EHLO name that is neither a domain name with a dot nor an address literal.

Each accepted message is written to DIR/new/NNNNNN.eml (the bytes as received, dot-unstuffed)
and DIR/new/NNNNNN.json (envelope, session facts and decoded fields); each refusal is a line in
DIR/refused.log. RCPT TO an address starting with "reject" gets 550, with "later" 451.

--fast is for the crash and burst figures, not for wire tests: it checks nothing and takes each
message about as quickly as a real MTA commits its queue file (no parsing; the fields come from a
scan of the header lines; with --fsync the .eml is fsynced before the 250, as Postfix does).
"""
import argparse
import base64
import binascii
import email.header
import email.policy
import email.parser
import ipaddress
import itertools
import json
import os
import quopri
import re
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

ENCODED_WORD = re.compile(r'=\?([^?\s]*)\?([BbQq])\?([^?\s]*)\?=')
DATE = re.compile(r'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|'
                  r'Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$')
LABEL = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$')


def greeting_name_ok(name):
    if name.startswith('[') and name.endswith(']'):
        inner = name[1:-1]
        try:
            if inner.startswith('IPv6:'):
                ipaddress.IPv6Address(inner[5:])
            else:
                ipaddress.IPv4Address(inner)
            return True
        except ValueError:
            return False
    try:
        ipaddress.ip_address(name)
        return False  # a bare IP
    except ValueError:
        pass
    labels = name.split('.')
    return len(labels) >= 2 and all(LABEL.match(l) for l in labels)


def check_encoded_words(name, value):
    for m in ENCODED_WORD.finditer(value):
        word = m.group(0)
        if len(word) > 75:
            return f'{name}: encoded word of {len(word)} characters (RFC 2047 allows 75)'
        if m.group(1).lower() != 'utf-8':
            return f'{name}: encoded word in charset {m.group(1)}'
        before = value[m.start() - 1] if m.start() > 0 else ' '
        after = value[m.end()] if m.end() < len(value) else ' '
        if not before.isspace() or not (after.isspace() or after == ''):
            return f'{name}: encoded word not separated by white space'
        try:
            if m.group(2) in 'Bb':
                data = base64.b64decode(m.group(3), validate=True)
            else:
                data = quopri.decodestring(m.group(3).replace('_', ' '), header=True)
        except (binascii.Error, ValueError):
            return f'{name}: encoded word does not decode'
        try:
            data.decode('utf-8')
        except UnicodeDecodeError:
            return f'{name}: encoded word {word} is not whole UTF-8 (a character split across words?)'
    return None


def check(raw):
    """Returns (None, message) or (reason, None)."""
    m = re.search(rb'\r(?!\n)|(?<!\r)\n', raw)
    if m:
        return f'bare CR or LF at byte {m.start()}', None
    if re.search(rb'[\x80-\xff]', raw):
        return '8-bit data in a message', None
    lines = raw.split(b'\r\n')
    if any(len(l) > 998 for l in lines):
        return 'a line over 998 characters', None
    end = raw.find(b'\r\n\r\n')
    if end < 0:
        return 'no end of header', None
    for line in raw[:end].split(b'\r\n'):
        if len(line) > 78:
            return f'header line over 78 characters: {line[:40]!r}', None
        if line[:1] in (b' ', b'\t') and not line.strip():
            return 'a folded header line holding only white space', None
    policy = email.policy.SMTP.clone(raise_on_defect=True)
    try:
        msg = email.parser.BytesParser(policy=policy).parsebytes(raw)
    except Exception as e:  # noqa: BLE001 - any parse defect is a refusal
        return f'message defect: {e}', None
    for name, value in msg.raw_items():
        why = check_encoded_words(name, value)
        if why:
            return why, None
        try:
            parsed = msg[name]  # the header's parsed form, with its defects
            if parsed.defects:
                return f'{name}: {parsed.defects[0]}', None
        except Exception as e:  # noqa: BLE001
            return f'{name}: {e}', None
    for required in ('Date', 'From', 'To', 'Subject', 'Message-ID', 'MIME-Version'):
        if len(msg.get_all(required, [])) != 1:
            return f'not exactly one {required} header', None
    date_raw = dict((k.lower(), v) for k, v in msg.raw_items())['date'].strip()
    if not DATE.match(date_raw) or msg['Date'].datetime is None:
        return f'Date {date_raw!r} is not an RFC 5322 date with a numeric zone', None
    text = html = ''
    for part in msg.walk():
        if part.is_multipart():
            continue
        if (part.get_content_charset() or '').lower() != 'utf-8':
            return f'{part.get_content_type()} part without charset=UTF-8', None
        cte = part.get('Content-Transfer-Encoding', '7bit').lower()
        if cte == 'quoted-printable':
            body = part.get_payload(decode=False)
            if any(len(l) > 76 for l in body.split('\r\n')):
                return 'a quoted-printable line over 76 characters', None
        try:
            content = part.get_payload(decode=True).decode('utf-8')
        except UnicodeDecodeError:
            return f'{part.get_content_type()} part is not UTF-8', None
        if part.get_content_type() == 'text/html':
            html = content
        else:
            text = content
    fields = {
        'to': str(msg['To']),
        'from': str(msg['From']),
        'subject': str(msg['Subject']),
        'messageId': str(msg['Message-ID']),
        'date': date_raw,
        'text': text,
        'html': html,
    }
    return None, fields


HEADER_FIELD = re.compile(rb'^(To|From|Subject|Message-ID|Date):[ \t]*(.*)$', re.I | re.M)


def quick_fields(raw):
    """The fields the harnesses read, without parsing the message (--fast)."""
    end = raw.find(b'\r\n\r\n')
    head = raw[:end if end >= 0 else len(raw)]
    out = {}
    for m in HEADER_FIELD.finditer(head):
        key = {'to': 'to', 'from': 'from', 'subject': 'subject', 'message-id': 'messageId',
               'date': 'date'}[m.group(1).decode().lower()]
        value = m.group(2).decode('ascii', 'replace').strip()
        if key == 'subject':
            value = str(email.header.make_header(email.header.decode_header(value)))
        out.setdefault(key, value)
    return out


class Strict:
    def __init__(self, out, strict, fast=False, fsync=False):
        self.out = out
        self.strict = strict
        self.fast = fast
        self.fsync = fsync
        self.seq = itertools.count(1)
        self.lock = threading.Lock()
        os.makedirs(os.path.join(out, 'new'), exist_ok=True)

    def refuse(self, why):
        with open(os.path.join(self.out, 'refused.log'), 'a') as f:
            f.write(why + '\n')

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.strict and not greeting_name_ok(session.host_name or ''):
            self.refuse(f'EHLO {session.host_name}')
            return '550 5.7.1 EHLO needs a domain name with a dot or an address literal'
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return '250 OK'

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('reject'):
            return '550 5.1.1 no such user here'
        if address.startswith('later'):
            return '451 4.3.0 try again later'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        why, fields = (None, quick_fields(raw)) if self.fast else check(raw)
        if why and self.strict:
            self.refuse(why)
            return '550 5.6.0 refused by the strict test receiver: ' + why
        fields = fields or {}
        fields.update({
            'mailFrom': envelope.mail_from,
            'rcptTos': envelope.rcpt_tos,
            'helo': session.host_name,
            'tls': session.ssl is not None,
            'authMechanism': getattr(session, 'kw_mechanism', ''),
            'authLogin': getattr(session, 'kw_login', ''),
            'peerPort': session.peer[1] if session.peer else 0,
        })
        with self.lock:
            n = next(self.seq)
        base = os.path.join(self.out, 'new', f'{n:06d}')
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(raw)
            if self.fsync:
                f.flush()
                os.fsync(f.fileno())
        os.rename(base + '.eml.tmp', base + '.eml')
        with open(base + '.json.tmp', 'w', encoding='utf-8') as f:
            json.dump(fields, f, ensure_ascii=False)
        os.rename(base + '.json.tmp', base + '.json')
        return '250 OK'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--listen', required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--auth', help='user:password')
    p.add_argument('--mechanisms', default='PLAIN,LOGIN')
    p.add_argument('--lenient', action='store_true')
    p.add_argument('--fast', action='store_true', help='no checks, no parsing (figures only)')
    p.add_argument('--fsync', action='store_true', help='fsync each message before the 250')
    a = p.parse_args()
    host, port = a.listen.rsplit(':', 1)
    kwargs = {}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kwargs.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(':', 1)
        wanted = set(a.mechanisms.split(','))

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (auth_data.login.decode() == user and auth_data.password.decode() == password)
            if ok:
                session.kw_mechanism = mechanism
                session.kw_login = user
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(a.cert),
                      auth_exclude_mechanism=[m for m in ('PLAIN', 'LOGIN') if m not in wanted])
    controller = Controller(Strict(a.dir, not a.lenient and not a.fast, a.fast, a.fsync), hostname=host, port=int(port),
                            **kwargs)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print('listening', flush=True)
    while not stop.wait(0.5):
        pass
    controller.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
