/**
 * The CRM ↔ platform loop through the pages, in Debian Chromium: a trader signs up → staff sign in
 * to the console, find the client, change KYC, add a note, see both on the timeline → an admin
 * impersonates → the dashboard shows the banner → the same link fails the second time.
 * Screenshots land in test-results/screenshots/.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestStack } from '../harness.ts';
import { guardPage, hasChromium, type PageGuard, screenshot, signInAsStaff, startBrowserStack } from './browser.ts';

let stack: TestStack;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ({ stack, base, browser } = await startBrowserStack({
    env: (url) => ({ CRM_BASE_URL: url, TRADING_PLATFORM_URL: url }),
    staff: { email: 'admin@firm.test', role: 'admin', password: 'admin-password-1' },
  }));
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.skipIf(!hasChromium)('CRM and trading platform in the browser', () => {
  it('walks the loop: sign-up → console KYC and note → impersonation banner → link used twice fails', async () => {
    // 1. A trader signs up on the platform.
    const trader = await browser.newContext();
    const tp = await trader.newPage();
    const guards: PageGuard[] = [await guardPage(tp)];
    await tp.goto(`${base}/signup`);
    await tp.fill('input[name=firstName]', 'Tia');
    await tp.fill('input[name=lastName]', 'Trader');
    await tp.fill('input[name=email]', 'tia@example.com');
    await tp.fill('input[name=phone]', '+1 555 0100');
    await tp.fill('input[name=password]', 'trader-password-1');
    await tp.click('button[type=submit]');
    await tp.waitForURL(`${base}/dashboard`);
    await tp.waitForSelector('section.account tr[data-rule=profit_target]', { timeout: 20_000 });
    await tp.waitForFunction(() => document.querySelector('.chart canvas') !== null);
    await screenshot(tp, 'crm-01-trader-dashboard');

    // 2. Staff sign in to the console and find the client.
    const staff = await browser.newContext();
    const sp = await staff.newPage();
    // Signed out, the console asks who is signed in (401) and goes to its sign-in page: by design.
    guards.push(await guardPage(sp, [/status of 401 .*\/api\/auth\/me/]));
    await signInAsStaff(sp, base, '/console/clients', 'admin@firm.test', 'admin-password-1');
    await sp.fill('input[name=q]', 'tia@');
    await sp.click('#filters button[type=submit]');
    const link = sp.locator('#rows a', { hasText: 'Tia Trader' });
    await expect.poll(async () => link.count(), { timeout: 15_000 }).toBe(1);
    await screenshot(sp, 'crm-02-clients');
    await link.click();
    await sp.waitForSelector('#profile dd');

    // 3. KYC change and a note; the timeline shows both.
    await sp.selectOption('#kycStatus', 'approved');
    await sp.fill('#kyc textarea[name=kycNotes]', 'Passport and utility bill verified');
    await sp.click('#kyc button[type=submit]');
    await sp.waitForSelector('#timeline li[data-type="kyc.updated"]');
    await sp.fill('#note textarea[name=comment]', 'Welcome call done');
    await sp.click('#note button[type=submit]');
    await sp.waitForSelector('#timeline li[data-type="note.added"]');
    const timeline = await sp.locator('#timeline li').allInnerTexts();
    expect(timeline[0]).toContain('Welcome call done');
    expect(timeline[1]).toContain('not_started → approved');
    await screenshot(sp, 'crm-03-client-profile');

    // 4. Impersonate: the link opens the dashboard with the banner.
    await sp.fill('#impersonate input[name=reason]', 'Support ticket 42');
    await sp.click('#impersonate button[type=submit]');
    const ssoUrl = await sp.locator('#sso-link').getAttribute('href');
    expect(ssoUrl).toContain('/sso/impersonate?token=');
    await screenshot(sp, 'crm-04-impersonate-link');
    const viewing = await browser.newContext();
    const vp = await viewing.newPage();
    guards.push(await guardPage(vp));
    await vp.goto(ssoUrl!);
    await vp.waitForURL(`${base}/dashboard`);
    await vp.waitForSelector('#banner:not([hidden])');
    expect(await vp.locator('#banner').isVisible()).toBe(true);
    expect(await vp.locator('#banner-text').innerText()).toContain('impersonated by admin@firm.test');
    expect(await vp.locator('#deposit').isDisabled()).toBe(true);
    await vp.waitForSelector('section.account');
    await screenshot(vp, 'crm-05-impersonation-banner');

    // 5. The same link a second time fails.
    const again = await (await browser.newContext()).newPage();
    // The 401 is the point of this step: Chromium reports it as a failed resource load, and for a
    // plain-text answer it asks for /favicon.ico, which the server does not have.
    guards.push(await guardPage(again, [/status of 401/, /favicon\.ico/]));
    const res = await again.goto(ssoUrl!);
    expect(res?.status()).toBe(401);
    expect(await again.locator('body').innerText()).toContain('Invalid or expired SSO token');
    await screenshot(again, 'crm-06-sso-reused');

    // 6. The audit log shows the impersonation, and the chain verifies.
    await sp.goto(`${base}/console/audit`);
    await sp.waitForSelector('#rows tr');
    await sp.click('#verify');
    await sp.waitForSelector('#chain .ok');
    expect(await sp.locator('#rows').innerText()).toContain('sso.consumed');
    await screenshot(sp, 'crm-07-audit-log');
    const problems = (await Promise.all(guards.map((g) => g.problems()))).flat();
    expect(problems).toEqual([]);
  });
});
