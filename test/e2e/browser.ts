/**
 * Browser tests: Debian's Chromium driven by playwright-core (no browser download). Screenshots
 * are kept under test-artifacts/ for the CI run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, startStack, type TestStack } from '../harness.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const ARTIFACTS = resolve('test-artifacts');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling out on a closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A stack listening on a free loopback port (its URL known to its own config) and a browser. */
export async function startBrowserStack(o: { env?: (base: string) => Record<string, string>; workers?: boolean; staff?: { email: string; password: string; role: 'admin' | 'agent' } }): Promise<{ stack: TestStack; base: string; browser: Browser }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stack = await startStack({ ...(o.workers === false ? { workers: false } : {}), env: o.env?.(base) ?? {} });
  await stack.app.listen({ host: '127.0.0.1', port });
  if (o.staff) await stack.deps.staff.create(o.staff);
  const browser = (hasChromium ? await launchBrowser() : null) as Browser;
  return { stack, base, browser };
}

/** Opens `path` as a signed-out staff member, signs in on the console's page and lands back on it. */
export async function signInAsStaff(page: Page, base: string, path: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/console\/login/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname === path);
}
