/**
 * Plain facts read straight off an `AccountHistory`, without the rule engine: used by the
 * simulator's own tests to prove each scripted login is what it claims, and handy when debugging
 * a verdict. Days are bucketed with luxon in Europe/Prague, independently of `calendar.ts`.
 */
import { DateTime } from 'luxon';
import { amountToCents as cents, centsToAmount } from '../../infra/money.ts';
import type { AccountHistory, Deal } from '../history.ts';

const FIRM_ZONE = 'Europe/Prague';

export function pragueDay(iso: string): string {
  return DateTime.fromISO(iso, { zone: 'utc' }).setZone(FIRM_ZONE).toISODate() ?? '';
}

export function utcDay(iso: string): string {
  return iso.slice(0, 10);
}

const dealCents = (d: Deal): number => cents(d.profit) + cents(d.commission) + cents(d.swap) + cents(d.fee);

export function finalBalance(h: AccountHistory): number {
  return centsToAmount(cents(h.account.initial_balance) + h.deals.reduce((s, d) => s + dealCents(d), 0));
}

/** Running balance after each deal, in deal order. */
function balanceCurve(h: AccountHistory): { time: string; balance: number }[] {
  let b = cents(h.account.initial_balance);
  return h.deals.map((d) => {
    b += dealCents(d);
    return { time: d.time, balance: centsToAmount(b) };
  });
}

export function minBalance(h: AccountHistory): number {
  return Math.min(h.account.initial_balance, ...balanceCurve(h).map((p) => p.balance));
}

export function minEquity(h: AccountHistory): number {
  return Math.min(h.account.initial_balance, ...(h.equity ?? []).map((s) => s.equity));
}

export interface DayStats {
  day: string;
  /** Balance at the day's start (closed balance, open positions excluded). */
  startBalance: number;
  endBalance: number;
  minEquity: number;
  /** startBalance − minEquity (positive = loss below the day-start balance). */
  worstDrop: number;
}

/** Per-day stats with days cut by `dayOf` (Prague by default). */
export function dayStats(h: AccountHistory, dayOf: (iso: string) => string = pragueDay): DayStats[] {
  const days = new Map<string, DayStats>();
  let balance = cents(h.account.initial_balance);
  const touch = (day: string): DayStats => {
    let s = days.get(day);
    if (!s) {
      s = {
        day,
        startBalance: centsToAmount(balance),
        endBalance: centsToAmount(balance),
        minEquity: centsToAmount(balance),
        worstDrop: 0,
      };
      days.set(day, s);
    }
    return s;
  };
  // Merge deals and snapshots by time; a deal at the same instant as a snapshot comes first.
  const events = [
    ...h.deals.map((d) => ({ time: d.time, deal: d as Deal | undefined, equity: undefined as number | undefined })),
    ...(h.equity ?? []).map((e) => ({ time: e.time, deal: undefined, equity: e.equity })),
  ].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.deal ? -1 : b.deal ? 1 : 0));
  for (const ev of events) {
    const s = touch(dayOf(ev.time));
    if (ev.deal) {
      balance += dealCents(ev.deal);
      s.endBalance = centsToAmount(balance);
      s.minEquity = Math.min(s.minEquity, centsToAmount(balance));
    } else if (ev.equity !== undefined) {
      s.minEquity = Math.min(s.minEquity, ev.equity);
    }
  }
  for (const s of days.values()) s.worstDrop = Math.round((s.startBalance - s.minEquity) * 100) / 100;
  return [...days.values()];
}

export interface PositionFacts {
  positionId: number;
  symbol: string;
  side: 'buy' | 'sell';
  inVolume: number;
  outVolume: number;
  firstIn: string;
  lastOut: string | null;
  /** First entry to last exit, ms; null while open. */
  durationMs: number | null;
  net: number;
}

export function positions(h: AccountHistory): PositionFacts[] {
  const byId = new Map<number, Deal[]>();
  for (const d of h.deals) {
    if (d.type !== 'buy' && d.type !== 'sell') continue;
    const list = byId.get(d.position_id) ?? [];
    list.push(d);
    byId.set(d.position_id, list);
  }
  return [...byId.entries()].map(([positionId, deals]) => {
    const ins = deals.filter((d) => d.entry === 'in');
    const outs = deals.filter((d) => d.entry !== 'in');
    const inVolume = Math.round(ins.reduce((s, d) => s + d.volume, 0) * 100) / 100;
    const outVolume = Math.round(outs.reduce((s, d) => s + d.volume, 0) * 100) / 100;
    const firstIn = ins[0]?.time ?? deals[0]!.time;
    const lastOut = inVolume === outVolume ? (outs[outs.length - 1]?.time ?? null) : null;
    return {
      positionId,
      symbol: deals[0]!.symbol,
      side: ins[0]?.type === 'sell' ? 'sell' : 'buy',
      inVolume,
      outVolume,
      firstIn,
      lastOut,
      durationMs: lastOut ? Date.parse(lastOut) - Date.parse(firstIn) : null,
      net: centsToAmount(deals.reduce((s, d) => s + dealCents(d), 0)),
    };
  });
}
