#!/usr/bin/python3
"""Checks every answer the integration suite received (KW_OPENAPI_RECORD lines written by
tests/support/HttpClient) against docs/openapi.json: the path and method are documented, the
status is declared for that operation, and a JSON body validates against the declared schema
(OpenAPI 3.0 schemas read as JSON Schema draft 4, `nullable` as a null alternative).
Answers to paths no operation documents must be 404, 405 or a refused request head (400, 408,
413, 431). Prints one line per kind of violation with a count and an example; exit 1 on any.

Usage: check_responses.py OPENAPI_JSON RECORD_JSONL [RECORD_JSONL ...]
"""
import collections
import copy
import json
import re
import sys
import warnings

import jsonschema

warnings.filterwarnings('ignore', category=DeprecationWarning)


# What any path may answer before or without an operation: a refused request head (400, 408,
# 413, 431), no such path (404), a method the path does not serve (405), and a client address
# blocked by the brute-force defence (429: the web pages' sign-in links and form, which this
# document does not describe).
REFUSED = (400, 404, 405, 408, 413, 429, 431)

# The web pages (contract §7: HTML for people, described in docs/portal.md, not in this API
# document). Their answers are checked by the browser and integration tests instead.
WEB_PAGES = ('/signin', '/signout', '/apply', '/applications', '/keys', '/inbox', '/admin',
             '/language', '/static')


def to_json_schema(node):
    """OpenAPI 3.0 schema objects → JSON Schema draft 4 (nullable → a null alternative)."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items()
           if k not in ('nullable', 'example', 'x-multi-segment', 'discriminator', 'xml',
                        'externalDocs', 'deprecated', 'readOnly', 'writeOnly')}
    if node.get('nullable'):
        t = out.get('type')
        if isinstance(t, str) and not any(k in out for k in ('allOf', 'oneOf', 'anyOf', '$ref')):
            out['type'] = [t, 'null']
            if 'enum' in out:
                out['enum'] = list(out['enum']) + [None]
        else:
            out = {'anyOf': [out, {'type': 'null'}]}
    return out


def operations(doc):
    ops = []
    params = doc['components'].get('parameters', {})
    for template, item in doc['paths'].items():
        multi = False
        for prm in item.get('parameters', []):
            ref = prm.get('$ref', '')
            if ref and params.get(ref.split('/')[-1], {}).get('x-multi-segment'):
                multi = True
        rx = ''
        for part in re.split(r'(\{[^}]+\})', template):
            if part.startswith('{'):
                rx += '.+' if multi else '[^/]+'
            else:
                rx += re.escape(part)
        for method, op in item.items():
            if method in ('get', 'post', 'put', 'patch', 'delete'):
                ops.append((re.compile('^' + rx + '$'), method.upper(), template, op))
    # Literal templates before parameterised ones (/v1/keys/verify before /v1/keys/{id}).
    ops.sort(key=lambda o: o[2].count('{'))
    return ops


def main():
    doc = json.load(open(sys.argv[1], encoding='utf-8'))
    converted = to_json_schema(copy.deepcopy(doc))
    resolver = jsonschema.RefResolver.from_schema(converted)
    responses = converted['components'].get('responses', {})
    ops = operations(doc)
    problems = collections.OrderedDict()
    checked = 0

    def problem(kind, example):
        if kind not in problems:
            problems[kind] = [0, example]
        problems[kind][0] += 1

    for name in sys.argv[2:]:
        with open(name, encoding='utf-8', errors='replace') as f:
            for line in f:
                if not line.strip():
                    continue
                r = json.loads(line)
                checked += 1
                path = r['path'].split('?', 1)[0]
                matched = [o for o in ops if o[0].match(path)]
                if not matched:
                    if path == '/' or path in WEB_PAGES or path.startswith(tuple(p + '/' for p in WEB_PAGES)):
                        continue
                    if r['status'] not in REFUSED:
                        problem(f'undocumented path answered {r["status"]}', r['method'] + ' ' + path)
                    continue
                # The most specific template that matches decides (a literal before a parameter).
                best = matched[0][2]
                matched = [o for o in matched if o[2] == best]
                # HEAD is GET without content (RFC 9110 §9.3.2).
                method = 'GET' if r['method'] == 'HEAD' else r['method']
                same = [o for o in matched if o[1] == method]
                if not same:
                    # 403: the gate refuses methods it cannot be sure of (lower case, overrides).
                    if r['status'] not in REFUSED + (403, 501):
                        problem(f'{r["method"]} on {best} answered {r["status"]}', path)
                    continue
                _, method, template, op = same[0]
                if r['method'] == 'HEAD' or r['body'] is None:
                    r['body'] = ''  # no content, or too long to record
                declared = op.get('responses', {})
                status = str(r['status'])
                resp = declared.get(status) or declared.get(status[0] + 'XX') or declared.get('default')
                if resp is None:
                    problem(f'{method} {template}: status {status} not declared',
                            r['body'][:160])
                    continue
                if '$ref' in resp:
                    resp = responses.get(resp['$ref'].split('/')[-1], {})
                else:
                    resp = to_json_schema(resp)
                schema = resp.get('content', {}).get('application/json', {}).get('schema')
                if not schema or 'json' not in r.get('contentType', '') or not r['body']:
                    continue
                try:
                    body = json.loads(r['body'])
                except ValueError:
                    problem(f'{method} {template} {status}: body is not JSON', r['body'][:160])
                    continue
                try:
                    jsonschema.Draft4Validator(schema, resolver=resolver).validate(body)
                except jsonschema.ValidationError as e:
                    where = '/'.join(str(p) for p in e.absolute_path)
                    problem(f'{method} {template} {status}: at "{where}": {e.message[:200]}',
                            r['body'][:200])
    print(f'openapi_responses: {checked} answers checked against {sys.argv[1]}')
    for kind, (n, example) in problems.items():
        print(f'  {n:5d} x {kind}\n          e.g. {example}')
    return 1 if problems or checked == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
