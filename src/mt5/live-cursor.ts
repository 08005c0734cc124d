/**
 * The cursor of a polled live reader (MetaApi, Manager Web API): which deals a monitor has been
 * handed, and the balance they add up to. Upstream APIs list deals by time range, and a deal can
 * become visible a little after its own time (MetaApi synchronizes the terminal's history; an
 * access server's clock is not ours). So each read lists deals again from `lookbackMs` before the
 * horizon (the later of the last read's time and the newest deal handed out) and skips the tickets
 * already handed out in that window: a deal is handed out once (ticket), oldest first (time, then
 * ticket), and none is missed unless it surfaces more than `lookbackMs` late.
 */
import { ConnectorError } from './connector.ts';
import type { Deal } from './history.ts';

export interface DealCursor {
  /** UTC ms: the last read's time, or the newest deal handed out if later. */
  horizonMs: number;
  /** Tickets handed out whose time is within the lookback of the horizon, with their time (UTC ms). */
  seen: Array<[ticket: number, timeMs: number]>;
  /** The account's balance in cents after the deals handed out (credit deals excluded, as MT5 does). */
  balanceCents: number;
}

const PREFIX = 'dc1.';

export function encodeCursor(c: DealCursor): string {
  return PREFIX + Buffer.from(JSON.stringify({ h: c.horizonMs, s: c.seen, b: c.balanceCents })).toString('base64url');
}

export function decodeCursor(text: string): DealCursor {
  const bad = () => new ConnectorError('bad_data', 'Live cursor not issued by this reader', false);
  if (!text.startsWith(PREFIX)) throw bad();
  let body: { h?: unknown; s?: unknown; b?: unknown };
  try {
    body = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const pairOk = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isSafeInteger(x));
  if (
    !body ||
    !Number.isSafeInteger(body.h) ||
    !Number.isSafeInteger(body.b) ||
    !Array.isArray(body.s) ||
    !body.s.every(pairOk)
  )
    throw bad();
  return { horizonMs: body.h as number, seen: body.s as DealCursor['seen'], balanceCents: body.b as number };
}

const timeOf = (d: Deal) => Date.parse(d.time);
const byTimeThenTicket = (a: Deal, b: Deal) => timeOf(a) - timeOf(b) || a.ticket - b.ticket;
const cents = (n: number) => Math.round(n * 100);

/** What a deal does to the balance, in cents: MT5's balance excludes credit. */
function balanceEffectCents(d: Deal): number {
  return d.type === 'credit' ? 0 : cents(d.profit) + cents(d.commission) + cents(d.swap) + cents(d.fee);
}

/**
 * The cursor after a history read at `readMs` whose deals were all handed out: `keys` are every
 * deal the upstream listed (including funding deposits folded into the initial balance), `balance`
 * the balance they add up to.
 */
export function cursorAfter(
  keys: Array<[ticket: number, timeMs: number]>,
  readMs: number,
  balance: number,
  lookbackMs: number,
): DealCursor {
  let horizonMs = readMs;
  for (const [, ms] of keys) horizonMs = Math.max(horizonMs, ms);
  return { horizonMs, seen: keys.filter(([, ms]) => ms >= horizonMs - lookbackMs), balanceCents: cents(balance) };
}

/** From when the next read must list deals (inclusive), UTC ms. */
export const listFromMs = (c: DealCursor, lookbackMs: number): number => c.horizonMs - lookbackMs;

/**
 * The deals of a listing not handed out yet, oldest first, and the cursor after them. `listed`
 * must be every deal the upstream knows from `listFromMs(c)` on, listed at `readMs`.
 */
export function advanceCursor(
  c: DealCursor,
  listed: readonly Deal[],
  readMs: number,
  lookbackMs: number,
): { deals: Deal[]; cursor: DealCursor } {
  const seen = new Set(c.seen.map(([ticket]) => ticket));
  const from = listFromMs(c, lookbackMs);
  const fresh: Deal[] = [];
  for (const d of listed) {
    if (seen.has(d.ticket) || timeOf(d) < from) continue;
    seen.add(d.ticket);
    fresh.push(d);
  }
  fresh.sort(byTimeThenTicket);
  let horizonMs = Math.max(c.horizonMs, readMs);
  let balanceCents = c.balanceCents;
  for (const d of fresh) {
    horizonMs = Math.max(horizonMs, timeOf(d));
    balanceCents += balanceEffectCents(d);
  }
  const kept = [...c.seen, ...fresh.map((d): [number, number] => [d.ticket, timeOf(d)])].filter(
    ([, ms]) => ms >= horizonMs - lookbackMs,
  );
  return { deals: fresh, cursor: { horizonMs, seen: kept, balanceCents } };
}
