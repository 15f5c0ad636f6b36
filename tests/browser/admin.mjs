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
import { harness, sleep } from './lib.mjs';

const h = await harness({ name: 'admin', logPrefix: 'admin-', shotPrefix: 'admin-',
  env: { KEYWARDEN_PORTAL_ADMINS: 'admin@ops.example' } });
const { base, adminToken, check, admin, browser, snap, signIn, mailTo, mailCount, secrets } = h;

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
  // The key's history: its audit rows, newest first, with actor and time.
  const history = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => tr.textContent));
  check(history.length >= 3 && /key\.enable/.test(history[0]) && /key\.disable/.test(history[1]) &&
    /key\.issue/.test(history[history.length - 1]) && history.every((r) => /session:|token:/.test(r)),
    `the key's page shows its history, newest first (${history.length} rows)`);
  await snap(page, 'key-history');

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
  // Jobs: a FAILED job (made so with SQL: a job fails for good only after 10 attempts) is
  // listed with its error, retried after a confirmation, and runs at once.
  const digest = (await admin('GET', '/v1/jobs?kind=approver-digest&status=PENDING')).jobs[0];
  h.sql(`UPDATE jobs SET status = 'FAILED', attempts = 10, last_error = 'smtp down' WHERE id = '${digest.id}'`);
  await page.goto(base + '/admin/jobs?state=failed');
  check((await page.textContent(`#job-${digest.id}`)).includes('smtp down'), 'the jobs page lists the failed job and its error');
  await snap(page, 'jobs');
  await submit(page, `form[action="/admin/jobs/${digest.id}/retry"] button`);
  check((await page.textContent('h1')).includes('Retry this job?'), 'a retry asks for confirmation');
  await snap(page, 'job-confirm');
  await submit(page, 'button:has-text("Yes, retry it")');
  check((await page.textContent('body')).includes('runs at once'), 'the retry is accepted');
  let status = '';
  for (let i = 0; i < 50 && status !== 'DONE'; i++) {
    status = (await admin('GET', '/v1/jobs?kind=approver-digest')).jobs.find((j) => j.id === digest.id).status;
    if (status !== 'DONE') await sleep(100);
  }
  check(status === 'DONE', `the retried job ran (${status})`);
  // The audit trail: filtered by the key, newest first; the retry under the admin's session.
  await page.goto(base + '/admin/audit?key=' + encodeURIComponent(new URL(keyUrl).pathname.split('/').pop()));
  const rows = await page.$$eval('#audit tbody tr', (trs) => trs.map((tr) => tr.textContent));
  check(rows.length >= 4 && /key\.revoke/.test(rows[0]) && /key\.issue/.test(rows[rows.length - 1]),
    `the audit trail shows the key's rows, newest first (${rows.length})`);
  await snap(page, 'audit');
  await page.goto(base + '/admin/audit');
  check((await page.textContent('#audit')).includes('job.retry'), 'the job retry is in the audit trail');
  const body = await page.textContent('body');
  check(!secrets.some((t) => body.includes(t)), 'no key, token or link on the audit page');
  await page.goto(base + '/admin/flows?test=yes&kind=new&scopes=orders%3Awrite');
  check((await page.textContent('#routed')).includes('write-access'), 'the routing tester names the flow');
  await snap(page, 'flows');

  await sleep(300);
  const log = h.serverLog();
  const leaked = secrets.filter((t) => log.includes(t));
  check(leaked.length === 0, `no key, token or link in the server's log (${secrets.length} checked)`);
} catch (e) {
  h.failures++;
  console.error('FAIL', e.stack || e);
}
await h.finish('admin console');
