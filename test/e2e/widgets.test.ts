/**
 * Live widgets in Debian Chromium against the (drifting) simulator: values render, change without a
 * reload, survive a server restart (stale/reconnecting, then live again on the same URL); the
 * customizer previews and produces the OBS URL and iframe snippet. Screenshots of every widget land
 * in test-results/screenshots/.
 */

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveConnector, liveRouter } from '../factories/live-connector.ts';
import { dropStorage, freePort, newStorage, startStack, type TestStack } from '../harness.ts';
import { guardPage, hasChromium, launchBrowser, screenshot } from './browser.ts';

const upstream = createLiveConnector({ step: 7.25 });
const storage = newStorage();
let port: number;
let base: string;
let stack: TestStack;
let browser: Browser;
const urls: Record<string, string> = {};
let streamerUrl = '';

async function start(): Promise<TestStack> {
  const s = await startStack({
    storage,
    workers: false,
    connectors: liveRouter(upstream),
    env: { ACCOUNT_POLL_INTERVAL_MS: '400', PUBLIC_URL: base },
  });
  await s.app.listen({ host: '127.0.0.1', port });
  return s;
}

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  stack = await start();
  const acc = await stack.deps.accounts.add({
    login: '1002',
    server: 'Brymix-Demo',
    password: 'demo',
    name: 'Nova Trader',
    initial_balance: 100_000,
    rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5 },
  });
  for (const kind of ['card', 'positions', 'chart', 'stats'])
    urls[kind] = (await stack.deps.widgets.create({ account_id: acc.id, kind })).url;
  streamerUrl = (
    await stack.deps.widgets.create({
      account_id: acc.id,
      kind: 'positions',
      options: { percent_only: true, hide_entry: true },
    })
  ).url;
  if (hasChromium) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await dropStorage(storage);
});

const text = (page: Page, field: string) => page.locator(`[data-field="${field}"]`).first().innerText();
const state = (page: Page) => page.locator('#widget').getAttribute('data-state');

describe.skipIf(!hasChromium)('widgets in the browser', () => {
  it('renders the card, updates it live without a reload, and survives a server restart', async () => {
    const page = await browser.newPage({ viewport: { width: 520, height: 220 } });
    // The stream's refused connections while the server is down are what this test provokes.
    const guard = await guardPage(page, [
      /ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING|EventSource/,
    ]);
    await page.goto(`${urls.card}&compact=0&size=18`);
    await page.waitForSelector('[data-field="equity"]');
    expect(await state(page)).toBe('live');
    const first = await text(page, 'equity');
    expect(first).toMatch(/^[\d,]+\.\d\d USD$/);
    expect(await text(page, 'name')).toBe('Nova Trader');
    await expect.poll(() => text(page, 'equity'), { timeout: 10_000 }).not.toBe(first);
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    await screenshot(page, 'flow-widget-card');

    // The server goes away: the widget says so and keeps its last values.
    await stack.close();
    await expect.poll(() => state(page), { timeout: 15_000 }).toMatch(/reconnecting|stale/);
    const during = await text(page, 'equity');
    expect(during).toMatch(/USD$/);
    await screenshot(page, 'flow-widget-card-reconnecting');

    // It comes back on the same port: live again, values moving, and no reload happened.
    stack = await start();
    await expect.poll(() => state(page), { timeout: 40_000 }).toBe('live');
    await expect.poll(() => text(page, 'equity'), { timeout: 10_000 }).not.toBe(during);
    expect(navigations).toEqual([]);
    await screenshot(page, 'flow-widget-card-after-restart');
    expect(await guard.problems()).toEqual([]);
    await page.close();
  });

  it('renders positions, the equity chart with its loss floors, and statistics', async () => {
    const page = await browser.newPage({ viewport: { width: 680, height: 340 } });
    const guard = await guardPage(page);
    await page.goto(urls.positions!);
    await page.waitForSelector('[data-field="position"]');
    const profit = await text(page, 'profit');
    await expect.poll(() => text(page, 'profit'), { timeout: 10_000 }).not.toBe(profit);
    await screenshot(page, 'flow-widget-positions');

    await page.goto(`${urls.chart}&height=280`);
    await page.waitForSelector('[data-field="chart"] canvas');
    await expect.poll(() => page.locator('#widget').getAttribute('data-floors')).toBe('3');
    await screenshot(page, 'flow-widget-chart');

    await page.goto(urls.stats!);
    await page.waitForSelector('[data-field="stat-profitFactor"]');
    expect(await text(page, 'stat-trades')).toMatch(/^\d+$/);
    await screenshot(page, 'flow-widget-stats');

    await page.goto(`${urls.card}&theme=light&panel=0&compact=1`);
    await page.waitForSelector('[data-field="equity"]');
    await screenshot(page, 'flow-widget-card-light-compact');
    expect(await guard.problems()).toEqual([]);
    await page.close();
  });

  it('streamer mode shows percentages only and no entry prices, whatever the URL says', async () => {
    const page = await browser.newPage({ viewport: { width: 520, height: 220 } });
    const guard = await guardPage(page);
    await page.goto(streamerUrl.replace('/positions?', '/card?'));
    await page.waitForSelector('[data-field="gain"]');
    expect(await page.locator('[data-field="equity"]').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('USD');
    await page.goto(streamerUrl);
    await page.waitForSelector('[data-field="position"]');
    expect(await page.locator('th', { hasText: 'Open' }).count()).toBe(0);
    expect(await text(page, 'profit')).toMatch(/%$/);
    await screenshot(page, 'flow-widget-positions-streamer');
    expect(await guard.problems()).toEqual([]);
    await page.close();
  });

  it('the customizer previews live and produces the OBS URL and an iframe snippet', async () => {
    const token = new URL(urls.card!).searchParams.get('token')!;
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    const guard = await guardPage(page);
    await page.goto(`${base}/widgets/customize?token=${token}`);
    await page.selectOption('select[name=kind]', 'chart');
    await page.check('input[name=compact]');
    await page.check('input[name=streamer]');
    const obs = await page.inputValue('[data-field="obs-url"]');
    expect(obs).toContain(`${base}/widgets/chart?token=${token}`);
    expect(obs).toContain('compact=1');
    expect(obs).toContain('streamer=1');
    const snippet = await page.inputValue('[data-field="iframe-snippet"]');
    expect(snippet).toMatch(
      /^<iframe src="[^"]+\/widgets\/chart\?token=[^"]+" width="640" height="320" frameborder="0"/,
    );
    expect(snippet).not.toContain('style=');
    const frame = page.frameLocator('#preview');
    await frame.locator('[data-field="chart"] canvas').first().waitFor({ timeout: 15_000 });
    await screenshot(page, 'flow-widget-customizer');
    expect(await guard.problems()).toEqual([]);
    await page.close();
  });
});
