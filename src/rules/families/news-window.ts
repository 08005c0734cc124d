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
import type { Trade } from '../timeline.ts';
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

function evaluateNewsWindow(rule: NewsWindowRule, { timeline, calendar }: FamilyContext): FamilyResult {
  const beforeMs = rule.minutes_before * 60_000;
  const afterMs = rule.minutes_after * 60_000;
  const parsed = calendar.map((e, index) => ({ e, index, ms: releaseMs(e) }));
  // Releases without a readable time cannot be placed: counted, never guessed.
  const events = parsed.filter((x) => Number.isFinite(x.ms)).sort((a, b) => a.ms - b.ms || a.index - b.index);
  const metrics: Record<string, unknown> = {
    news_events: events.length,
    news_events_ignored: parsed.length - events.length,
    news_window_trades: 0,
  };
  if (rule.action === 'void_profit') metrics.news_window_voided_profit = 0;
  if (events.length === 0) return { violations: [], objectives: [], metrics };

  const byPosition = new Map<number, Trade[]>();
  for (const t of timeline.trades) {
    const list = byPosition.get(t.position_id);
    if (list) list.push(t);
    else byPosition.set(t.position_id, [t]);
  }

  const violations: Violation[] = [];
  const seen = new Set<string>();
  const voided = new Map<string, number>();
  const sev = rule.action === 'violation' ? rule.severity : 'warning';
  for (const td of timeline.deals) {
    if (!td.isTrade) continue;
    const d = td.deal;
    if (!matchesInstrument(d.symbol, rule.instruments)) continue;
    // Releases whose window holds this deal: release ∈ [ms − after, ms + before].
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (events[mid]!.ms < td.ms - afterMs) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < events.length && events[i]!.ms <= td.ms + beforeMs; i++) {
      const ev = events[i]!;
      if (!matchesInstrument(d.symbol, ev.e.instruments)) continue;
      const trade = tradeAt(byPosition, d.position_id, td.ms);
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
  }
  metrics.news_window_trades = new Set([...seen].map((k) => k.slice(0, k.lastIndexOf(':')))).size;
  if (rule.action === 'void_profit')
    metrics.news_window_voided_profit = fromCents([...voided.values()].reduce((s, c) => s + c, 0));
  return { violations, objectives: [], metrics };
}

export const newsWindowFamily: RuleFamily<NewsWindowRule> = {
  type: 'news_window',
  schema: newsWindowSchema as z.ZodType<NewsWindowRule>,
  evaluate: evaluateNewsWindow,
};
