/**
 * Properties over random histories (rules.md §6.5 "pure functions of (state stream, rule params)",
 * T20): positions opened and closed across several Prague days, deals sharing milliseconds,
 * commissions, observed equity or none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountHistory, Deal, EquitySnapshot } from '../mt5/history.ts';
import { flatRulesToSpecs } from './flat.ts';
import { decodeHistory, type Evaluation, evaluate, evaluateDecoded } from './index.ts';
import { parseRule, type RuleSpec } from './registry.ts';

const T0 = Date.parse('2026-01-12T06:00:00.000Z');
/** Coarse 15-minute slots so that many deals share a millisecond. */
const SLOT = 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface TripArb {
  openSlot: number;
  slots: number;
  profitCents: number;
  commissionCents: number;
  closed: boolean;
}

const tripArb: fc.Arbitrary<TripArb> = fc.record({
  openSlot: fc.integer({ min: 0, max: 400 }), // about four Prague days
  slots: fc.integer({ min: 0, max: 40 }),
  profitCents: fc.integer({ min: -700_000, max: 500_000 }),
  commissionCents: fc.integer({ min: -1_000, max: 0 }),
  closed: fc.boolean(),
});

const snapArb = fc.record({
  slot: fc.integer({ min: 0, max: 440 }),
  offsetMs: fc.integer({ min: 1, max: 899_999 }),
  equityCents: fc.integer({ min: 8_500_000, max: 11_500_000 }),
});

function buildDeals(trips: TripArb[]): Deal[] {
  let ticket = 0;
  const deals: Deal[] = [];
  trips.forEach((t, i) => {
    const base = {
      order: 0,
      position_id: i + 1,
      symbol: 'EURUSD',
      volume: 1,
      price: 1.1,
      swap: 0,
      fee: 0,
      comment: '',
    };
    const openMs = T0 + t.openSlot * SLOT;
    deals.push({
      ...base,
      ticket: ++ticket,
      time: iso(openMs),
      type: 'buy',
      entry: 'in',
      profit: 0,
      commission: t.commissionCents / 100,
    });
    if (t.closed)
      deals.push({
        ...base,
        ticket: ++ticket,
        time: iso(openMs + t.slots * SLOT),
        type: 'sell',
        entry: 'out',
        profit: t.profitCents / 100,
        commission: t.commissionCents / 100,
      });
  });
  // Array order is by time then ticket, as a connector would deliver it.
  return deals.sort((a, b) => a.time.localeCompare(b.time) || a.ticket - b.ticket);
}

function account(deals: Deal[], equity?: EquitySnapshot[]): AccountHistory {
  return {
    account: {
      login: '1',
      server: 'Test',
      currency: 'USD',
      initial_balance: 100_000,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    },
    deals,
    ...(equity ? { equity } : {}),
    positions: [],
  };
}

const historyArb = fc
  .record({
    trips: fc.array(tripArb, { minLength: 1, maxLength: 12 }),
    snaps: fc.option(fc.array(snapArb, { maxLength: 15 }), { nil: undefined }),
  })
  .map(({ trips, snaps }) => ({
    deals: buildDeals(trips),
    // One observation per instant: two different equities at the same millisecond have no order.
    equity:
      snaps &&
      [...new Map(snaps.map((s) => [T0 + s.slot * SLOT + s.offsetMs, s.equityCents / 100])).entries()]
        .sort(([a], [b]) => a - b)
        .map(([ms, eq]) => ({ time: iso(ms), balance: 0, equity: eq })),
  }));

const RULES: RuleSpec[] = [
  ...flatRulesToSpecs({ min_trading_days: 3 }),
  parseRule({ type: 'max_loss', pct: 8, basis: 'static', comparator: 'lte', tolerance: 0.01 }),
];

/** What a verdict is made of, without the values that legitimately move with a deposit. */
const verdict = (e: Evaluation) => ({
  outcome: e.outcome,
  violations: e.violations.map((v) => [v.rule, v.timestamp, v.day ?? null, v.ticket ?? null]),
  objectives: e.objectives,
  max_drawdown_percent: e.metrics.max_drawdown_percent,
  max_daily_loss_percent: e.metrics.max_daily_loss_percent,
  profit_percent: e.metrics.profit_percent,
  trades_under_4min: e.metrics.trades_under_4min,
});

describe('properties over random histories', () => {
  it('evaluation is deterministic and leaves its input untouched', () => {
    fc.assert(
      fc.property(historyArb, ({ deals, equity }) => {
        const h = account(deals, equity);
        const before = structuredClone(h);
        const a = evaluate(h, RULES);
        const b = evaluate(structuredClone(h), RULES);
        expect(b).toEqual(a);
        expect(h).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it('reordering the deals array (deals sharing a millisecond, different tickets) changes nothing', () => {
    fc.assert(
      fc.property(historyArb, fc.integer(), ({ deals, equity }, seed) => {
        const shuffle = <T>(xs: T[]) => {
          // Deterministic Fisher–Yates from the fast-check seed.
          const out = [...xs];
          let s = seed >>> 0;
          for (let i = out.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
            const j = s % (i + 1);
            [out[i], out[j]] = [out[j]!, out[i]!];
          }
          return out;
        };
        expect(evaluate(account(shuffle(deals), equity && shuffle(equity)), RULES)).toEqual(
          evaluate(account(deals, equity), RULES),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('an evaluation is the same after any other (the reused column arena holds nothing over), and from a decoded history', () => {
    const withOtherTypes = (deals: Deal[]): Deal[] =>
      // Deal types the engine files under no flag, so a reused buffer's stale flags would show.
      deals.map((d, i) => (i % 3 === 2 && d.entry === 'in' ? { ...d, type: 'commission', entry: 'in', profit: 0 } : d));
    fc.assert(
      fc.property(historyArb, historyArb, (a, b) => {
        const first = account(a.deals, a.equity);
        const second = account(withOtherTypes(b.deals), b.equity);
        const alone = evaluate(second, RULES);
        evaluate(first, RULES);
        expect(evaluate(second, RULES)).toEqual(alone);
        expect(evaluateDecoded(decodeHistory(second), RULES)).toEqual(alone);
      }),
      { numRuns: 100 },
    );
  });

  it('a deposit or withdrawal at any instant, even with positions open, never creates or hides drawdown (T20)', () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.integer({ min: 0, max: 440 }),
        fc.integer({ min: -5_000_000, max: 5_000_000 }).filter((c) => c !== 0),
        ({ deals, equity }, slot, cents) => {
          // One millisecond past a slot: never shared with a deal (deals sit on slot boundaries).
          const opMs = T0 + slot * SLOT + 900_001;
          const op: Deal = {
            ticket: 10_000,
            order: 0,
            time: iso(opMs),
            type: 'balance',
            entry: 'in',
            position_id: 0,
            symbol: '',
            volume: 0,
            price: 0,
            profit: cents / 100,
            commission: 0,
            swap: 0,
            fee: 0,
            comment: 'deposit',
          };
          // Observed equity after the operation includes it. A snapshot at the operation's very
          // millisecond is read after it (the engine takes an instant's deals before its snapshots).
          const shifted = equity?.map((s) =>
            Date.parse(s.time) >= opMs ? { ...s, equity: (Math.round(s.equity * 100) + cents) / 100 } : s,
          );
          const plain = evaluate(account(deals, equity), RULES);
          const withOp = evaluate(account([...deals, op], shifted), RULES);
          expect(verdict(withOp)).toEqual(verdict(plain));
        },
      ),
      { numRuns: 200 },
    );
  });
});
