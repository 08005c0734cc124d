/**
 * Browser tests: Debian's Chromium driven by playwright-core (no browser download), and the checks
 * every page passes as a person would see it (DESIGN.md "A page is tested as a person sees it"):
 * no console error, no Content-Security-Policy violation, no uncaught exception, no two visible
 * pieces of text on top of each other, at 360, 800 and 1280 px. Screenshots of the last run are
 * kept under test-results/screenshots/ (git-ignored) for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Frame, type Page } from 'playwright-core';
import { freePort, startStack, type TestStack } from '../harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// A developer without Chromium sees the browser tests skipped; CI must never pass without them.
if (!hasChromium && process.env.CI)
  throw new Error(`CI: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
export const SCREENSHOTS = resolve('test-results/screenshots');
/** A phone, a small tablet or narrow window, a laptop. */
export const WIDTHS = [360, 800, 1280] as const;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium keeps dialling out on a closed network.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A stack listening on a free loopback port (its URL known to its own config) and a browser. */
export async function startBrowserStack(o: {
  env?: (base: string) => Record<string, string>;
  workers?: boolean;
  staff?: { email: string; password: string; role: 'admin' | 'agent' };
}): Promise<{ stack: TestStack; base: string; browser: Browser }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const stack = await startStack({ ...(o.workers === false ? { workers: false } : {}), env: o.env?.(base) ?? {} });
  await stack.app.listen({ host: '127.0.0.1', port });
  if (o.staff) await stack.deps.staff.create(o.staff);
  const browser = (hasChromium ? await launchBrowser() : null) as Browser;
  return { stack, base, browser };
}

/** Opens `path` as a signed-out staff member, signs in on the console's page and lands back on it. */
export async function signInAsStaff(
  page: Page,
  base: string,
  path: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/console\/login/);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname === path);
}

// --- what a person would call broken --------------------------------------------------------------

/**
 * Runs in every frame before the page's own scripts: a CSP violation is an event on the document
 * (https://w3c.github.io/webappsec-csp/#violation-events), which a page can miss in the console.
 */
const CSP_LISTENER = () => {
  const w = window as unknown as { __cspViolations?: string[] };
  w.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    const where = e.sourceFile ? ` at ${e.sourceFile}:${e.lineNumber}` : '';
    const what = `CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'an inline resource'}${where}${e.sample ? ` (${e.sample})` : ''}`;
    w.__cspViolations!.push(what);
    console.error(what);
  });
};

export interface PageGuard {
  /** Console errors, CSP violations and uncaught exceptions so far, in every frame. */
  problems(): Promise<string[]>;
}

/**
 * Starts listening on a page (call before its first navigation). `allow` lists console errors a
 * test provokes on purpose (e.g. the refused connection while it restarts the server).
 */
export async function guardPage(page: Page, allow: RegExp[] = []): Promise<PageGuard> {
  const seen: string[] = [];
  await page.addInitScript(CSP_LISTENER);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location();
    const text = `console error: ${m.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`;
    if (!allow.some((re) => re.test(text))) seen.push(text);
  });
  page.on('pageerror', (err) => seen.push(`uncaught exception: ${err.message}`));
  page.on('crash', () => seen.push('page crashed'));
  return {
    async problems() {
      const csp: string[] = [];
      for (const frame of page.frames()) {
        const list = await frame
          .evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])
          .catch(() => []);
        csp.push(...list.filter((v) => !seen.some((s) => s.includes(v))));
      }
      return [...seen, ...csp];
    },
  };
}

interface TextBox {
  text: string;
  /** Which text node and which element hold it (numbered in document order). */
  node: number;
  element: number;
  /** A CSS path of the element holding the text, for the failure message. */
  where: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Overlap {
  a: TextBox;
  b: TextBox;
  /** Width × height of the shared area, px. */
  area: string;
}

/**
 * Every visible piece of text in a frame, as the boxes its glyph runs occupy (Range.getClientRects),
 * cut to what its scrolling/clipping ancestors let show. Hidden, transparent, zero-size and fully
 * clipped text is left out. Runs in the page.
 */
function collectTextBoxes(): TextBox[] {
  const path = (el: Element): string => {
    const parts: string[] = [];
    for (let e: Element | null = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(
        e.id
          ? `${e.localName}#${e.id}`
          : `${e.localName}${[...e.classList]
              .slice(0, 2)
              .map((c) => `.${c}`)
              .join('')}`,
      );
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  type Clip = { l: number; t: number; r: number; b: number };
  const clipCache = new Map<Element, Clip | null>();
  // The area an element's ancestors leave visible (overflow other than visible clips).
  const clipOf = (el: Element): Clip | null => {
    if (clipCache.has(el)) return clipCache.get(el)!;
    const parent = el.parentElement;
    let clip: Clip | null = parent ? clipOf(parent) : null;
    const s = getComputedStyle(el);
    const clipsX = s.overflowX !== 'visible';
    const clipsY = s.overflowY !== 'visible';
    if (clipsX || clipsY) {
      const r = el.getBoundingClientRect();
      const own: Clip = {
        l: clipsX ? r.left : -Infinity,
        t: clipsY ? r.top : -Infinity,
        r: clipsX ? r.right : Infinity,
        b: clipsY ? r.bottom : Infinity,
      };
      clip = clip
        ? {
            l: Math.max(clip.l, own.l),
            t: Math.max(clip.t, own.t),
            r: Math.min(clip.r, own.r),
            b: Math.min(clip.b, own.b),
          }
        : own;
    }
    clipCache.set(el, clip);
    return clip;
  };
  const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION', 'OPTGROUP', 'TEXTAREA', 'TITLE']);
  const boxes: TextBox[] = [];
  const elements = new Map<Element, number>();
  let nodeNo = 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent ?? '';
    if (!text.trim()) continue;
    const el = node.parentElement;
    if (!el || skip.has(el.tagName) || el.closest('select')) continue;
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const clip = clipOf(el);
    nodeNo++;
    if (!elements.has(el)) elements.set(el, elements.size);
    for (const r of range.getClientRects()) {
      let { left, top, right, bottom } = r;
      if (clip) {
        left = Math.max(left, clip.l);
        top = Math.max(top, clip.t);
        right = Math.min(right, clip.r);
        bottom = Math.min(bottom, clip.b);
      }
      if (right - left < 1 || bottom - top < 1) continue;
      boxes.push({
        text: text.trim().slice(0, 60),
        node: nodeNo,
        element: elements.get(el)!,
        where: path(el),
        x: left + scrollX,
        y: top + scrollY,
        width: right - left,
        height: bottom - top,
      });
    }
  }
  return boxes;
}

/**
 * Pairs of visible text from different elements whose boxes overlap. Lines of text touch by a pixel
 * or two where line-height is tight; anything sharing more than `tolerancePx` both ways is an
 * overlap a person sees.
 */
async function findOverlaps(frame: Frame, tolerancePx = 2): Promise<Overlap[]> {
  const boxes = (await frame.evaluate(collectTextBoxes)).sort((p, q) => p.y - q.y);
  const out: Overlap[] = [];
  const plain = (b: TextBox) => ({
    ...b,
    x: Math.round(b.x),
    y: Math.round(b.y),
    width: Math.round(b.width),
    height: Math.round(b.height),
  });
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i]!;
    for (let j = i + 1; j < boxes.length; j++) {
      const b = boxes[j]!;
      if (b.y >= a.y + a.height) break;
      if (a.node === b.node || a.element === b.element) continue;
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      if (w > tolerancePx && h > tolerancePx)
        out.push({ a: plain(a), b: plain(b), area: `${Math.round(w)}×${Math.round(h)}` });
    }
  }
  return out;
}

/** Overlapping text in the page and in every frame it embeds. */
async function overlapsInPage(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const frame of page.frames()) {
    const label = frame === page.mainFrame() ? '' : `[frame ${new URL(frame.url()).pathname}] `;
    for (const o of await findOverlaps(frame))
      out.push(
        `${label}overlapping text (${o.area} px): "${o.a.text}" (${o.a.where}) and "${o.b.text}" (${o.b.where})`,
      );
  }
  return out;
}

/**
 * The page (or a frame in it) is wider than its window: it scrolls sideways, or — where the page
 * hides overflow, as widgets in an OBS source do — cuts off what sticks out, sideways or below.
 */
async function overflowProblems(page: Page): Promise<string[]> {
  const out: string[] = [];
  for (const frame of page.frames()) {
    const label = frame === page.mainFrame() ? 'the page' : `the frame ${new URL(frame.url()).pathname}`;
    const r = await frame.evaluate(() => {
      const de = document.documentElement;
      const hides = [de, document.body].some((el) => /hidden|clip/.test(getComputedStyle(el).overflowY));
      return {
        scroll: de.scrollWidth,
        view: de.clientWidth,
        scrollH: Math.max(de.scrollHeight, document.body.scrollHeight),
        viewH: de.clientHeight,
        hides,
      };
    });
    if (r.scroll > r.view + 1)
      out.push(`${label} is ${r.scroll} px wide in a ${r.view} px window (scrolls sideways or is cut off)`);
    // A page that hides overflow (a widget in a fixed-size OBS source) cuts off what is below.
    if (r.hides && r.scrollH > r.viewH + 1)
      out.push(
        `${label} is ${r.scrollH} px tall in a ${r.viewH} px window that hides overflow (cut off at the bottom)`,
      );
  }
  return out;
}

export interface ViewOptions {
  /** Name of the screenshot (the width is appended). */
  name: string;
  /** Opens the page and waits until it shows what it is for. */
  open: (page: Page) => Promise<void>;
  /** Console errors this view provokes on purpose. */
  allow?: RegExp[];
  height?: number;
}

/**
 * Opens a view in a fresh page of `context` at `width`, checks it as a person would, keeps a
 * screenshot, and returns every problem found (empty when the page is fine).
 */
export async function checkView(context: BrowserContext, width: number, view: ViewOptions): Promise<string[]> {
  const page = await context.newPage();
  try {
    await page.setViewportSize({ width, height: view.height ?? 800 });
    const guard = await guardPage(page, view.allow);
    await view.open(page);
    // Fonts and late layout (charts sizing themselves) settle before anything is measured.
    await page.evaluate(() =>
      document.fonts.ready.then(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))),
    );
    await screenshot(page, `${view.name}-${width}`);
    const problems = [...(await guard.problems()), ...(await overlapsInPage(page)), ...(await overflowProblems(page))];
    return problems.map((p) => `${view.name} at ${width} px: ${p}`);
  } finally {
    await page.close();
  }
}
