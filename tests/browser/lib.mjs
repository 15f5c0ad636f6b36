// What the browser tests share (journey.mjs, admin.mjs): the command line, a check counter,
// the strict test SMTP receiver and the real server on free ports, the admin API, chromium
// (playwright-core, Debian's /usr/bin/chromium), screenshots at 1280 and 390 px with an axe-core
// check (no serious or critical violation), and signing in from the mailed link.
//
// const h = await harness({ name: 'admin', env: { KEYWARDEN_PORTAL_ADMINS: '…' } });
// Logs land in --artifacts as <logPrefix><process>.log, screenshots as <shotPrefix><name>-<width>.png.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core is missing: run `make deps` (npm ci in tests/browser)');
  process.exit(1);
}
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A loopback port that was free a moment ago: below the kernel's ephemeral range (an outgoing
// connection may take a port inside it at any moment) and never the same twice in this process
// (listen(0) may hand one out twice in a row).
const givenPorts = new Set();
function ephemeralLow() {
  try {
    const low = parseInt(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'), 10);
    return low > 12000 ? low : 32768;
  } catch (e) {
    return 32768;
  }
}
function bindable(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
export async function freePort() {
  const low = ephemeralLow();
  for (let i = 0; i < 1000; i++) {
    const port = 10000 + Math.floor(Math.random() * (low - 10000));
    if (givenPorts.has(port) || !(await bindable(port))) continue;
    givenPorts.add(port);
    return port;
  }
  throw new Error(`no free port below ${low}`);
}

// Starts the SMTP receiver and keywarden (with `env` added) and chromium; returns the helpers.
export async function harness({ name, logPrefix = '', shotPrefix = '', env = {} }) {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
  const binary = path.resolve(args.binary || path.join(source, 'build', 'keywarden'));
  const artifacts = path.resolve(args.artifacts || path.join(source, 'build', 'browser-artifacts'));
  fs.mkdirSync(artifacts, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `kw-${name}-`));
  const children = [];
  const h = { args, binary, artifacts, work, failures: 0, seriousA11y: [], secrets: [] };
  h.check = (ok, what) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) h.failures++;
  };
  h.start = (cmd, argv, extra, proc) => {
    const log = fs.openSync(path.join(artifacts, `${logPrefix}${proc}.log`), 'w');
    const child = spawn(cmd, argv, { cwd: work, env: { ...process.env, ...extra }, stdio: ['ignore', log, log] });
    children.push(child);
    return child;
  };
  h.stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('exit', h.stopAll);
  // One SQL statement against the server's store from outside (sqlite3 or psql): to set up a
  // state the API cannot reach, such as a FAILED job.
  h.sql = (statement) => (args['db-connector'] === 'postgresql'
    ? execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', args['db-connection'], '-c', statement])
    : execFileSync('sqlite3', ['-cmd', '.timeout 10000', args['db-connection'] || path.join(work, 'kw.db'), statement])).toString();
  h.serverLog = () => fs.readFileSync(path.join(artifacts, `${logPrefix}keywarden.log`), 'utf8');
  mailHelpers(h);
  await startServer(h, env);
  h.browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  h.snap = (page, shot) => snap(h, page, shotPrefix + shot);
  h.signIn = (context, email, prefix) => signIn(h, context, email, prefix);
  // Closes the browser and the processes, prints the summary and exits.
  h.finish = async (what) => {
    await h.browser.close();
    h.stopAll();
    for (const line of h.seriousA11y) console.log('  a11y:', line);
    console.log(h.failures === 0 ? `${what}: all checks passed` : `${what}: ${h.failures} failure(s)`);
    console.log(`screenshots in ${artifacts}`);
    process.exit(h.failures === 0 ? 0 : 1);
  };
  return h;
}

// The mails the strict receiver accepted, as JSON (envelope and decoded text).
function mailHelpers(h) {
  h.mails = () => {
    const dir = path.join(h.work, 'mail', 'new');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  };
  h.mailTo = async (address, pattern, seen = 0, timeoutMs = 15000) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const found = h.mails().filter((m) => m.rcptTos.includes(address)).slice(seen)
        .map((m) => (m.text || '').match(pattern)).find(Boolean);
      if (found) return found;
      await sleep(100);
    }
    throw new Error(`no mail to ${address} matching ${pattern} within ${timeoutMs} ms`);
  };
  h.mailCount = (address) => h.mails().filter((m) => m.rcptTos.includes(address)).length;
}

async function startServer(h, env) {
  const httpPort = await freePort();
  h.smtpPort = await freePort();
  h.base = `http://127.0.0.1:${httpPort}`;
  h.adminToken = 'kwt_browser_' + 'a'.repeat(32);
  h.start('/usr/bin/python3', [path.join(source, 'tests/support/strict_smtp.py'), '--listen', `127.0.0.1:${h.smtpPort}`,
    '--dir', path.join(h.work, 'mail')], {}, 'smtp');
  const server = h.start(h.binary, ['serve'], {
    KEYWARDEN_SECRET: 'b'.repeat(64),
    KEYWARDEN_HTTP_PORT: String(httpPort),
    KEYWARDEN_PUBLIC_BASEURL: h.base,
    // --db-connector postgresql --db-connection "host=… dbname=…" runs the test on PostgreSQL.
    KEYWARDEN_DB_CONNECTOR: h.args['db-connector'] || 'sqlite',
    KEYWARDEN_DB_CONNECTION: h.args['db-connection'] || path.join(h.work, 'kw.db'),
    KEYWARDEN_SMTP_PORT: String(h.smtpPort),
    KEYWARDEN_SMTP_HELONAME: 'keywarden.test',
    KEYWARDEN_BOOTSTRAP_ADMINTOKEN: h.adminToken,
    KEYWARDEN_WORKFLOWS_DIR: path.join(source, 'workflows'),
    KEYWARDEN_TEMPLATES_DIR: path.join(source, 'templates'),
    KEYWARDEN_PORTAL_REQUESTERDOMAINS: 'dev.example',
    ...env,
  }, 'keywarden');
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${h.base}/healthz`)).ok) break;
    } catch {}
    if (server.exitCode !== null || i > 100) throw new Error('keywarden did not start: see its log in ' + h.artifacts);
    await sleep(100);
  }
  h.admin = async (method, p, body) => {
    const r = await fetch(h.base + p, {
      method, headers: { Authorization: `Bearer ${h.adminToken}`, 'Content-Type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
    return r.json();
  };
}

async function snap(h, page, name) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(h.artifacts, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) h.seriousA11y.push(`${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  h.check(bad.length === 0, `${name}: no serious or critical accessibility violation`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.setViewportSize({ width: 390, height: 900 });
  const narrow = await page.evaluate(() => document.documentElement.scrollWidth);
  h.check(narrow <= 390, `${name}: readable at 390 px (page width ${narrow}, at 1280: ${overflow})`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function signIn(h, context, email, shotPrefix) {
  const { base, check } = h;
  const page = await context.newPage();
  const before = h.mailCount(email);
  const first = await page.goto(base + '/');
  const csp = first.headers()['content-security-policy'] || '';
  check(csp.includes("frame-ancestors 'none'") && !csp.includes('unsafe-inline') && !csp.includes('script-src'),
    `CSP without inline script and with frame-ancestors 'none': ${csp}`);
  if (shotPrefix) await h.snap(page, `${shotPrefix}signin`);
  await page.fill('#email', email);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=Check your mail');
  if (shotPrefix) await h.snap(page, `${shotPrefix}signin-sent`);
  const link = await h.mailTo(email, /http:\/\/\S+\/signin\/([A-Za-z0-9]+)/, before);
  h.secrets.push(link[1]);
  const linkPage = await page.goto(link[0]);
  check(linkPage.status() === 200, 'GET of the sign-in link shows a page (and signs nobody in)');
  const cookies = await context.cookies();
  check(!cookies.some((c) => c.name === 'kw_session'), 'no session before the button is pressed');
  if (shotPrefix) await h.snap(page, `${shotPrefix}signin-link`);
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
