/**
 * Widgets: kinds, the privacy options bound to a token (server side — editing the URL can only hide
 * more, never reveal), and the pure function that turns an account snapshot into what a widget may
 * show (reference/ecosystem.md §1.7–1.9: percent-only streamer mode, hidden positions or entry
 * prices, delayed publishing).
 */
import { z } from 'zod';
import type { AccountSnapshot } from '../accounts/account.ts';

export const WIDGET_KINDS = ['card', 'positions', 'chart', 'stats'] as const;
export type WidgetKind = (typeof WIDGET_KINDS)[number];

export const widgetOptionsSchema = z
  .object({
    /** Money amounts never leave the server; only percentages. */
    percent_only: z.boolean().default(false),
    hide_positions: z.boolean().default(false),
    /** Open price, SL/TP and open time of positions are withheld. */
    hide_entry: z.boolean().default(false),
    /** Nothing newer than this reaches the widget (anti-copying delay). */
    delay_seconds: z.number().int().min(0).max(3600).default(0),
    /** Hide the MT5 login (the display name is still shown). */
    hide_login: z.boolean().default(true),
  })
  .strict();
export type WidgetOptions = z.infer<typeof widgetOptionsSchema>;

/** Options the URL may add on top of the token's (streamer mode = percent only + hidden entries). */
export function effectiveOptions(bound: WidgetOptions, query: { streamer?: string; hide?: string }): WidgetOptions {
  const streamer = query.streamer === '1' || query.streamer === 'true';
  const hide = new Set((query.hide ?? '').split(',').map((s) => s.trim()));
  return {
    percent_only: bound.percent_only || streamer || hide.has('money'),
    hide_positions: bound.hide_positions || hide.has('positions'),
    hide_entry: bound.hide_entry || streamer || hide.has('entry'),
    delay_seconds: bound.delay_seconds,
    hide_login: bound.hide_login || streamer,
  };
}

const pct = (part: number, whole: number) => (whole ? Math.round((part / whole) * 10_000) / 100 : 0);

export interface WidgetMeta {
  name: string;
  login: string;
  kind: string;
}

/** A live monitor watching the widget's account (same tenant, login and server): its loss limits. */
export interface WidgetMonitor {
  status: string;
  limits: Array<{ rule: string; floor: number; used_percent: number; day: string | null }>;
}

/** Which chart floor a monitor's limit is (the rule names a check reports). */
const FLOOR_OF: Record<string, 'max_loss' | 'daily_loss'> = {
  maximum_drawdown: 'max_loss',
  maximum_daily_loss: 'daily_loss',
  daily_loss: 'daily_loss',
};

export function widgetPayload(
  s: AccountSnapshot,
  o: WidgetOptions,
  meta: WidgetMeta,
  fresh: { stale: boolean; age_seconds: number; fetched_at: string },
  intervalMs: number,
  monitor: WidgetMonitor | null = null,
) {
  const sum = s.summary;
  const base = sum.challenge?.initial_balance ?? s.equity[0]?.value ?? s.info.balance;
  const money = (v: number | null) => (o.percent_only ? null : v);
  const asPct = (v: number) => Math.round((v / base - 1) * 10_000) / 100;
  const st = sum.statistics as Record<string, unknown>;
  const positions = o.hide_positions
    ? null
    : s.positions.map((p) => ({
        ticket: o.hide_entry ? null : p.ticket,
        symbol: p.symbol,
        type: p.type,
        volume: o.percent_only ? null : p.volume,
        open_price: o.hide_entry ? null : p.open_price,
        current_price: p.current_price,
        sl: o.hide_entry ? null : p.sl,
        tp: o.hide_entry ? null : p.tp,
        open_time: o.hide_entry ? null : p.open_time,
        profit: money(p.profit),
        profit_percent: pct(p.profit, s.info.balance),
      }));
  let floors: { max_loss: number | null; daily_loss: number | null; profit_target: number | null } | null =
    sum.challenge
      ? {
          max_loss: sum.challenge.max_loss_floor,
          daily_loss: sum.challenge.daily_loss_floor,
          profit_target: sum.challenge.profit_target_balance,
        }
      : null;
  // A live monitor's floors are the ones the account is judged against now: they win.
  for (const l of monitor?.limits ?? []) {
    const which = FLOOR_OF[l.rule];
    if (which) floors = { ...(floors ?? { max_loss: null, daily_loss: null, profit_target: null }), [which]: l.floor };
  }
  return {
    seq: s.seq,
    interval_ms: intervalMs,
    account: { name: meta.name, login: o.hide_login ? null : meta.login },
    options: {
      percent_only: o.percent_only,
      hide_positions: o.hide_positions,
      hide_entry: o.hide_entry,
      delay_seconds: o.delay_seconds,
    },
    currency: o.percent_only ? null : sum.currency,
    balance: money(sum.balance),
    equity: money(sum.equity),
    floating_pnl: money(sum.floating_pnl),
    today_pnl: money(sum.today_pnl),
    percent: {
      gain: sum.gain,
      today_pnl: pct(sum.today_pnl, sum.balance - sum.floating_pnl || sum.balance),
      floating_pnl: pct(sum.floating_pnl, sum.balance),
      drawdown: sum.drawdown,
      current_drawdown: sum.current_drawdown,
      equity: Number(st.equityPercent ?? 0),
    },
    open_positions: o.hide_positions ? null : sum.open_positions,
    positions,
    stats: {
      gain: sum.gain,
      absoluteGain: st.absoluteGain,
      maxDrawdown: st.maxDrawdown,
      profitFactor: st.profitFactor,
      wonTradesPercent: st.wonTradesPercent,
      trades: st.trades,
      expectancy: o.percent_only ? null : st.expectancy,
      averageWin: o.percent_only ? null : st.averageWin,
      averageLoss: o.percent_only ? null : st.averageLoss,
      bestTrade: o.percent_only ? null : st.bestTrade,
      worstTrade: o.percent_only ? null : st.worstTrade,
      lots: o.percent_only ? null : st.lots,
    },
    chart: {
      unit: o.percent_only ? 'percent' : 'money',
      points: s.equity.map((p) => ({ time: p.time, value: o.percent_only ? asPct(p.value) : p.value })),
      floors: floors && {
        max_loss: floors.max_loss === null ? null : o.percent_only ? asPct(floors.max_loss) : floors.max_loss,
        daily_loss: floors.daily_loss === null ? null : o.percent_only ? asPct(floors.daily_loss) : floors.daily_loss,
        profit_target:
          floors.profit_target === null ? null : o.percent_only ? asPct(floors.profit_target) : floors.profit_target,
      },
    },
    monitor: monitor && {
      status: monitor.status,
      limits: monitor.limits.map((l) => ({
        rule: l.rule,
        floor: o.percent_only ? asPct(l.floor) : l.floor,
        used_percent: Math.round(l.used_percent * 10) / 10,
        day: l.day,
      })),
    },
    error: s.error ? s.error.message : null,
    ...fresh,
  };
}
