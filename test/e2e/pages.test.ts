/**
 * Every page as a person sees it, in Debian Chromium at 360, 800 and 1280 px: the admin panel, the
 * console (login, clients, a client, the audit log), the trader's sign-in, sign-up and dashboard,
 * each widget and the customizer, and the API docs. Each fails on a console error, a CSP violation,
 * an uncaught exception, overlapping text or a page that scrolls sideways (browser.ts), and leaves a
 * screenshot per width in test-results/screenshots/.
 */

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestStack } from '../harness.ts';
import {
  checkView,
  guardPage,
  hasChromium,
  signInAsStaff,
  startBrowserStack,
  type ViewOptions,
  WIDTHS,
} from './browser.ts';

let stack: TestStack;
let browser: Browser;
let base: string;
let anonymous: BrowserContext;
let staff: BrowserContext;
let trader: BrowserContext;
let clientId = '';
const widgetUrls: Record<string, string> = {};

const STAFF = { email: 'ops@firm.test', password: 'ops-password-12', role: 'admin' as const };

beforeAll(async () => {
  ({ stack, base, browser } = await startBrowserStack({
    env: (url) => ({ CRM_BASE_URL: url, TRADING_PLATFORM_URL: url, PUBLIC_URL: url, ACCOUNT_POLL_INTERVAL_MS: '500' }),
    staff: STAFF,
  }));
  if (!hasChromium) return;
  anonymous = await browser.newContext();

  // A trader signs up (the simulator's login 1001: flat, passes its challenge) and keeps the session.
  trader = await browser.newContext();
  const signup = await trader.request.post(`${base}/api/platform/signup`, {
    headers: { 'x-requested-with': 'fetch' },
    data: {
      email: 'tia@example.com',
      password: 'trader-password-1',
      firstName: 'Tia',
      lastName: 'Trader',
      phone: '+1 555 0100',
    },
  });
  expect(signup.status()).toBe(201);

  // Staff sign in on the console once; every staff page reuses the session.
  staff = await browser.newContext();
  const page = await staff.newPage();
  await signInAsStaff(page, base, '/console/clients', STAFF.email, STAFF.password);
  // The CRM hears of the sign-up through the platform's outbox, a moment later.
  const link = page.locator('#rows a', { hasText: 'Tia Trader' });
  await eventually(
    async () => {
      await page.reload();
      await page.waitForSelector('#rows tr');
      return link.count();
    },
    (n) => n === 1,
  );
  clientId = decodeURIComponent((await link.getAttribute('href'))!.split('/').pop()!);
  await page.close();

  // An account on the account API with a key and one widget of each kind (login 1003: 99,348.96 USD).
  const key = await stack.deps.keys.create('Stream Partner');
  const acc = await stack.deps.accounts.add({
    login: '1003',
    server: 'Brymix-Demo',
    password: 'demo',
    name: 'Nova Trader',
    key_id: key.id,
    initial_balance: 100_000,
    rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5, profit_target_percent: 10 },
  });
  for (const kind of ['card', 'positions', 'chart', 'stats'])
    widgetUrls[kind] = (await stack.deps.widgets.create({ account_id: acc.id, kind })).url;
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const widgetLive = async (page: Page, url: string, ready: string) => {
  await page.goto(url);
  await page.waitForSelector(`#widget[data-state=live] ${ready}`, { timeout: 20_000 });
};

function views(): Array<ViewOptions & { context: () => BrowserContext }> {
  return [
    {
      name: 'console-login',
      context: () => anonymous,
      open: async (p) => void (await p.goto(`${base}/console/login`)),
    },
    { name: 'trader-signin', context: () => anonymous, open: async (p) => void (await p.goto(`${base}/signin`)) },
    { name: 'trader-signup', context: () => anonymous, open: async (p) => void (await p.goto(`${base}/signup`)) },
    {
      name: 'console-clients',
      context: () => staff,
      open: async (p) => {
        await p.goto(`${base}/console/clients`);
        await p.waitForSelector('#rows a');
      },
    },
    {
      name: 'console-client',
      context: () => staff,
      open: async (p) => {
        await p.goto(`${base}/console/clients/${encodeURIComponent(clientId)}`);
        await p.waitForSelector('#profile dd');
        await p.waitForSelector('#accounts tr td:not(.muted)');
        await p.waitForSelector('#timeline li');
      },
    },
    {
      name: 'console-audit',
      context: () => staff,
      open: async (p) => {
        await p.goto(`${base}/console/audit`);
        await p.waitForSelector('#rows tr');
        await p.click('#verify');
        await p.waitForSelector('#chain .ok');
      },
    },
    {
      name: 'admin-panel',
      context: () => staff,
      open: async (p) => {
        await p.goto(`${base}/admin`);
        await p.waitForSelector('#accountRows tr');
        await p.waitForSelector('#widgetRows tr');
      },
    },
    {
      name: 'trader-dashboard',
      context: () => trader,
      open: async (p) => {
        await p.goto(`${base}/dashboard`);
        await p.waitForSelector('section.account tr[data-rule=profit_target]', { timeout: 30_000 });
        await p.waitForFunction(
          () => /Check: passed/.test(document.querySelector('section.account')?.textContent ?? ''),
          undefined,
          { timeout: 30_000 },
        );
        await p.waitForSelector('.chart canvas');
      },
    },
    {
      name: 'widget-card',
      context: () => anonymous,
      height: 400,
      open: (p) => widgetLive(p, widgetUrls.card!, '[data-field=equity]'),
    },
    {
      name: 'widget-positions',
      context: () => anonymous,
      height: 400,
      open: (p) => widgetLive(p, widgetUrls.positions!, '.w-body'),
    },
    {
      name: 'widget-chart',
      context: () => anonymous,
      height: 400,
      open: (p) => widgetLive(p, widgetUrls.chart!, '[data-field=chart] canvas'),
    },
    {
      name: 'widget-stats',
      context: () => anonymous,
      height: 400,
      open: (p) => widgetLive(p, widgetUrls.stats!, '[data-field=stat-trades]'),
    },
    {
      name: 'widget-customizer',
      context: () => anonymous,
      open: async (p) => {
        const token = new URL(widgetUrls.card!).searchParams.get('token')!;
        await p.goto(`${base}/widgets/customize?token=${token}`);
        await p
          .frameLocator('#preview')
          .locator('#widget[data-state=live] [data-field=equity]')
          .waitFor({ timeout: 20_000 });
      },
    },
    {
      name: 'api-docs',
      context: () => anonymous,
      open: async (p) => {
        await p.goto(`${base}/docs`);
        await p.waitForSelector('.swagger-ui .opblock');
      },
    },
  ];
}

describe.skipIf(!hasChromium)('every page as a person sees it', () => {
  for (const view of views()) {
    it(`${view.name} shows no error, no CSP violation, no overlapping text at ${WIDTHS.join(', ')} px`, async () => {
      const problems: string[] = [];
      for (const width of WIDTHS) problems.push(...(await checkView(view.context(), width, view)));
      // Every problem on its own line (a diff of a long array is cut short).
      if (problems.length) throw new Error(`${problems.length} problem(s):\n${problems.join('\n')}`);
    });
  }

  it('the dashboard of a trader who signed in themselves shows no impersonation banner', async () => {
    const page = await trader.newPage();
    await guardPage(page);
    await page.goto(`${base}/dashboard`);
    await page.waitForSelector('section.account');
    expect(await page.locator('#who').innerText()).toContain('tia@example.com');
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(await page.locator('#end').isVisible()).toBe(false);
    await page.close();
  });
});
