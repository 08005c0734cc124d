/**
 * Account data as the account API serves it: the seed's info / positions / summary shapes, the
 * snapshot the poller caches, and the pure functions that build them from what a connector
 * returns. Summary statistics keep the MetaApi MetaStats / Myfxbook names users recognise
 * (reference/ecosystem.md §1.1, §1.4).
 */
import type { AccountHistory, AccountInfo, OpenPosition } from '../../mt5/history.ts';
import { dayClock } from '../../rules/days.ts';
import { type FlatRules, flatRulesToSpecs, resolveFlatRules } from '../../rules/flat.ts';
import { DEFAULT_DAY_BASIS, decodeHistory, evaluateDecoded } from '../../rules/index.ts';
import { pct2 } from '../../rules/money.ts';
import { type Statistics, statistics } from '../../rules/statistics.ts';
import { timelineOf } from '../../rules/timeline-pass.ts';

export interface InfoView {
  balance: number;
  equity: number;
  margin: number;
  free_margin: number;
  margin_level: number | null;
  currency: string;
  leverage: number;
  as_of: string;
}

/** The API always answers `sl`/`tp`, null when the position has none (the history may omit them). */
export type PositionView = Pick<
  OpenPosition,
  'ticket' | 'symbol' | 'type' | 'volume' | 'open_price' | 'current_price' | 'swap' | 'profit' | 'open_time'
> & { sl: number | null; tp: number | null };

interface ChallengeView {
  /** Equity may not fall below these (the loss floors drawn on the equity chart). */
  max_loss_floor: number | null;
  daily_loss_floor: number | null;
  profit_target_balance: number | null;
  initial_balance: number;
  outcome: 'passed' | 'breached' | 'objectives_not_met';
}

export interface SummaryView {
  balance: number;
  equity: number;
  floating_pnl: number;
  today_pnl: number;
  open_positions: number;
  /** Time-weighted return in % (Myfxbook "Gain"; neutral to deposits and withdrawals). */
  gain: number;
  /** Largest peak-to-trough fall of the balance, in % (Myfxbook "Drawdown"). */
  drawdown: number;
  /** Equity below its high-water mark now, in %. */
  current_drawdown: number;
  currency: string;
  as_of: string;
  /** MetaStats names: absoluteGain, equityPercent, profitFactor, expectancy, wonTradesPercent … */
  statistics: Record<string, unknown>;
  challenge: ChallengeView | null;
}

export interface EquityPoint {
  /** Epoch seconds (lightweight-charts `UTCTimestamp`). */
  time: number;
  value: number;
}

/** What the poller caches per account: never older than ACCOUNT_CACHE_MAX_AGE_MS when served. */
export interface AccountSnapshot {
  account_id: string;
  /** Increases with every published change: the SSE event id. */
  seq: number;
  /** When Brymix last read the account upstream successfully (epoch ms). */
  fetched_at: number;
  /** Set while the latest upstream read failed; the data is the last good one. */
  error: { code: string; message: string; at: number } | null;
  info: InfoView;
  positions: PositionView[];
  summary: SummaryView;
  equity: EquityPoint[];
}

export interface HistoryDerived {
  /** Balance before "today" (reset zone) is found from deals; kept with the statistics. */
  stats: Statistics;
  dayStartBalance: number;
  dayAdjustments: number;
  challenge: ChallengeView | null;
  equity: EquityPoint[];
  dealCount: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function infoView(i: AccountInfo): InfoView {
  return {
    balance: i.balance,
    equity: i.equity,
    margin: i.margin,
    free_margin: i.free_margin,
    margin_level: i.margin_level,
    currency: i.currency,
    leverage: i.leverage,
    as_of: i.as_of,
  };
}

export function positionView(p: OpenPosition): PositionView {
  return {
    ticket: p.ticket,
    symbol: p.symbol,
    type: p.type,
    volume: p.volume,
    open_price: p.open_price,
    current_price: p.current_price,
    sl: p.sl ?? null,
    tp: p.tp ?? null,
    swap: p.swap,
    profit: p.profit,
    open_time: p.open_time,
  };
}

const ADJUSTMENTS = new Set(['balance', 'credit', 'charge', 'correction', 'bonus']);

/** Time-weighted return: chain the sub-period returns between deposits and withdrawals. */
function timeWeightedGain(history: AccountHistory, equityNow: number): number {
  let balance = history.account.initial_balance;
  let periodStart = balance;
  let growth = 1;
  for (const d of history.deals) {
    const cash = d.profit + d.commission + d.swap + d.fee;
    if (ADJUSTMENTS.has(d.type)) {
      if (periodStart > 0) growth *= balance / periodStart;
      balance += cash;
      periodStart = balance;
    } else balance += cash;
  }
  if (periodStart > 0) growth *= equityNow / periodStart;
  return pct2((growth - 1) * 100);
}

/** Downsamples to at most `max` points, keeping the lowest equity of each bucket (drawdowns stay visible). */
function downsample(points: EquityPoint[], max: number): EquityPoint[] {
  if (points.length <= max) return points;
  const size = Math.ceil(points.length / max);
  const out: EquityPoint[] = [];
  for (let i = 0; i < points.length; i += size) {
    let low = points[i]!;
    for (let j = i; j < Math.min(points.length, i + size); j++) if (points[j]!.value < low.value) low = points[j]!;
    out.push({ time: points[i]!.time, value: low.value });
  }
  return out;
}

/** Appends a point keeping times strictly increasing (the chart library requires it). */
export function appendPoint(series: EquityPoint[], p: EquityPoint, max: number): EquityPoint[] {
  const last = series.at(-1);
  const next =
    last && last.time >= p.time ? [...series.slice(0, -1), { time: last.time, value: p.value }] : [...series, p];
  return next.length > max ? next.slice(next.length - max) : next;
}

export const CHART_POINTS = 400;

export function deriveFromHistory(
  history: AccountHistory,
  opts: { rules: FlatRules | null; initialBalance: number | null; now: number },
): HistoryDerived {
  // Decoded once for the statistics and the challenge evaluation.
  const decoded = decodeHistory(history);
  const tl = timelineOf(decoded, opts.initialBalance ?? undefined);
  const resolved = opts.rules ? resolveFlatRules(opts.rules) : null;
  // The firm's day (its daily-loss reset) splits every day figure, as the check does.
  const day = {
    tz: resolved?.daily_reset_tz ?? DEFAULT_DAY_BASIS.tz,
    time: resolved?.daily_reset_time ?? DEFAULT_DAY_BASIS.time,
  };
  const stats = statistics(tl, day.tz, day.time);
  const clock = dayClock(day.tz, day.time);
  const todayStart = clock.startOf(clock.dayOf(opts.now));
  let balance = history.account.initial_balance;
  let dayStartBalance = balance;
  let dayAdjustments = 0;
  for (const d of history.deals) {
    const cash = d.profit + d.commission + d.swap + d.fee;
    const ms = Date.parse(d.time);
    if (ms < todayStart) dayStartBalance = balance + cash;
    else if (ADJUSTMENTS.has(d.type)) dayAdjustments += cash;
    balance += cash;
  }
  dayStartBalance = round2(dayStartBalance);

  let challenge: ChallengeView | null = null;
  if (opts.rules) {
    const ev = evaluateDecoded(decoded, flatRulesToSpecs(opts.rules), {
      initialBalance: opts.initialBalance ?? undefined,
      hash: false,
      day,
    });
    const initial = ev.metrics.initial_balance;
    const dailyPct = resolved?.max_daily_loss_percent as number | null;
    const target = resolved?.profit_target_percent as number | null;
    challenge = {
      initial_balance: initial,
      max_loss_floor: typeof ev.metrics.max_loss_floor === 'number' ? (ev.metrics.max_loss_floor as number) : null,
      daily_loss_floor: dailyPct ? round2(dayStartBalance - (initial * dailyPct) / 100) : null,
      profit_target_balance: target ? round2(initial * (1 + target / 100)) : null,
      outcome: ev.outcome,
    };
  }

  const raw: EquityPoint[] = (history.equity ?? []).map((e) => ({
    time: Math.floor(Date.parse(e.time) / 1000),
    value: e.equity,
  }));
  const dedup: EquityPoint[] = [];
  for (const p of raw) {
    const last = dedup.at(-1);
    if (last && last.time >= p.time) last.value = Math.min(last.value, p.value);
    else dedup.push(p);
  }
  return {
    stats,
    dayStartBalance,
    dayAdjustments,
    challenge,
    equity: downsample(dedup, CHART_POINTS - 50),
    dealCount: history.deals.length,
  };
}

export function buildSummary(
  info: InfoView,
  positions: PositionView[],
  h: HistoryDerived,
  history: AccountHistory,
): SummaryView {
  const s = h.stats;
  const peak = Math.max(s.highestBalance, info.balance);
  return {
    balance: info.balance,
    equity: info.equity,
    floating_pnl: round2(info.equity - info.balance),
    today_pnl: round2(info.equity - h.dayStartBalance - h.dayAdjustments),
    open_positions: positions.length,
    gain: timeWeightedGain(history, info.equity),
    drawdown: s.maxDrawdown,
    current_drawdown: peak > 0 ? Math.max(0, pct2(((peak - info.equity) / peak) * 100)) : 0,
    currency: info.currency,
    as_of: info.as_of,
    statistics: {
      balance: info.balance,
      equity: info.equity,
      equityPercent: info.balance ? pct2((info.equity / info.balance) * 100) : 0,
      margin: info.margin,
      freeMargin: info.free_margin,
      marginLevel: info.margin_level,
      absoluteGain: s.absoluteGain,
      highestBalance: s.highestBalance,
      highestBalanceDate: s.highestBalanceDate,
      maxDrawdown: s.maxDrawdown,
      profit: s.profit,
      deposits: s.deposits,
      withdrawals: s.withdrawals,
      interest: s.interest,
      commissions: s.commissions,
      trades: s.trades,
      longTrades: s.longTrades,
      shortTrades: s.shortTrades,
      wonTradesPercent: s.wonTradesPercent,
      lostTradesPercent: s.lostTradesPercent,
      profitFactor: s.profitFactor,
      expectancy: s.expectancy,
      averageWin: s.averageWin,
      averageLoss: s.averageLoss,
      bestTrade: s.bestTrade,
      worstTrade: s.worstTrade,
      lots: s.lots,
      averageTradeLengthInMilliseconds: s.averageTradeLengthInMilliseconds,
      dailyGain: s.dailyGrowth.length
        ? pct2(((1 + timeWeightedGain(history, info.equity) / 100) ** (1 / s.dailyGrowth.length) - 1) * 100)
        : 0,
    },
    challenge: h.challenge,
  };
}

/** Sections of a snapshot that differ (what an SSE `update` event carries). */
export function changedSections(
  prev: AccountSnapshot | null,
  next: AccountSnapshot,
): Partial<Pick<AccountSnapshot, 'info' | 'positions' | 'summary'>> {
  if (!prev) return { info: next.info, positions: next.positions, summary: next.summary };
  const out: Partial<Pick<AccountSnapshot, 'info' | 'positions' | 'summary'>> = {};
  if (JSON.stringify(prev.info) !== JSON.stringify(next.info)) out.info = next.info;
  if (JSON.stringify(prev.positions) !== JSON.stringify(next.positions)) out.positions = next.positions;
  if (JSON.stringify(prev.summary) !== JSON.stringify(next.summary)) out.summary = next.summary;
  return out;
}

/** Freshness fields every answer carries. */
export function freshness(
  s: AccountSnapshot,
  now: number,
  intervalMs: number,
): { stale: boolean; age_seconds: number; fetched_at: string } {
  const age = Math.max(0, now - s.fetched_at);
  return {
    stale: s.error !== null || age > intervalMs * 3,
    age_seconds: Math.round(age / 100) / 10,
    fetched_at: isoOf(s.fetched_at),
  };
}

// Every answer of a polling interval carries the same fetched_at: format it once.
let lastIsoMs = NaN;
let lastIso = '';
function isoOf(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}
