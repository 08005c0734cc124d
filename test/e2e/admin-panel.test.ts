/**
 * The admin panel of the account API in Debian Chromium: staff sign in, create a key with an IP
 * allowlist (shown once), register an account linked to it, see its feed go live, make a widget
 * token, and find the key's requests — and only its failures when filtered — in the access log.
 * Screenshots land in test-results/screenshots/.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestStack } from '../harness.ts';
import { guardPage, hasChromium, screenshot, signInAsStaff, startBrowserStack } from './browser.ts';

let stack: TestStack;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ({ stack, base, browser } = await startBrowserStack({
    workers: false,
    env: (url) => ({ ACCOUNT_POLL_INTERVAL_MS: '500', PUBLIC_URL: url }),
    staff: { email: 'ops@firm.test', role: 'admin', password: 'ops-password-12' },
  }));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.skipIf(!hasChromium)('admin panel in the browser', () => {
  it('creates a key and an account, shows the feed live, makes a widget and filters the access log', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    // Signed out, the panel's first request answers 401 and it goes to the sign-in page: by design.
    const guard = await guardPage(page, [/status of 401 .*\/api\/(auth\/me|admin\/)/]);
    await signInAsStaff(page, base, '/admin', 'ops@firm.test', 'ops-password-12');
    await expect.poll(() => page.locator('#who').innerText()).toContain('ops@firm.test');

    // A key with an allowlist: the secret is shown once.
    await page.fill('#addKey input[name=name]', 'Stream Partner');
    await page.fill('#addKey input[name=cidrs]', '127.0.0.1/32, ::1');
    await page.click('#addKey button');
    const key = await page.locator('[data-field="new-key"]').innerText();
    expect(key).toMatch(/^bmx_[A-Za-z0-9]+_[A-Za-z0-9]+$/);
    const keyRow = page.locator('#keyRows tr', { hasText: 'Stream Partner' });
    await expect.poll(() => keyRow.innerText()).toContain('127.0.0.1/32');

    // An account linked to that key; its feed goes live.
    await page.fill('#addAccount input[name=login]', '1001');
    await page.fill('#addAccount input[name=password]', 'demo');
    await page.fill('#addAccount input[name=name]', 'Ada Funded');
    await page.selectOption('#addAccount select[name=key_id]', {
      label: await page.locator('#addAccount select[name=key_id] option', { hasText: 'Stream Partner' }).innerText(),
    });
    await page.click('#addAccount button');
    const accountRow = page.locator('#accountRows tr', { hasText: 'Ada Funded' });
    await expect.poll(() => accountRow.count()).toBe(1);
    expect(await page.content()).not.toContain('"demo"');

    // The key reads the account; another id answers 404; both land in the access log.
    const ok = await fetch(`${base}/api/account/1001/info`, { headers: { 'x-api-key': key } });
    expect(ok.status).toBe(200);
    const foreign = await fetch(`${base}/api/account/9999/info`, { headers: { 'x-api-key': key } });
    expect(foreign.status).toBe(404);
    // Live means read within three polling intervals (1.5 s here): read it again, then look.
    await expect
      .poll(
        async () => {
          await fetch(`${base}/api/account/1001/info`, { headers: { 'x-api-key': key } });
          await page.reload();
          return accountRow.locator('.badge').first().innerText();
        },
        { timeout: 10_000 },
      )
      .toBe('live');

    // A widget token for the account: its URL is shown once.
    await page.selectOption('#addWidget select[name=kind]', 'card');
    await page.check('#addWidget input[name=percent_only]');
    await page.click('#addWidget button');
    const widgetUrl = await page.locator('#flash a').first().getAttribute('href');
    expect(widgetUrl).toMatch(new RegExp(`^${base}/widgets/card\\?token=wgt_`));
    await expect.poll(() => page.locator('#widgetRows tr', { hasText: 'percent only' }).count()).toBe(1);

    // The access log: the reads (the 200s above) and the 404, then only the 404 when filtered on 4xx.
    await stack.deps.accessLog.flush();
    await page.click('#logFilters button');
    const infoRows = page.locator('#logRows tr', { hasText: '/api/account/:account_id/info' });
    await expect.poll(() => infoRows.filter({ hasText: '404' }).count()).toBe(1);
    expect(await infoRows.filter({ hasText: '200' }).count()).toBeGreaterThanOrEqual(2);
    await page.selectOption('#logFilters select[name=status_class]', '4');
    await page.click('#logFilters button');
    await expect.poll(() => page.locator('#logRows tr').count()).toBe(1);
    expect(await page.locator('#logRows tr').first().innerText()).toContain('404');
    expect(await page.locator('#logRows').innerText()).not.toContain(key);
    await screenshot(page, 'flow-admin-panel');
    expect(await guard.problems()).toEqual([]);
  });
});
