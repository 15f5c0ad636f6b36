// The admin console (issue 15) in a real browser: Debian's chromium driven by playwright-core,
// against the real server and the strict test SMTP receiver. An admin signs in from the mailed
// link, registers a client and two APIs (a bad one refused next to its field), issues a key,
// sees its usage chart move after checks the test makes, disables and re-enables it (each
// confirmed), revokes it at a time, reads the mail log, resends a mail the receiver refused
// (to a corrected address), creates a token (shown once, then working) and revokes it (then
// refused). A signed-in person who is not an admin gets the 403 page. Every console page is
// screenshotted at 1280 px (and 390 px) into --artifacts and checked with axe-core (no serious
// or critical violation).
//
//   node tests/browser/admin.mjs --binary build/keywarden --artifacts build/browser-artifacts
//        [--db-connector postgresql --db-connection "host=127.0.0.1 port=5432 dbname=kw user=kw"]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core is missing: run `make deps` (npm ci in tests/browser)');
  process.exit(1);
}
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const binary = path.resolve(args.binary || path.join(source, 'build', 'keywarden'));
const artifacts = path.resolve(args.artifacts || path.join(source, 'build', 'browser-artifacts'));
fs.mkdirSync(artifacts, { recursive: true });

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-admin-'));
const children = [];
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures++;
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const secrets = [];  // every token, link and key seen: none may appear in the server's log
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function start(cmd, argv, env, name) {
  const log = fs.openSync(path.join(artifacts, `admin-${name}.log`), 'w');
  const child = spawn(cmd, argv, { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}
function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);

// The mails the strict receiver accepted, as JSON (envelope and decoded text).
function mails() {
  const dir = path.join(work, 'mail', 'new');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
}
async function mailTo(address, pattern, seen = 0, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = mails().filter((m) => m.rcptTos.includes(address)).slice(seen)
      .map((m) => (m.text || '').match(pattern)).find(Boolean);
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`no mail to ${address} matching ${pattern} within ${timeoutMs} ms`);
}
const mailCount = (address) => mails().filter((m) => m.rcptTos.includes(address)).length;

const httpPort = await freePort();
const smtpPort = await freePort();
const base = `http://127.0.0.1:${httpPort}`;
const adminToken = 'kwt_browser_' + 'a'.repeat(32);
start('/usr/bin/python3', [path.join(source, 'tests/support/strict_smtp.py'), '--listen', `127.0.0.1:${smtpPort}`,
  '--dir', path.join(work, 'mail')], {}, 'smtp');
const server = start(binary, ['serve'], {
  KEYWARDEN_SECRET: 'b'.repeat(64),
  KEYWARDEN_HTTP_PORT: String(httpPort),
  KEYWARDEN_PUBLIC_BASEURL: base,
  // --db-connector postgresql --db-connection "host=… dbname=…" runs the journey on PostgreSQL.
  KEYWARDEN_DB_CONNECTOR: args['db-connector'] || 'sqlite',
  KEYWARDEN_DB_CONNECTION: args['db-connection'] || path.join(work, 'kw.db'),
  KEYWARDEN_SMTP_PORT: String(smtpPort),
  KEYWARDEN_SMTP_HELONAME: 'keywarden.test',
  KEYWARDEN_BOOTSTRAP_ADMINTOKEN: adminToken,
  KEYWARDEN_WORKFLOWS_DIR: path.join(source, 'workflows'),
  KEYWARDEN_TEMPLATES_DIR: path.join(source, 'templates'),
  KEYWARDEN_PORTAL_REQUESTERDOMAINS: 'dev.example',
  KEYWARDEN_PORTAL_ADMINS: 'admin@ops.example',
}, 'keywarden');
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {}
  if (server.exitCode !== null || i > 100) throw new Error('keywarden did not start: see admin-keywarden.log');
  await sleep(100);
}

async function admin(method, p, body) {
  const r = await fetch(base + p, {
    method, headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
  return r.json();
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const seriousA11y = [];
async function snap(page, name) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(artifacts, `admin-${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) seriousA11y.push(`${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  check(bad.length === 0, `${name}: no serious or critical accessibility violation`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize({ width: 390, height: 900 });
  const narrow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(narrow <= 390, `${name}: readable at 390 px (page width ${narrow}, at 1280: ${overflow})`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function signIn(context, email, shotPrefix) {
  const page = await context.newPage();
  const before = mailCount(email);
  const first = await page.goto(base + '/');
  const csp = first.headers()['content-security-policy'] || '';
  check(csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe-inline') && !csp.includes('script-src'),
    `CSP without inline script and with frame-ancestors 'none': ${csp}`);
  if (shotPrefix) await snap(page, `${shotPrefix}signin`);
  await page.fill('#email', email);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=Check your mail');
  if (shotPrefix) await snap(page, `${shotPrefix}signin-sent`);
  const link = await mailTo(email, /http:\/\/\S+\/signin\/([A-Za-z0-9]+)/, before);
  secrets.push(link[1]);
  const linkPage = await page.goto(link[0]);
  check(linkPage.status() === 200, 'GET of the sign-in link shows a page (and signs nobody in)');
  const cookies = await context.cookies();
  check(!cookies.some((c) => c.name === 'kw_session'), 'no session before the button is pressed');
  if (shotPrefix) await snap(page, `${shotPrefix}signin-link`);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=What waits for you');
  const session = (await context.cookies()).find((c) => c.name === 'kw_session');
  check(session && session.httpOnly && session.sameSite === 'Lax', 'kw_session is HttpOnly and SameSite=Lax');
  const again = await page.goto(link[0]);
  check(again.status() === 410 && (await page.textContent('h1')).includes('used already'),
    'the sign-in link works once');
  await page.goto(base + '/');
  return page;
}

// The value of a hidden CSRF field on the current page.
const csrfOf = (page) => page.inputValue('input[name=csrf] >> nth=0');
// Submits the form holding `selector` and waits for the page it leads to.
async function submit(page, selector) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(selector)]);
  return response;
}
async function verify(key, extra = {}) {
  const r = await fetch(base + '/v1/keys/verify', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key, ...extra }),
  });
  return (await r.json()).code;
}
// The usage table's "accepted" and "refused" totals on a key's page.
async function usageTotals(page) {
  const rows = await page.$$eval('#usage-table tbody tr', (trs) => trs.map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => Number(td.textContent))));
  return rows.reduce((acc, r) => [acc[0] + (r[0] || 0), acc[1] + (r[1] || 0)], [0, 0]);
}

try {
  // Someone signed in who is not an admin: the 403 page, nothing of the console.
  {
    const ctx = await browser.newContext({ bypassCSP: true });
    const page = await signIn(ctx, 'dev@dev.example', '');
    const denied = await page.goto(base + '/admin');
    check(denied.status() === 403 && (await page.textContent('h1')).includes('Admins only'),
      `a requester gets the 403 page at /admin (${denied.status()})`);
    const keys = await page.goto(base + '/admin/keys');
    check(keys.status() === 403, `and at /admin/keys (${keys.status()})`);
    await snap(page, 'denied');
    await ctx.close();
  }

  // The CSP is enforced on the console too: its page and stylesheet load without a violation.
  const ctx = await browser.newContext({ bypassCSP: true });
  const page = await signIn(ctx, 'admin@ops.example', '');
  {
    const strict = await browser.newContext();
    await strict.addCookies(await ctx.cookies());
    const p = await strict.newPage();
    const violations = [];
    p.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    const r = await p.goto(base + '/admin');
    const styled = await p.evaluate(() => getComputedStyle(document.querySelector('.console-nav')).display);
    check(r.status() === 200 && styled === 'flex' && violations.length === 0,
      `the console loads under the CSP without a violation (${violations.join('; ')})`);
    await strict.close();
  }
  await page.goto(base + '/admin');
  check((await page.textContent('h1')) === 'Overview', 'the admin reaches the overview');
  await snap(page, 'overview');

  // A client, with a bad contact address refused next to its field first.
  await page.goto(base + '/admin/clients');
  await page.fill('#id', 'shop');
  await page.fill('#name', 'Web shop');
  await page.fill('#clientType', 'web');
  await page.fill('#contactEmail', 'not an address');
  const badClient = await submit(page, '#create button[type=submit]');
  const contactError = await page.textContent('#contactEmail-error').catch(() => '');
  check(badClient.status() === 400 && /contactEmail/i.test(contactError) &&
    (await page.getAttribute('#contactEmail', 'aria-invalid')) === 'true',
    `a bad contact address is refused next to its field: ${contactError}`);
  check((await page.inputValue('#name')) === 'Web shop', 'what was typed is kept');
  await snap(page, 'client-refused');
  // The owner's mail server refuses at first (the strict receiver's "reject…" addresses).
  await page.fill('#contactEmail', 'reject-owner@dev.example');
  await submit(page, '#create button[type=submit]');
  check(page.url().endsWith('/admin/clients/shop?done=created'), `the client is registered (${page.url()})`);
  await snap(page, 'client');

  // Two APIs; a path that is not a path is refused next to it.
  await page.goto(base + '/admin/apis');
  await page.fill('#id', 'orders-list');
  await page.fill('#name', 'List orders');
  await page.fill('#method', 'GET');
  await page.fill('#path', 'orders');
  await page.fill('#scopes', 'orders:read');
  const badApi = await submit(page, '#create button[type=submit]');
  const pathError = await page.textContent('#path-error').catch(() => '');
  check(badApi.status() === 400 && pathError.length > 0, `a path without a leading / is refused next to it: ${pathError}`);
  await page.fill('#path', '/orders');
  await submit(page, '#create button[type=submit]');
  check(page.url().includes('/admin/apis/orders-list'), 'the first API is registered');
  await page.goto(base + '/admin/apis');
  await page.fill('#id', 'orders-read');
  await page.fill('#name', 'Read one order');
  await page.fill('#method', 'GET');
  await page.fill('#path', '/orders/{id}');
  await page.fill('#scopes', 'orders:read');
  await submit(page, '#create button[type=submit]');
  await page.goto(base + '/admin/apis');
  check((await page.$$('table.rows tbody tr')).length === 2, 'both APIs are listed');
  await snap(page, 'apis');

  // Issue a key for the two APIs: its value is shown once.
  await page.goto(base + '/admin/keys/new');
  await page.selectOption('#clientId', 'shop');
  await page.fill('#name', 'shop orders');
  await page.check('input[name=apis][value=orders-list]');
  await page.check('input[name=apis][value=orders-read]');
  await page.fill('#quota', 'ten');
  const badKey = await submit(page, '#issue button[type=submit]');
  const quotaError = await page.textContent('#quota-error').catch(() => '');
  check(badKey.status() === 400 && /quota/i.test(quotaError), `a quota of "ten" is refused next to it: ${quotaError}`);
  check(await page.isChecked('input[name=apis][value=orders-read]'), 'the ticked APIs stay ticked');
  await snap(page, 'key-new-refused');
  await page.fill('#quota', '1000');
  const issued = await submit(page, '#issue button[type=submit]');
  const plaintext = (await page.textContent('#plaintext')).trim();
  secrets.push(plaintext);
  check(issued.status() === 201 && /^kw_/.test(plaintext), 'the key is issued and shown once');
  await snap(page, 'key-issued');
  check(await verify(plaintext, { method: 'GET', path: '/orders/42' }) === 'VALID', 'the new key verifies');
  await page.click('text=Go to the key’s page');
  const keyUrl = page.url();
  const before = await usageTotals(page);
  await snap(page, 'key');

  // Calls move the usage chart.
  for (let i = 0; i < 5; i++) await verify(plaintext, { method: 'GET', path: '/orders' });
  await verify(plaintext, { method: 'POST', path: '/orders' });
  let after = before;
  for (let i = 0; i < 50 && after[0] < before[0] + 5; i++) {
    await sleep(200);
    await page.goto(keyUrl);
    after = await usageTotals(page);
  }
  check(after[0] >= before[0] + 5 && after[1] >= before[1] + 1,
    `the usage chart moved after the calls: accepted ${before[0]} → ${after[0]}, refused ${before[1]} → ${after[1]}`);
  const bars = await page.$$eval('figure.chart svg rect', (r) => r.length);
  const described = await page.$eval('figure.chart svg', (s) => s.getAttribute('role') === 'img' &&
    !!s.querySelector('title') && !!s.querySelector('desc'));
  check(bars > 0 && described, `the chart has bars (${bars}) and a title and description`);
  await snap(page, 'key-used');

  // Disable (confirmed), then enable (confirmed).
  await submit(page, 'form[action$="/disable"] button');
  check((await page.textContent('h1')) === 'Please confirm', 'disabling asks for confirmation');
  check(await verify(plaintext) === 'VALID', 'nothing changed before the confirmation');
  await snap(page, 'confirm-disable');
  await page.fill('#reason', 'checking the console');
  await submit(page, 'button:has-text("Yes, disable it")');
  check(await verify(plaintext) === 'DISABLED', 'after confirming, the key answers DISABLED');
  await submit(page, 'form[action$="/enable"] button');
  await submit(page, 'button:has-text("Yes, enable it")');
  check(await verify(plaintext) === 'VALID', 'enabled again, the key answers VALID');

  // Revoke at a time: planned, the key keeps working until then.
  await submit(page, 'form[action$="/revoke"] button');
  const at = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 16);
  await page.fill('#reason', 'moving to the new shop');
  await page.fill('#at', at);
  await page.click('button:has-text("Yes, revoke it")').catch(() => {});
  await page.waitForSelector('h1:has-text("Please confirm")').catch(() => {});
  // The confirmation page (now stating the time) is submitted once more with the time filled in.
  await page.waitForLoadState();
  if ((await page.textContent('h1')) === 'Please confirm') await submit(page, 'button:has-text("Yes, revoke it")');
  check((await page.textContent('body')).includes('The revocation is planned'), 'the revocation is planned');
  check(await verify(plaintext) === 'VALID', 'a planned revocation leaves the key working until then');
  await snap(page, 'key-revoke-planned');

  // A second key revoked now: the "revoked" mail to the refusing owner fails for good.
  const second = await (await fetch(base + '/v1/keys', {
    method: 'POST', headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ clientId: 'shop', name: 'shop spare' }),
  })).json();
  secrets.push(second.key);
  await page.goto(base + '/admin/keys/' + second.id);
  await submit(page, 'form[action$="/revoke"] button');
  await page.fill('#reason', 'not needed');
  await submit(page, 'button:has-text("Yes, revoke it")');
  check(await verify(second.key) === 'REVOKED', 'the spare key is revoked at once');
  let failedRow = null;
  for (let i = 0; i < 100 && !failedRow; i++) {
    await page.goto(base + '/admin/mail?status=FAILED');
    failedRow = await page.$('form[action$="/resend"]');
    if (!failedRow) await sleep(200);
  }
  check(!!failedRow, 'the mail log shows the refused mail as FAILED');
  check((await page.textContent('body')).includes('reject-owner@dev.example'), 'with its recipient and error');
  await snap(page, 'mail-failed');
  const owner = 'owner@dev.example';
  const seen = mailCount(owner);
  await page.fill('form[action$="/resend"] input[name=to]', owner);
  await submit(page, 'form[action$="/resend"] button');
  check((await page.textContent('body')).includes('back in the outbox'), 'the resend is accepted');
  await mailTo(owner, /revoked/i, seen);
  check(true, 'the resent mail reaches the corrected address');
  await page.goto(base + '/admin/mail');
  await snap(page, 'mail');

  // A token: created (shown once), working, revoked (then refused).
  await page.goto(base + '/admin/tokens');
  await page.selectOption('#role', 'gateway');
  await page.fill('#name', 'edge gateway');
  const created = await submit(page, '#create button[type=submit]');
  const token = (await page.textContent('#plaintext')).trim();
  secrets.push(token);
  check(created.status() === 201 && /^kwt_/.test(token), 'the token is created and shown once');
  await snap(page, 'token-created');
  const asGateway = await fetch(base + '/v1/keys/verify', {
    method: 'POST', headers: { 'X-Gateway-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ key: plaintext }),
  });
  check(asGateway.status === 200, 'the new token is accepted');
  const adminCalls = await fetch(base + '/v1/clients', { headers: { Authorization: `Bearer ${token}` } });
  check(adminCalls.status === 403, `a gateway token is no admin token (${adminCalls.status})`);
  await page.goto(base + '/admin/tokens');
  await snap(page, 'tokens');
  const row = page.locator('tr', { hasText: 'edge gateway' });
  await row.locator('input[name=confirm]').check();
  await Promise.all([page.waitForNavigation(), row.locator('button').click()]);
  check((await page.textContent('body')).includes('The token is revoked'), 'the token is revoked');
  let refused = 0;
  for (let i = 0; i < 50 && refused !== 401; i++) {
    refused = (await fetch(base + '/v1/clients', { headers: { Authorization: `Bearer ${token}` } })).status;
    if (refused !== 401) await sleep(100);
  }
  check(refused === 401, `the revoked token is refused (${refused})`);

  // CSRF: a console form without this browser's token changes nothing.
  const forged = await page.request.post(base + '/admin/clients', {
    form: { csrf: '0'.repeat(64), id: 'forged', name: 'Forged' }, maxRedirects: 0,
  });
  check(forged.status() === 403, `a console form with a forged CSRF token is refused (${forged.status()})`);
  const forgedGone = await page.goto(base + '/admin/clients/forged');
  check(forgedGone.status() === 404, 'and nothing was created');
  await page.goto(base + '/admin/keys?client=shop');
  await snap(page, 'keys');
  await page.goto(base + '/admin');
  await snap(page, 'overview-after');
  await page.goto(base + '/admin/flows?test=yes&kind=new&scopes=orders%3Awrite');
  check((await page.textContent('#routed')).includes('write-access'), 'the routing tester names the flow');
  await snap(page, 'flows');

  await sleep(300);
  const log = fs.readFileSync(path.join(artifacts, 'admin-keywarden.log'), 'utf8');
  const leaked = secrets.filter((t) => log.includes(t));
  check(leaked.length === 0, `no key, token or link in the server's log (${secrets.length} checked)`);
} catch (e) {
  failures++;
  console.error('FAIL', e.stack || e);
} finally {
  await browser.close();
  stopAll();
}
for (const line of seriousA11y) console.log('  a11y:', line);
console.log(failures === 0 ? 'admin console: all checks passed' : `admin console: ${failures} failure(s)`);
console.log(`screenshots in ${artifacts}`);
process.exit(failures === 0 ? 0 : 1);
