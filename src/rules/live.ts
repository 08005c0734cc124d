/**
 * A live account's evaluation: a history that grows by observations (the deals booked since the last
 * one, an equity reading, the positions open now) and, after each, exactly the evaluation `evaluate`
 * gives for the history so far, plus where each loss limit stands (the room an alert measures).
 *
 * The timeline grows in place (live/columns.ts: balance, positions, equity points appended per deal
 * and reading), and the loss limits keep their state point by point (live/max-loss.ts,
 * live/daily-loss.ts; every other family but two deal by deal, live/families.ts), so apply, limits
 * and breached cost what the observation holds. profit_target (a few totals) and
 * cross_account_hedging (the other accounts' positions) are evaluated by their batch evaluators on the
 * live timeline when asked, for breached() again only on a deal or once the verdict could have moved
 * with time (live/deadlines.ts); without readings, M1 bars make the batch engine evaluate the history
 * (the bound covers it all).
 *
 * Memory does not grow with the readings: once the families have read an equity point only the last
 * one is kept, and the readings themselves are kept only for the replay window. A deal or reading that
 * arrives out of the batch pass's order (a deal polled after a later reading) is replayed from a copy
 * of the state taken before it (a checkpoint, taken every `replayWindowMs` of account time, the two
 * newest kept), so the result is still exactly the batch one. An item older than the oldest checkpoint
 * is placed at that checkpoint instead (its effect on balance and equity counted, its instant moved
 * later) and counted in `lateBeyondWindow()`; the first equity reading, which turns deal-instant points
 * into reading points, rebuilds from the history once.
 */
import type { AccountHistory, Deal, EquitySnapshot, OpenPosition } from '../mt5/history.ts';
import { ruleSetDay } from './day-basis.ts';
import { assembleEvaluation, type EvaluateOptions, evaluateWithLimits, familyContext } from './evaluate.ts';
import type { FamilyContext, LimitState } from './families/family.ts';
import { deepClone, shareInClones } from './live/clone.ts';
import { type ColumnsCheckpoint, dealAfter, LiveColumns, readingAfter } from './live/columns.ts';
import { columnsTimeline } from './live/columns-view.ts';
import { verdictHoldsUntil } from './live/deadlines.ts';
import { liveFamily, type Market } from './live/families.ts';
import type { LiveFamily } from './live/family.ts';
import { LiveFigures } from './live/figures.ts';
import { ReadingTail } from './live/readings.ts';
import { fromCents, pct2, toCents } from './money.ts';
import { evaluateFamily, type RuleSpec } from './registry.ts';
import { parseUtcMs } from './time.ts';
import { buildTimeline } from './timeline-pass.ts';
import type { Evaluation } from './types.ts';

/** One observation of a live account. */
export interface Observation {
  /** Deals booked since the previous observation, oldest first. */
  deals: Deal[];
  /** One equity reading (its time is the observation's). */
  equity: EquitySnapshot | null;
  /** The reading's time in ms, when the caller has it (saves parsing it again). */
  equityMs?: number;
  /** The positions open now, when the source read them. */
  positions: OpenPosition[] | null;
}

/** How much of a loss limit's room is used now (for alerts at 50/80/95 %). */
interface LimitRoom {
  /** The violation's rule name as a check reports it: 'maximum_drawdown' | 'maximum_daily_loss'. */
  rule: string;
  /** The floor the measured figure may not reach, in account money. */
  floor: number;
  /** The room from the limit's anchor (initial capital, peak, day start) to the floor, in money. */
  allowed: number;
  /** (anchor − value) / allowed × 100, never below 0; 100 or more is at or past the floor. */
  used_percent: number;
  /** The trading day (YYYY-MM-DD in the rule's reset zone) for a daily limit, else null. */
  day: string | null;
}

/** How the live evaluator keeps its memory bounded. */
export interface LiveOptions extends EvaluateOptions {
  /**
   * Account time a late item may lag the newest one and still be replayed exactly (default: no limit,
   * every reading kept). The readings kept span one to two windows.
   */
  replayWindowMs?: number;
}

export interface LiveEvaluator {
  apply(o: Observation): void;
  /** Items that arrived later than the replay window allowed, placed at its oldest checkpoint. */
  lateBeyondWindow(): number;
  /** What it holds that could grow: equity points, readings kept for replays, checkpoints. */
  held(): { points: number; readings: number; checkpoints: number };
  /** What `evaluate(historySoFar, rules, opts)` returns for everything applied so far (inputs_hash null). */
  evaluation(): Evaluation;
  /** Room used per loss limit at the last observation. */
  limits(): LimitRoom[];
  /** Whether a hard rule is broken: evaluation().outcome === 'breached'. */
  breached(): boolean;
}

function roomOf(s: LimitState): LimitRoom {
  const allowed = s.anchor - s.floor;
  const used = allowed > 0 ? ((s.anchor - s.value) / allowed) * 100 : s.value <= s.floor ? 100 : 0;
  return {
    rule: s.rule,
    floor: fromCents(s.floor),
    allowed: fromCents(allowed),
    used_percent: Math.max(0, pct2(used)),
    day: s.day,
  };
}

/** Everything the incremental evaluation holds; a checkpoint copies it (live/clone.ts), the columns in part. */
interface Core {
  cols: LiveColumns;
  figures: LiveFigures;
  families: (LiveFamily | null)[];
  /** Equity points the families have read. */
  fed: number;
}

/** Stands for the columns in a checkpoint's copy of the families and figures. */
const COLUMNS = Object.freeze({});

interface Checkpoint {
  /** The columns' own state (the rest is rebuilt from the deals), and a copy of everything else. */
  cols: ColumnsCheckpoint;
  rest: Omit<Core, 'cols'>;
  /** The readings (global index) it holds. */
  readings: number;
  /** Account time it reached. */
  ms: number;
}

/** A deal and the instant it is merged at (its time, or later for one beyond the replay window). */
interface Placed {
  deal: Deal;
  ms: number;
}

/** A late item: what a checkpoint must be before to replay it. */
type Late = { deal: true; ms: number; ticket: number } | { deal: false; ms: number };

/** Starts from a history (possibly without deals) and grows it by observations. */
export function createLiveEvaluator(seed: AccountHistory, rules: RuleSpec[], opts: LiveOptions = {}): LiveEvaluator {
  // The readings are kept in the tail only (a reading object each would hold most of the memory).
  const history: AccountHistory = {
    ...seed,
    deals: [...seed.deals],
    equity: [],
    positions: [...(seed.positions ?? [])],
  };
  const { replayWindowMs = Number.POSITIVE_INFINITY, ...evaluateOpts } = opts;
  const options: EvaluateOptions = { ...evaluateOpts, hash: false };
  for (const r of rules) shareInClones(r);
  const market: Market = {
    symbols: seed.symbols && shareInClones(seed.symbols),
    currency: seed.account.currency?.toUpperCase(),
    calendar: opts.calendar ?? [],
  };
  const ic = toCents(opts.initialBalance ?? seed.account.initial_balance);
  const startBalance = toCents(seed.account.initial_balance);
  const others = (opts.otherAccounts ?? []).map((h) => buildTimeline(h));
  const day = opts.day ?? ruleSetDay(rules);
  /** Every deal in merge order (time, then ticket, then arrival), and the readings still needed. */
  const deals: Placed[] = [];
  const tail = new ReadingTail();
  let checkpoints: Checkpoint[] = [];
  let beyondWindow = 0;
  let core: Core;
  /** Non-incremental hard families' breach, by rule index: for how many deals, and until which instant. */
  const hardCache = new Map<number, { deals: number; until: number; hard: boolean }>();
  let batch: { evaluation: Evaluation; limits: LimitRoom[] } | null = null;
  let assembled: Evaluation | null = null;
  // Without equity readings, M1 bars add bound points over the whole history (m1-bound.ts): batch.
  const bounded = () => core.cols.snapshots === 0 && !!history.bars && !!history.symbols;

  const newCore = (observed: boolean): Core => {
    const cols = new LiveColumns(startBalance, observed);
    const figures = new LiveFigures(cols, ic, day);
    return { cols, figures, families: rules.map((r) => liveFamily(r, cols, figures, ic, market)), fed: 0 };
  };
  /** The families read the new equity points; then only the last point is kept. */
  const feed = (c: Core) => {
    const n = c.cols.points.length;
    for (; c.fed < n; c.fed++) {
      c.figures.point(c.fed);
      for (const f of c.families) f?.point(c.fed);
    }
    c.cols.keepLastPoint();
    c.fed = c.cols.points.length;
  };
  const addDeal = (c: Core, p: Placed) => {
    c.cols.addDeal(p.deal, p.ms);
    const i = c.cols.deals.length - 1;
    c.figures.deal(i);
    for (const f of c.families) f?.deal?.(i);
  };
  /** Merges the deals from index `di` and the readings from global index `ri` into `c`. */
  const replayInto = (c: Core, di: number, ri: number) => {
    for (; di < deals.length; di++) {
      const p = deals[di]!;
      for (; ri < tail.count && tail.msAt(ri) < p.ms; ri++) c.cols.addSnapshot(tail.msAt(ri), tail.equityAt(ri));
      addDeal(c, p);
    }
    for (; ri < tail.count; ri++) c.cols.addSnapshot(tail.msAt(ri), tail.equityAt(ri));
    feed(c);
  };
  const insertDeal = (p: Placed) => {
    let lo = 0;
    let hi = deals.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const q = deals[mid]!;
      if (q.ms < p.ms || (q.ms === p.ms && q.deal.ticket <= p.deal.ticket)) lo = mid + 1;
      else hi = mid;
    }
    deals.splice(lo, 0, p);
  };
  const takes = (ck: Checkpoint, l: Late) =>
    l.deal ? dealAfter(ck.cols, l.ms, l.ticket) : ck.cols.observed && readingAfter(ck.cols, l.ms);
  /**
   * Where a late item is merged: its own instant while a checkpoint before it (or every reading) is
   * kept, else the oldest checkpoint's position.
   */
  const place = (l: Late): number => {
    const oldest = checkpoints[0];
    if (tail.base === 0 || !oldest || takes(oldest, l)) return l.ms;
    beyondWindow++;
    const c = oldest.cols;
    return l.deal
      ? Math.max(l.ms, c.lastSnapshotMs + 1, c.lastDealMs + 1)
      : Math.max(l.ms, c.lastSnapshotMs, c.lastDealMs);
  };
  /** Rebuilds from the newest checkpoint that precedes every late item (or from the start). */
  const replay = (late: Late[]) => {
    let i = checkpoints.length - 1;
    while (i >= 0 && !late.every((l) => takes(checkpoints[i]!, l))) i--;
    if (i < 0) {
      // Every reading is still kept (place() moved anything older to the oldest checkpoint).
      core = newCore(tail.count > 0);
      checkpoints = [];
      replayInto(core, 0, tail.base);
      return;
    }
    const ck = checkpoints[i]!;
    checkpoints.length = i + 1;
    const cols = LiveColumns.restore(startBalance, ck.cols, deals);
    core = { cols, ...deepClone(ck.rest, new Map([[COLUMNS, cols]])) };
    replayInto(core, ck.cols.deals, ck.readings);
  };
  /** A checkpoint every window of account time; readings before the older of the two are dropped. */
  const checkpoint = () => {
    if (!Number.isFinite(replayWindowMs)) return;
    const ms = Math.max(core.cols.lastSnapshotMs, core.cols.lastDealMs);
    if (ms === Number.NEGATIVE_INFINITY) return;
    const newest = checkpoints[checkpoints.length - 1];
    if (newest && ms - newest.ms < replayWindowMs) return;
    const { cols, ...rest } = core;
    checkpoints.push({
      cols: cols.checkpoint(),
      rest: deepClone(rest, new Map([[cols, COLUMNS]])),
      readings: tail.count,
      ms,
    });
    if (checkpoints.length > 2) checkpoints.shift();
    // With one checkpoint every reading is kept: an item before it rebuilds from the start, exactly.
    if (checkpoints.length === 2) tail.dropBefore(checkpoints[0]!.readings);
  };

  for (const e of seed.equity ?? []) tail.insert(parseUtcMs(e.time), toCents(e.equity));
  for (const d of seed.deals) insertDeal({ deal: d, ms: parseUtcMs(d.time) });
  core = newCore(tail.count > 0);
  replayInto(core, 0, 0);
  checkpoint();

  const timeline = () => columnsTimeline(core.cols, history, ic);
  const current = () => {
    batch ??= (() => {
      const r = evaluateWithLimits(history, rules, options);
      return { evaluation: r.evaluation, limits: r.limits.map(roomOf) };
    })();
    return batch;
  };
  const evaluation = (): Evaluation => {
    if (bounded()) return current().evaluation;
    if (!assembled) {
      const t = timeline();
      const ctx = familyContext(t, others, options);
      const results = rules.map((r, i) => core.families[i]?.result(t) ?? evaluateFamily(r, ctx));
      assembled = assembleEvaluation(t, rules, options, results, core.figures.figures(t)).evaluation;
    }
    return assembled;
  };

  return {
    apply(o) {
      const late: Late[] = [];
      for (const d of o.deals) {
        history.deals.push(d);
        const ms = parseUtcMs(d.time);
        if (late.length === 0 && core.cols.dealInOrder(ms, d.ticket)) {
          const p = { deal: d, ms };
          deals.push(p);
          addDeal(core, p);
          continue;
        }
        const l: Late = { deal: true, ms, ticket: d.ticket };
        l.ms = place(l);
        late.push(l);
        insertDeal({ deal: d, ms: l.ms });
      }
      if (o.equity) {
        const ms = o.equityMs ?? parseUtcMs(o.equity.time);
        const equity = toCents(o.equity.equity);
        // The first reading turns deal-instant points into reading points: the stream is rebuilt once.
        if (late.length === 0 && core.cols.observed && core.cols.snapshotInOrder(ms)) {
          tail.insert(ms, equity);
          core.cols.addSnapshot(ms, equity);
        } else {
          const l: Late = { deal: false, ms };
          l.ms = place(l);
          late.push(l);
          tail.insert(l.ms, equity);
        }
      }
      if (o.positions) history.positions = o.positions;
      if (late.length === 0) feed(core);
      else replay(late);
      checkpoint();
      batch = null;
      assembled = null;
    },
    lateBeyondWindow: () => beyondWindow,
    held: () => ({
      points: core.cols.points.length,
      readings: tail.count - tail.base,
      checkpoints: checkpoints.length,
    }),
    evaluation,
    limits() {
      if (bounded()) return current().limits;
      const out: LimitRoom[] = [];
      for (const f of core.families) {
        const s = f?.limit();
        if (s) out.push(roomOf(s));
      }
      return out;
    },
    breached() {
      if (bounded()) return current().evaluation.outcome === 'breached';
      const { cols, families } = core;
      if (families.some((f) => f?.hardBreach())) return true;
      // Families without incremental state: their batch evaluator on the live timeline, again only
      // once a deal arrives or the account's time reaches the instant their verdict could change at
      // (live/deadlines.ts: the end of an inactivity allowance, a weekend cutoff, a stop-loss deadline).
      const lastMs = cols.instant();
      const dealCount = cols.deals.length;
      let ctx: FamilyContext | null = null;
      return rules.some((r, i) => {
        if (families[i] || !('severity' in r) || r.severity !== 'hard') return false;
        const hit = hardCache.get(i);
        if (hit && hit.deals === dealCount && lastMs < hit.until) return hit.hard;
        ctx ??= familyContext(timeline(), others, options);
        const hard = evaluateFamily(r, ctx).violations.some((v) => v.severity === 'hard' && v.certainty !== 'possible');
        hardCache.set(i, {
          deals: dealCount,
          until: verdictHoldsUntil(r, ctx.timeline, ctx.atMs, hard, others.length),
          hard,
        });
        return hard;
      });
    },
  };
}
