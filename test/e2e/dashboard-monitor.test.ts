/**
 * The trader dashboard shows the account's live monitor and follows it without a reload, in Debian
 * Chromium: each loss limit's floor and room used, then the breach when equity crosses the daily
 * floor (the account's badge turns failed). The MT5 server is scripted under the platform's server
 * name; the monitor runtime runs on the real clock. Each state is checked at 360, 800 and 1280 px
 * (console errors, CSP violations, overlapping text), with screenshots in test-results/screenshots/.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/infra/clock.ts';
import { createConnectorRouter } from '../../src/mt5/router.ts';
import { createScriptedConnector, type ScriptedAccount } from '../factories/scripted-live.ts';
import { freePort, startStack, type TestStack } from '../harness.ts';
import { checkView, guardPage, hasChromium, launchBrowser, WIDTHS } from './browser.ts';

let stack: TestStack;
let browser: Browser;
let base: string;
let trader: BrowserContext;
let account: ScriptedAccount;
/** The scripted server is read live only: the equity chart's history request fails, on purpose. */
const ALLOW = [/\/api\/platform\/accounts\/[^/]+\/equity/];

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const scripted = createScriptedConnector(systemClock);
  account = scripted.add('1001');
  account.password = 'demo';
  stack = await startStack({
    connectors: createConnectorRouter({ 'Brymix-Demo': scripted }),
    env: { CRM_BASE_URL: base, TRADING_PLATFORM_URL: base, PUBLIC_URL: base, MONITOR_POLL_INTERVAL_MS: '300' },
  });
  await stack.app.listen({ host: '127.0.0.1', port });
  stack.deps.monitorRuntime.start();
  if (!hasChromium) return;
  browser = await launchBrowser();
  trader = await browser.newContext();
  const signup = await trader.request.post(`${base}/api/platform/signup`, {
    headers: { 'x-requested-with': 'fetch' },
    data: { email: 'rio@example.com', password: 'trader-password-1', firstName: 'Rio', lastName: 'Risk' },
  });
  expect(signup.status()).toBe(201);
});
afterAll(async () => {
  await browser?.close();
  await stack?.deps.monitorRuntime.stop();
  await stack?.close();
});

const limitsShown = async (p: import('playwright-core').Page) => {
  await p.goto(`${base}/dashboard`);
  await p.waitForSelector('.monitor tr[data-limit=maximum_daily_loss]', { timeout: 20_000 });
};

describe.skipIf(!hasChromium)('the trader dashboard follows the live monitor', () => {
  it('shows each loss limit with its floor and the room used, at every width', async () => {
    account.equity = 97_000; // 60 % of the daily room, 30 % of the maximum loss's
    const problems: string[] = [];
    for (const width of WIDTHS)
      problems.push(
        ...(await checkView(trader, width, { name: 'trader-dashboard-monitor', open: limitsShown, allow: ALLOW })),
      );
    if (problems.length) throw new Error(`${problems.length} problem(s):\n${problems.join('\n')}`);
  });

  it('shows the breach without a reload, then every width still reads well', async () => {
    const page = await trader.newPage();
    const guard = await guardPage(page, ALLOW);
    await limitsShown(page);
    const daily = page.locator('.monitor tr[data-limit=maximum_daily_loss]');
    await expect.poll(() => daily.innerText(), { timeout: 10_000 }).toMatch(/\$95,000\.00/);
    expect(await page.locator('.monitor tr[data-limit=maximum_drawdown]').innerText()).toMatch(/\$90,000\.00/);

    account.equity = 94_000; // below the 5 % daily floor
    await page.waitForSelector('.monitor .breach', { timeout: 15_000 });
    expect(await page.locator('.monitor .breach').innerText()).toMatch(/^Breached: maximum daily loss at \d{4}-/);
    await expect.poll(() => page.locator('section.account h2 .badge').innerText(), { timeout: 10_000 }).toBe('failed');
    expect(await page.locator('.monitor h3 .badge').innerText()).toBe('breached');
    expect(await guard.problems()).toEqual([]);
    await page.close();

    const problems: string[] = [];
    for (const width of WIDTHS)
      problems.push(
        ...(await checkView(trader, width, {
          name: 'trader-dashboard-breach',
          allow: ALLOW,
          open: async (p) => {
            await p.goto(`${base}/dashboard`);
            await p.waitForSelector('.monitor .breach', { timeout: 20_000 });
          },
        })),
      );
    if (problems.length) throw new Error(`${problems.length} problem(s):\n${problems.join('\n')}`);
  });
});
