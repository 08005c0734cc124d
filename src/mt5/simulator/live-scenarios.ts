/**
 * The scripted live logins of `Brymix-Demo` (README.md): whatever second monitoring starts, the
 * simulator looks ahead on the live feed (`live-feed.ts`) and places one trade so that
 * - `2001` breaches a 10 % maximum loss on floating equity (equity below 90,000) within 60 s,
 *   after four losing days (about 2,250 each, one trade a day, 26 h apart so no two share a day
 *   in any time zone) that left its balance near 91,000 without breaking a 5 % daily loss;
 * - `2002` loses at least 2,600 of a fresh 100,000 within 60 s (over 50 % of a 5 % daily loss's
 *   room), closing the trade when it gets there, then trades on carefully without a breach.
 * Both trade US30 (the most volatile symbol per unit of margin) at 1:100 at most. After the script
 * 2001 becomes a random trader and 2002 a careful one (`live-traders.ts`).
 */
import { type LiveBook, type LiveTrader, maxCentiLots } from './live-book.ts';
import { CarefulTrader, floatPath, RandomTrader } from './live-traders.ts';

const SYMBOL = 'US30';
const HOUR_MS = 3_600_000;
/** How long before monitoring 2001's books begin: four losing days, 26 h apart, then the start. */
export const PRIOR_MS = 5 * 26 * HOUR_MS;
const PRIOR_LOSS_CENTS = 225_000;
const FLOOR_CENTS = 9_000_000;
/** By when (after the start) the scripted trade must have done its job: well inside the 60 s. */
const DEADLINE_MS = 50_000;

interface Plan {
  t0: number;
  dir: 1 | -1;
  centiLots: number;
  closeMs: number;
}

/**
 * The first open time in [from, from + 18 s] and side whose floating loss, sized within the margin,
 * reaches `targetCents` and stays there for `sustain` consecutive seconds before `deadline`. The
 * position is closed `holdAfterMs` after that window; `maxLossCents` bounds the loss at the close.
 */
function planLoss(
  book: LiveBook,
  from: number,
  deadline: number,
  targetCents: number,
  sustain: number,
  holdAfterMs: number,
  maxLossCents: number,
): Plan {
  const cap = maxCentiLots(SYMBOL, book.equityCents(from), from);
  let fallback: Plan | null = null;
  let fallbackWorst = 0;
  for (let t0 = from; t0 <= from + 18_000; t0 += 1_000) {
    for (const dir of [1, -1] as const) {
      const seconds = Math.floor((deadline - t0) / 1_000);
      const path = floatPath(SYMBOL, dir, t0, t0 + 1_000, seconds);
      // The loss held for `sustain` seconds in a row, per hundredth of a lot, at each window.
      let worst = 0;
      for (let i = 0; i + sustain <= path.length; i++) worst = Math.min(worst, Math.max(...path.slice(i, i + sustain)));
      if (worst >= 0) continue;
      const centiLots = Math.min(cap, Math.ceil(targetCents / -worst));
      for (let i = 0; i + sustain <= path.length; i++) {
        if (path.slice(i, i + sustain).every((v) => v * centiLots <= -targetCents)) {
          const closeMs = t0 + (i + sustain) * 1_000 + holdAfterMs;
          const closeLoss = -(floatPath(SYMBOL, dir, t0, closeMs, 1)[0] ?? 0) * centiLots;
          if (closeLoss <= maxLossCents) return { t0, dir, centiLots, closeMs };
          break;
        }
      }
      if (worst * cap < fallbackWorst) {
        fallbackWorst = worst * cap;
        fallback = { t0, dir, centiLots: cap, closeMs: deadline + holdAfterMs };
      }
    }
  }
  // The feed moved too little for the margin in this minute: the largest loss it allows.
  return fallback ?? { t0: from, dir: 1, centiLots: cap, closeMs: deadline + holdAfterMs };
}

/** Opens `plan` when its time comes, then hands over to `next`. */
class ScriptedTrade implements LiveTrader {
  nextOpenMs: number;
  private plan: Plan | null = null;
  private after: LiveTrader | null = null;

  constructor(
    at: number,
    private readonly makePlan: (book: LiveBook, ms: number) => Plan,
    private readonly next: (book: LiveBook, plan: Plan) => LiveTrader,
  ) {
    this.nextOpenMs = at;
  }

  act(book: LiveBook, ms: number): void {
    if (this.after) {
      this.after.act(book, ms);
      this.nextOpenMs = this.after.nextOpenMs;
    } else if (!this.plan) {
      this.plan = this.makePlan(book, ms);
      this.nextOpenMs = this.plan.t0;
    } else {
      const p = this.plan;
      book.open(p.t0, SYMBOL, p.dir, p.centiLots, p.closeMs);
      this.after = this.next(book, p);
      this.nextOpenMs = this.after.nextOpenMs;
    }
  }
}

/** A losing day: of three minutes and both sides, the trade whose worst second loses most, closed then. */
function planLosingDay(book: LiveBook, ms: number): Plan {
  let best: Plan | null = null;
  let bestPerCentiLot = 0;
  for (const t0 of [ms, ms + 60_000, ms + 120_000]) {
    for (const dir of [1, -1] as const) {
      const path = floatPath(SYMBOL, dir, t0, t0 + 60_000, 900);
      let at = 0;
      for (let i = 1; i < path.length; i++) if (path[i]! < path[at]!) at = i;
      if (path[at]! < bestPerCentiLot) {
        bestPerCentiLot = path[at]!;
        best = { t0, dir, centiLots: 0, closeMs: t0 + 60_000 + at * 1_000 };
      }
    }
  }
  const plan = best ?? { t0: ms, dir: 1, centiLots: 0, closeMs: ms + 60_000 };
  // Closed at its worst second: equity never sat below where the trade closed.
  const cap = maxCentiLots(SYMBOL, book.equityCents(ms), ms);
  plan.centiLots =
    bestPerCentiLot < 0 ? Math.max(1, Math.min(cap, Math.floor(PRIOR_LOSS_CENTS / -bestPerCentiLot))) : 1;
  return plan;
}

/** 2001: four losing days, then the breach of the 10 % floor right after monitoring starts. */
export function breachingTrader(seed: number, startMs: number): LiveTrader {
  const live = (): LiveTrader =>
    new ScriptedTrade(
      startMs + 2_000,
      (book, ms) => {
        const room = book.balanceCents - FLOOR_CENTS;
        return planLoss(book, ms, startMs + DEADLINE_MS, room + 30_000, 3, 90_000, Number.POSITIVE_INFINITY);
      },
      (_book, plan) => new RandomTrader(seed, plan.closeMs + 60_000),
    );
  const losingDay = (d: number): LiveTrader =>
    new ScriptedTrade(startMs - d * 26 * HOUR_MS, planLosingDay, () => (d > 1 ? losingDay(d - 1) : live()));
  return losingDay(4);
}

/** 2002: a 2,600+ loss within the first minute, closed at once, then careful trading. */
export function dailyAlertTrader(seed: number, startMs: number): LiveTrader {
  return new ScriptedTrade(
    startMs + 2_000,
    (book, ms) => planLoss(book, ms, startMs + DEADLINE_MS, 260_000, 1, 0, 330_000),
    (book, plan) => new CarefulTrader(seed, plan.closeMs + 20_000, book.balanceCents),
  );
}
