// Keywarden's web pages in a real browser (issue 13): Debian's chromium driven by playwright-core,
// against the real server and the strict test SMTP receiver. The journey: a requester signs in
// from the mail the receiver got, is refused on bad input (the message next to the field) and
// on a forged CSRF token, applies; an approver signs in, finds it in the inbox, approves (with
// the confirmation step); the key arrives by mail and verifies with POST /v1/keys/verify.
// Every page is screenshotted at 1280 and 390 px into --artifacts, and checked with axe-core
// (no serious or critical violation).
//
//   node tests/browser/journey.mjs --binary build/keywarden --artifacts build/browser-artifacts
//        [--db-connector postgresql --db-connection "host=127.0.0.1 port=5432 dbname=kw user=kw"]
import fs from 'node:fs';
import path from 'node:path';
import { harness, freePort, sleep, source } from './lib.mjs';

const h = await harness({ name: 'browser' });
const { base, check, admin, browser, snap, signIn, mailTo, mailCount, secrets, artifacts, work, binary, smtpPort } = h;
const start = h.start;
await admin('POST', '/v1/clients', { id: 'shop', name: 'Web shop', clientType: 'web', contactEmail: 'shop-owner@dev.example' });
await admin('POST', '/v1/apis', { id: 'orders-list', name: 'List orders', method: 'GET', path: '/orders', scopes: ['orders:read'] });
await admin('POST', '/v1/apis', { id: 'orders-read', name: 'Read one order', method: 'GET', path: '/orders/{id}', scopes: ['orders:read'] });
await admin('POST', '/v1/apis', { id: 'invoices', name: 'Invoices', method: 'GET', path: '/billing/invoices', scopes: ['billing:read'] });
await admin('POST', '/v1/groups', { id: 'orders', name: 'Orders, read only', apis: ['orders-list', 'orders-read'] });


try {
  // The same answer for an address that may not sign in, and no mail to it.
  {
    // This context enforces the CSP (the others bypass it only to inject axe-core): the page and
    // its stylesheet must load without a single violation.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await page.goto(base + '/signin');
    const styled = await page.evaluate(() => getComputedStyle(document.querySelector('.top')).display);
    check(styled === 'flex' && violations.length === 0, `the stylesheet loads under the CSP, no violation (${violations.join('; ')})`);
    await page.fill('#email', 'stranger@elsewhere.example');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Check your mail');
    await sleep(500);
    check(mailCount('stranger@elsewhere.example') === 0, 'an address that may not sign in: same answer, no mail');
    await ctx.close();
  }

  const requesterCtx = await browser.newContext({ bypassCSP: true });
  const requester = await signIn(requesterCtx, 'dev@dev.example', 'requester-');
  await snap(requester, 'requester-home');

  // Traditional Chinese, chosen by the browser's Accept-Language (templates/lang/zh-TW/).
  {
    const ctx = await browser.newContext({ locale: 'zh-TW', bypassCSP: true });
    const page = await ctx.newPage();
    await page.goto(base + '/signin');
    const lang = await page.getAttribute('html', 'lang');
    const heading = await page.textContent('h1');
    check(lang === 'zh-TW' && heading.includes('登入 Keywarden'),
      `Accept-Language zh-TW gets the Chinese sign-in page (lang ${lang}, "${heading}")`);
    await snap(page, 'zh-TW-signin');
    await ctx.close();
  }

  // CSRF: a POST without this browser's token is refused and changes nothing.
  const forged = await requester.request.post(base + '/apply', {
    form: { csrf: '0'.repeat(64), clientId: 'shop', keyName: 'forged', quota: '5' }, maxRedirects: 0,
  });
  check(forged.status() === 403, `a form with a forged CSRF token is refused (${forged.status()})`);
  const noToken = await requester.request.post(base + '/signout', { form: {}, maxRedirects: 0 });
  check(noToken.status() === 403, `a form without a CSRF token is refused (${noToken.status()})`);

  // Bad input: the message appears next to the field, and nothing is sent.
  await requester.goto(base + '/apply');
  await snap(requester, 'apply');
  await requester.selectOption('#clientId', 'shop');
  await requester.fill('#keyName', 'shop orders');
  await requester.check('input[name=groups][value=orders]');
  await requester.fill('#description', 'Order history for the web shop');
  const refused = await Promise.all([requester.waitForNavigation(), requester.click('#apply-submit')]);
  check(refused[0].status() === 400, `an application without a quota is refused (${refused[0].status()})`);
  const quotaError = await requester.textContent('#quota-error');
  check(/number of calls/.test(quotaError || ''), `the refusal is shown next to the quota field: ${quotaError}`);
  check(await requester.getAttribute('#quota', 'aria-invalid') === 'true', 'the quota field is marked invalid');
  check(await requester.inputValue('#keyName') === 'shop orders', 'what was typed is kept');
  await snap(requester, 'apply-refused');
  const badDate = await requester.request.post(base + '/apply', {
    form: { csrf: await requester.inputValue('input[name=csrf] >> nth=1'), clientId: 'shop', keyName: 'x', quota: '5', expiresDate: '31/12/2027' },
    maxRedirects: 0,
  });
  check(badDate.status() === 400 && (await badDate.text()).includes('id="expiresDate-error"'),
    'a date that is not a date is refused next to its field');

  // Apply for real.
  await requester.fill('#quota', '1000');
  const expires = new Date(Date.now() + 30 * 86400000).toISOString().slice(0, 10);
  await requester.fill('#expiresDate', expires);
  await Promise.all([requester.waitForURL(/\/applications\/app_/), requester.click('#apply-submit')]);
  const applicationUrl = requester.url();
  const number = (await requester.textContent('h1')).match(/KA-\d{8}-\d{4}/)[0];
  check((await requester.textContent('body')).includes('in review'), `${number} is in review`);
  await snap(requester, 'requester-application');
  await requester.goto(base + '/applications');
  await snap(requester, 'requester-applications');

  // The approver signs in, finds it in the inbox, reads it, approves (and confirms).
  const approverCtx = await browser.newContext({ bypassCSP: true });
  const approver = await signIn(approverCtx, 'owner@example.com', 'approver-');
  await approver.goto(base + '/inbox');
  check((await approver.textContent('body')).includes(number), `${number} waits in the approver's inbox`);
  await snap(approver, 'inbox');
  await approver.click(`text=${number}`);
  const body = await approver.textContent('body');
  check(body.includes('Web shop') && body.includes('shop-owner@dev.example') && body.includes('/orders/{id}'),
    'the decision page names the client, its owner and the APIs by path');
  check(body.includes('issues the key and mails it to dev@dev.example'), 'the page says what Approve will do');
  await snap(approver, 'decide');
  // Return without a comment is refused next to the comment.
  await approver.check('input[name=decision][value=return]');
  await approver.click('#decide button[type=submit]');
  check((await approver.textContent('#comment-error') || '').includes('Say why'), 'Return asks for a comment');
  await approver.check('input[name=decision][value=approve]');
  await approver.fill('#comment', 'Fine for the shop.');
  await approver.click('#decide button[type=submit]');
  await approver.waitForSelector('text=Confirm your decision');
  await snap(approver, 'confirm');
  await Promise.all([approver.waitForURL(/\/applications\/app_/), approver.click('button[type=submit]:has-text("Yes")')]);
  check((await approver.textContent('body')).includes('done'), `${number} is done after the approval`);
  await approver.goto(base + '/inbox');
  check((await approver.textContent('body')).includes('approved'), 'the inbox lists it as decided by the approver');

  // The key arrives by mail and verifies.
  const keyMail = await mailTo('dev@dev.example', /\bkw_[A-Za-z0-9]{40,}\b/);
  secrets.push(keyMail[0]);
  const verified = await (await fetch(base + '/v1/keys/verify', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key: keyMail[0] }),
  })).json();
  check(verified.valid === true, `the mailed key verifies (${verified.code})`);

  await requester.goto(base + '/keys');
  check((await requester.textContent('body')).includes('shop orders'), 'the requester sees the key under Keys');
  await snap(requester, 'keys');
  await requester.click('text=shop orders');
  check(!(await requester.textContent('body')).includes(keyMail[0]), 'the key page never shows the key');
  await snap(requester, 'key');
  // Return and resubmit: an unlimited key without expiry is flagged loudly; the approver returns
  // it with a comment; the requester's form comes back pre-filled beside the comment.
  await requester.goto(base + '/apply');
  await requester.selectOption('#clientId', 'shop');
  await requester.fill('#keyName', 'reports');
  await requester.check('input[name=apis][value=invoices]');
  await requester.check('input[name=unlimited]');
  await requester.fill('#description', 'Monthly reports');
  await Promise.all([requester.waitForURL(/\/applications\/app_/), requester.click('#apply-submit')]);
  const second = requester.url();
  const secondNumber = (await requester.textContent('h1')).match(/KA-\d{8}-\d{4}/)[0];
  await approver.goto(second);
  const warnings = await approver.textContent('.warnings');
  check(/UNLIMITED QUOTA/.test(warnings) && /NO EXPIRY/.test(warnings), `the decision page warns loudly: ${warnings.replace(/\s+/g, ' ')}`);
  check((await approver.textContent('body')).includes('/billing/invoices'), 'the API is shown by its path');
  await snap(approver, 'decide-warnings');
  await approver.check('input[name=decision][value=return]');
  await approver.fill('#comment', 'Please set an expiry date.');
  await approver.click('#decide button[type=submit]');
  await approver.waitForSelector('text=Confirm your decision');
  await Promise.all([approver.waitForURL(/\/applications\/app_/), approver.click('button[type=submit]:has-text("Yes")')]);
  const resubmitLink = await mailTo('dev@dev.example', /http:\/\/\S+\/apply\?from=app_[A-Za-z0-9]+/);
  check(resubmitLink[0].endsWith(second.split('/').pop()), 'the returned mail links straight to the resubmit form');
  await requester.goto(second);
  check((await requester.textContent('body')).includes('Please set an expiry date.'), 'the requester reads the return comment');
  await snap(requester, 'returned');
  await requester.click('text=Change and resubmit');
  check(await requester.inputValue('#keyName') === 'reports' && await requester.isChecked('input[name=apis][value=invoices]'),
    'the resubmit form comes back pre-filled');
  check((await requester.textContent('body')).includes('Please set an expiry date.'), "the approver's comment is beside the form");
  await snap(requester, 'resubmit');
  await requester.fill('#expiresDate', expires);
  const ownerMails = mailCount('owner@example.com');
  await Promise.all([requester.waitForURL(/\/applications\/app_/), requester.click('#apply-submit')]);
  check((await requester.textContent('body')).includes('resubmitted'), `${secondNumber} was resubmitted`);

  // The approver decides this one through the link in the mail (GET shows, the button decides).
  const approvalLink = await mailTo('owner@example.com', /http:\/\/\S+\/approvals\/[A-Za-z0-9._~-]+/, ownerMails);
  const linkCtx = await browser.newContext();  // CSP enforced: the link page loads the same sheet
  const linkPage = await linkCtx.newPage();
  const cspErrors = [];
  linkPage.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  secrets.push(approvalLink[0].split('/').pop());
  const shown = await linkPage.goto(approvalLink[0]);
  check(shown.status() === 200 && (await linkPage.textContent('h1')).includes(secondNumber), 'the mail link shows the application');
  check(!(shown.headers()['content-security-policy'] || '').includes('unsafe-inline') && cspErrors.length === 0,
    'the approver-link page has no inline style and no CSP violation');
  await linkPage.screenshot({ path: path.join(artifacts, 'approval-link-1280.png'), fullPage: true });
  await linkPage.setViewportSize({ width: 390, height: 900 });
  await linkPage.screenshot({ path: path.join(artifacts, 'approval-link-390.png'), fullPage: true });
  await linkPage.click('button[value=approve]');
  await linkPage.waitForSelector('text=Decision recorded');
  await linkCtx.close();
  await mailTo('dev@dev.example', /\bkw_[A-Za-z0-9]{40,}\b/, mailCount('dev@dev.example') - 1);
  await requester.goto(second);
  check((await requester.textContent('body')).includes('done'), `${secondNumber} is done after the approval by mail link`);

  // Asking to revoke a key: the revoke flow approves at once, and the key stops working.
  await requester.goto(base + '/keys');
  await requester.click('text=shop orders');
  await requester.fill('#reason', 'The shop is closing.');
  await Promise.all([requester.waitForURL(/\/applications\/app_/), requester.click('button:has-text("Ask to revoke")')]);
  check((await requester.textContent('body')).includes('done'), 'the revocation application is carried out');
  const revoked = await (await fetch(base + '/v1/keys/verify', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ key: keyMail[0] }),
  })).json();
  check(revoked.valid === false && revoked.code === 'REVOKED', `the revoked key no longer verifies (${revoked.code})`);
  await requester.goto(applicationUrl);

  // Signing out ends the session on the server.
  const before = (await requesterCtx.cookies()).find((c) => c.name === 'kw_session');
  await requester.click('text=Sign out');
  await requester.waitForSelector('text=Sign in to Keywarden');
  const stale = await fetch(base + '/applications', { headers: { Cookie: `kw_session=${before.value}` }, redirect: 'manual' });
  check(stale.status === 303, `the old session cookie no longer works after sign-out (${stale.status})`);
  // Behind an SSO proxy: portal.trustedHeader signs in, but only from portal.trustedProxies.
  for (const [proxies, believed] of [['127.0.0.1', true], ['192.0.2.1', false]]) {
    const p2 = await freePort();
    const s2 = start(binary, ['serve'], {
      KEYWARDEN_SECRET: 'c'.repeat(64), KEYWARDEN_HTTP_PORT: String(p2), KEYWARDEN_PUBLIC_BASEURL: `http://127.0.0.1:${p2}`,
      KEYWARDEN_DB_CONNECTION: path.join(work, `sso-${p2}.db`), KEYWARDEN_SMTP_PORT: String(smtpPort),
      KEYWARDEN_WORKFLOWS_DIR: path.join(source, 'workflows'), KEYWARDEN_TEMPLATES_DIR: path.join(source, 'templates'),
      KEYWARDEN_PORTAL_TRUSTEDHEADER: 'X-Forwarded-Email', KEYWARDEN_PORTAL_TRUSTEDPROXIES: proxies,
    }, `keywarden-sso-${believed}`);
    for (let i = 0; ; i++) {
      try { if ((await fetch(`http://127.0.0.1:${p2}/healthz`)).ok) break; } catch {}
      if (s2.exitCode !== null || i > 100) throw new Error('the SSO server did not start');
      await sleep(100);
    }
    const home = await fetch(`http://127.0.0.1:${p2}/`, { headers: { 'X-Forwarded-Email': 'owner@example.com' } });
    const page = await home.text();
    const cookie = home.headers.get('set-cookie') || '';
    check(believed === (page.includes('What waits for you') && cookie.includes('kw_session=')),
      `the SSO header is ${believed ? 'believed from a trusted proxy' : 'ignored from any other address'}`);
    const stranger = await (await fetch(`http://127.0.0.1:${p2}/`, { headers: { 'X-Forwarded-Email': 'stranger@elsewhere.example' } })).text();
    check(!stranger.includes('What waits for you'), 'the SSO header never signs in an address that may not sign in');
    s2.kill('SIGTERM');
  }

  await sleep(300);
  const log = h.serverLog();
  const leaked = secrets.filter((t) => log.includes(t));
  check(secrets.length >= 4 && leaked.length === 0, `no sign-in token, approval link or key in the server's log (${secrets.length} checked)`);
} catch (e) {
  h.failures++;
  console.error('FAIL', e.stack || e);
}
await h.finish('browser journey');
