/**
 * The card widget of an account a live monitor watches (the simulator's live login 2002 on
 * Brymix-Demo, monitored by the tenant the account is linked to) shows each loss limit's floor and
 * the room used, in Debian Chromium at 360, 800 and 1280 px (console errors, CSP, overlapping text).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, type TestStack } from '../harness.ts';
import { checkView, hasChromium, startBrowserStack, WIDTHS } from './browser.ts';

let stack: TestStack;
let browser: Browser;
let cardUrl = '';

beforeAll(async () => {
  let base: string;
  ({ stack, base, browser } = await startBrowserStack({
    env: (url) => ({ PUBLIC_URL: url, ACCOUNT_POLL_INTERVAL_MS: '500', MONITOR_POLL_INTERVAL_MS: '500' }),
  }));
  stack.deps.monitorRuntime.start();
  const { id, key } = await stack.createKey('Streamer Firm');
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/monitors',
    headers: { 'x-api-key': key },
    payload: checkBody({
      mt5_login: '2002',
      rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5, profit_target_percent: 10 },
    }),
  });
  expect(res.statusCode).toBe(201);
  const account = await stack.deps.accounts.add({
    login: '2002',
    server: 'Brymix-Demo',
    password: 'demo',
    name: 'Live Two',
    key_id: id,
  });
  cardUrl = (await stack.deps.widgets.create({ account_id: account.id, kind: 'card' })).url;
  expect(cardUrl.startsWith(base)).toBe(true);
});
afterAll(async () => {
  await browser?.close();
  await stack?.deps.monitorRuntime.stop();
  await stack?.close();
});

describe.skipIf(!hasChromium)('a card widget of a monitored account', () => {
  it(`shows each loss limit's floor and the room used at ${WIDTHS.join(', ')} px`, async () => {
    const problems: string[] = [];
    for (const width of WIDTHS)
      problems.push(
        ...(await checkView(browser.contexts()[0] ?? (await browser.newContext()), width, {
          name: 'widget-card-monitor',
          height: 400,
          open: async (p) => {
            await p.goto(cardUrl);
            await p.waitForSelector('#widget[data-state=live] [data-field=floor-maximum_daily_loss]', {
              timeout: 20_000,
            });
            expect(await p.locator('[data-field=floor-maximum_drawdown]').innerText()).toMatch(/\d/);
          },
        })),
      );
    if (problems.length) throw new Error(`${problems.length} problem(s):\n${problems.join('\n')}`);
  });
});
