/**
 * News windows (reference/rules.md §2.8, §3.6): around every release of the supplied calendar
 * (ctx.calendar), opening or closing a position — including pending-order fills and SL/TP exits,
 * which are deals too — inside [release − minutes_before, release + minutes_after] (both ends
 * included) counts; holding a position through the window does not. An instrument matches a symbol
 * by case-insensitive substring (USD matches EURUSD, XAU matches XAUUSD.r); a release without
 * instruments moves every symbol, and the rule's own `instruments` narrow it further.
 * `exempt_if_opened_hours_before` (FundingPips): closing a position opened at least that long
 * before the release is allowed. One finding per position and release.
 *   action violation   reported with the rule's severity (FTMO funded, The5ers High Stakes)
 *   action void_profit the position's profit is not counted (FundingPips, For Traders): a warning
 *                      with the voided amount, summed in the metric news_window_voided_profit
 *   action warning     reported as a warning
 */
import { z } from 'zod';
import { evidence } from '../evidence.ts';
import { matchesInstrument } from '../instruments.ts';
import { formatMoney, fromCents } from '../money.ts';
import { severity } from '../spec-fields.ts';
import { parseUtcMs } from '../time.ts';
import type { TimedDeal, Trade } from '../timeline.ts';
import type { Violation } from '../types.ts';
import type { FamilyContext, FamilyResult, NewsEvent, RuleFamily } from './family.ts';

const minutes = z.number().finite().min(0).max(1440);

const newsWindowSchema = z
  .object({
    type: z.literal('news_window'),
    minutes_before: minutes.default(2),
    minutes_after: minutes.default(2),
    /** Currencies or symbols the rule targets (substring match); absent = whatever each release moves. */
    instruments: z.array(z.string().min(1)).optional(),
    action: z.enum(['violation', 'void_profit', 'warning']).default('violation'),
    exempt_if_opened_hours_before: z
      .number()
      .finite()
      .gt(0)
      .max(24 * 30)
      .optional(),
    severity,
  })
  .strict();
export type NewsWindowRule = z.infer<typeof newsWindowSchema>;

/** The trade a deal of `position_id` at `ms` belongs to (the newly opened one for a reversal). */
function tradeAt(byPosition: Map<number, Trade[]>, positionId: number, ms: number): Trade | undefined {
  const list = byPosition.get(positionId);
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const t = list[i]!;
    if (t.openMs <= ms && (t.closeMs === null || ms <= t.closeMs)) return t;
  }
  return undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The release instant, or NaN when its time is missing or unreadable. */
function releaseMs(e: NewsEvent): number {
  if (typeof e.time !== 'string') return NaN;
  try {
    return parseUtcMs(e.time);
  } catch {
    return NaN;
  }
}

/** A release with its place in the calendar and its instant. */
export interface Release {
  e: NewsEvent;
  index: number;
  ms: number;
}

/** The calendar's releases that have a readable time, in time order; and how many were left out. */
export function releases(calendar: readonly NewsEvent[]): { events: Release[]; ignored: number } {
  const parsed = calendar.map((e, index) => ({ e, index, ms: releaseMs(e) }));
  // Releases without a readable time cannot be placed: counted, never guessed.
  const events = parsed.filter((x) => Number.isFinite(x.ms)).sort((a, b) => a.ms - b.ms || a.index - b.index);
  return { events, ignored: parsed.length - events.length };
}

/** A trade deal inside a release's window (one per position and release). */
export interface NewsHit {
  td: TimedDeal;
  /** The position's trade the deal belongs to (its profit and side are read when the result is built). */
  trade: Trade | undefined;
  ev: Release;
  positionKey: string;
}

/**
 * The hits of one trade deal: the releases whose window holds it (release ∈ [ms − after, ms + before]),
 * less closes exempt by the position's age and those already found for its position and release.
 */
export function newsHits(
  rule: NewsWindowRule,
  events: readonly Release[],
  td: TimedDeal,
  trade: Trade | undefined,
  seen: Set<string>,
): NewsHit[] {
  const d = td.deal;
  if (!td.isTrade || !matchesInstrument(d.symbol, rule.instruments)) return [];
  const beforeMs = rule.minutes_before * 60_000;
  const afterMs = rule.minutes_after * 60_000;
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.ms < td.ms - afterMs) lo = mid + 1;
    else hi = mid;
  }
  const hits: NewsHit[] = [];
  for (let i = lo; i < events.length && events[i]!.ms <= td.ms + beforeMs; i++) {
    const ev = events[i]!;
    if (!matchesInstrument(d.symbol, ev.e.instruments)) continue;
    const isClose = d.entry === 'out' || d.entry === 'out_by';
    if (
      isClose &&
      rule.exempt_if_opened_hours_before !== undefined &&
      trade &&
      trade.openMs <= ev.ms - rule.exempt_if_opened_hours_before * 3_600_000
    )
      continue;
    const positionKey = trade ? `${trade.position_id}@${trade.openMs}` : `deal${d.ticket}`;
    const key = `${positionKey}:${ev.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    hits.push({ td, trade, ev, positionKey });
  }
  return hits;
}

function evaluateNewsWindow(rule: NewsWindowRule, { timeline, calendar }: FamilyContext): FamilyResult {
  const { events, ignored } = releases(calendar);
  if (events.length === 0) return newsResult(rule, [], events.length, ignored);
  const byPosition = new Map<number, Trade[]>();
  for (const t of timeline.trades) {
    const list = byPosition.get(t.position_id);
    if (list) list.push(t);
    else byPosition.set(t.position_id, [t]);
  }
  const hits: NewsHit[] = [];
  const seen = new Set<string>();
  for (const td of timeline.deals)
    if (td.isTrade) hits.push(...newsHits(rule, events, td, tradeAt(byPosition, td.deal.position_id, td.ms), seen));
  return newsResult(rule, hits, events.length, ignored);
}

/** The family's result from its hits in deal order (profits read from the trades as they are now). */
export function newsResult(
  rule: NewsWindowRule,
  hits: readonly NewsHit[],
  events: number,
  ignored: number,
): FamilyResult {
  const beforeMs = rule.minutes_before * 60_000;
  const afterMs = rule.minutes_after * 60_000;
  const metrics: Record<string, unknown> = {
    news_events: events,
    news_events_ignored: ignored,
    news_window_trades: new Set(hits.map((h) => h.positionKey)).size,
  };
  if (rule.action === 'void_profit') metrics.news_window_voided_profit = 0;
  const violations: Violation[] = [];
  const voided = new Map<string, number>();
  const sev = rule.action === 'violation' ? rule.severity : 'warning';
  for (const { td, trade, ev, positionKey } of hits) {
    const d = td.deal;
    const isClose = d.entry === 'out' || d.entry === 'out_by';
    const profit = trade?.cents ?? td.cents;
    const what = isClose ? 'closed' : 'opened';
    const v: Violation = {
      rule: 'news_window',
      description: `Position ${d.position_id} (${d.symbol}) ${what} at ${iso(td.ms)}, inside the news window ${iso(ev.ms - beforeMs)} – ${iso(ev.ms + afterMs)}${ev.e.title ? ` of "${ev.e.title}"` : ''}`,
      severity: sev,
      timestamp: iso(td.ms),
      action: rule.action,
      ticket: d.ticket,
      position_id: d.position_id,
      symbol: d.symbol,
      side: trade?.side ?? d.type,
      deal_entry: d.entry,
      deal_time: iso(td.ms),
      event_time: iso(ev.ms),
      event_title: ev.e.title ?? null,
      event_instruments: ev.e.instruments ?? [],
      window_start: iso(ev.ms - beforeMs),
      window_end: iso(ev.ms + afterMs),
      minutes_before: rule.minutes_before,
      minutes_after: rule.minutes_after,
      profit: fromCents(profit),
      // The measure: how far from the release the deal was, against the window on its side.
      ...evidence({
        firstMs: td.ms,
        worstValue: Math.abs(ev.ms - td.ms) / 1000,
        worstMs: td.ms,
        limit: (td.ms < ev.ms ? beforeMs : afterMs) / 1000,
        unit: 'seconds',
        positions: [d.position_id],
        deals: [d.ticket],
      }),
    };
    if (rule.action === 'void_profit') {
      // A position's profit is voided once, however many releases it touched.
      const amount = voided.has(positionKey) ? 0 : Math.max(0, profit);
      if (!voided.has(positionKey)) voided.set(positionKey, amount);
      v.voided_profit = fromCents(amount);
      v.description += amount > 0 ? `; profit ${formatMoney(amount)} not counted` : '';
    }
    violations.push(v);
  }
  if (rule.action === 'void_profit')
    metrics.news_window_voided_profit = fromCents([...voided.values()].reduce((s, c) => s + c, 0));
  return { violations, objectives: [], metrics };
}

export const newsWindowFamily: RuleFamily<NewsWindowRule> = {
  type: 'news_window',
  schema: newsWindowSchema as z.ZodType<NewsWindowRule>,
  evaluate: evaluateNewsWindow,
};
