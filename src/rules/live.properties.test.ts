/**
 * The live evaluator equals the batch engine on every prefix: random histories (positions over
 * several days and a weekend in the Prague zone, deals sharing milliseconds, deposits, observed
 * equity or none), a random seed prefix, the rest applied as observations of random sizes; after
 * each observation evaluation(), breached() and limits() are those of `evaluate` on the history so
 * far. Every family of the registry and every preset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountHistory, Deal, EquitySnapshot, OpenPosition } from '../mt5/history.ts';
import { type EvaluateOptions, evaluate, evaluateWithLimits } from './evaluate.ts';
import type { LimitState } from './families/family.ts';
import { createLiveEvaluator, type Observation } from './live.ts';
import { pct2 } from './money.ts';
import { parseRule, RULE_TYPES, type RuleSpec } from './registry.ts';
import { resolveRuleSet } from './ruleset.ts';

// Thursday 15 January 2026: four days of slots cross a weekend.
const T0 = Date.parse('2026-01-15T06:00:00.000Z');
const SLOT = 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const tripArb = fc.record({
  openSlot: fc.integer({ min: 0, max: 400 }),
  slots: fc.integer({ min: 0, max: 40 }),
  profitCents: fc.integer({ min: -700_000, max: 500_000 }),
  commissionCents: fc.integer({ min: -1_000, max: 0 }),
  closed: fc.boolean(),
  sell: fc.boolean(),
  lots: fc.constantFrom(0.1, 1, 3, 12),
  sl: fc.option(fc.constantFrom(1.09, 1.05), { nil: null }),
  symbol: fc.constantFrom('EURUSD', 'XAUUSD'),
});
type Trip = typeof tripArb extends fc.Arbitrary<infer T> ? T : never;

const snapArb = fc.record({
  slot: fc.integer({ min: 0, max: 440 }),
  offsetMs: fc.integer({ min: 0, max: 899_999 }),
  equityCents: fc.integer({ min: 8_500_000, max: 11_500_000 }),
});

const depositArb = fc.record({
  slot: fc.integer({ min: 0, max: 440 }),
  cents: fc.integer({ min: -2_000_000, max: 2_000_000 }).filter((c) => c !== 0),
});

function buildDeals(trips: Trip[], deposits: { slot: number; cents: number }[]): Deal[] {
  let ticket = 0;
  const deals: Deal[] = [];
  trips.forEach((t, i) => {
    const base = {
      order: 0,
      position_id: i + 1,
      symbol: t.symbol,
      volume: t.lots,
      price: 1.1,
      swap: 0,
      fee: 0,
      comment: '',
      sl: t.sl,
    };
    const openMs = T0 + t.openSlot * SLOT;
    const side = t.sell ? 'sell' : 'buy';
    const other = t.sell ? 'buy' : 'sell';
    deals.push({
      ...base,
      ticket: ++ticket,
      time: iso(openMs),
      type: side,
      entry: 'in',
      profit: 0,
      commission: t.commissionCents / 100,
    });
    if (t.closed)
      deals.push({
        ...base,
        ticket: ++ticket,
        time: iso(openMs + t.slots * SLOT),
        type: other,
        entry: 'out',
        profit: t.profitCents / 100,
        commission: t.commissionCents / 100,
      });
  });
  for (const d of deposits)
    deals.push({
      ticket: ++ticket,
      order: 0,
      time: iso(T0 + d.slot * SLOT + 7),
      type: 'balance',
      entry: 'in',
      position_id: 0,
      symbol: '',
      volume: 0,
      price: 0,
      profit: d.cents / 100,
      commission: 0,
      swap: 0,
      fee: 0,
      comment: 'deposit',
    });
  return deals.sort((a, b) => a.time.localeCompare(b.time) || a.ticket - b.ticket);
}

const ACCOUNT = {
  login: '1',
  server: 'Test',
  currency: 'USD',
  initial_balance: 100_000,
  server_utc_offset_minutes: 120,
  margin_mode: 'hedging' as const,
};

type Item = { deal: Deal } | { snap: EquitySnapshot };

/** Deals and readings in the batch pass's merge order (a reading strictly before a deal's instant first). */
function merged(deals: Deal[], equity: EquitySnapshot[]): Item[] {
  const out: Item[] = [];
  let si = 0;
  for (const d of deals) {
    for (; si < equity.length && equity[si]!.time < d.time; si++) out.push({ snap: equity[si]! });
    out.push({ deal: d });
  }
  for (; si < equity.length; si++) out.push({ snap: equity[si]! });
  return out;
}

const scenarioArb = fc.record({
  trips: fc.array(tripArb, { minLength: 1, maxLength: 12 }),
  deposits: fc.array(depositArb, { maxLength: 2 }),
  snaps: fc.option(fc.array(snapArb, { maxLength: 20 }), { nil: undefined }),
  split: fc.double({ min: 0, max: 1, noNaN: true }),
  chunks: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 40, maxLength: 40 }),
  positions: fc.array(fc.option(fc.integer({ min: -300_000, max: 300_000 }), { nil: null }), {
    minLength: 40,
    maxLength: 40,
  }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const room = (s: LimitState) => {
  const allowed = s.anchor - s.floor;
  const used = allowed > 0 ? ((s.anchor - s.value) / allowed) * 100 : s.value <= s.floor ? 100 : 0;
  return {
    rule: s.rule,
    floor: s.floor / 100,
    allowed: allowed / 100,
    used_percent: Math.max(0, pct2(used)),
    day: s.day,
  };
};

const position = (profitCents: number): OpenPosition => ({
  ticket: 1,
  symbol: 'EURUSD',
  type: 'buy',
  volume: 1,
  open_price: 1.1,
  current_price: 1.1,
  swap: 0,
  profit: profitCents / 100,
  open_time: iso(T0),
});

const OTHER: AccountHistory = {
  account: { ...ACCOUNT, login: '2' },
  deals: buildDeals(
    [
      {
        openSlot: 30,
        slots: 30,
        profitCents: 100,
        commissionCents: 0,
        closed: true,
        sell: true,
        lots: 1,
        sl: null,
        symbol: 'EURUSD',
      },
    ],
    [],
  ),
};
const OPTIONS: EvaluateOptions = {
  initialBalance: 100_000,
  calendar: [{ time: iso(T0 + 40 * SLOT), instruments: ['USD'] }, { time: iso(T0 + 200 * SLOT) }],
  otherAccounts: [OTHER],
  // A configured day unlike the rules' own zones, so day-split figures follow it.
  day: { tz: 'America/New_York', time: '17:00' },
};

/** Seeds a live evaluator with a prefix, applies the rest, and compares with the batch after each step. */
function check(rules: RuleSpec[], s: Scenario, opts: EvaluateOptions): void {
  const deals = buildDeals(s.trips, s.deposits);
  const equity = s.snaps
    ? [...new Map(s.snaps.map((x) => [T0 + x.slot * SLOT + x.offsetMs, x.equityCents / 100])).entries()]
        .sort(([a], [b]) => a - b)
        .map(([ms, eq]) => ({ time: iso(ms), balance: 0, equity: eq }))
    : [];
  const items = merged(deals, equity);
  const k = Math.floor(s.split * items.length);
  const seen: Item[] = items.slice(0, k);
  const historyOf = (positions: OpenPosition[]): AccountHistory => ({
    account: ACCOUNT,
    // EURUSD has a specification (max_risk_per_trade_pct judges it), XAUUSD none (skipped).
    symbols: { EURUSD: { contract_size: 100_000, point: 0.00001, profit_currency: 'USD' } },
    deals: seen.flatMap((i) => ('deal' in i ? [i.deal] : [])),
    equity: seen.flatMap((i) => ('snap' in i ? [i.snap] : [])),
    positions,
  });
  let positions: OpenPosition[] = [];
  const live = createLiveEvaluator(historyOf(positions), rules, opts);
  const compare = () => {
    const batch = evaluateWithLimits(historyOf(positions), rules, { ...opts, hash: false });
    expect(live.evaluation()).toEqual(batch.evaluation);
    expect(live.breached()).toBe(batch.evaluation.outcome === 'breached');
    expect(live.limits()).toEqual(batch.limits.map(room));
  };
  compare();
  let at = k;
  let step = 0;
  while (at < items.length) {
    // Up to `chunk` deals, then the reading that follows them, if one does.
    const chunk = s.chunks[step % s.chunks.length]!;
    const o: Observation = { deals: [], equity: null, positions: null };
    while (at < items.length && o.deals.length < chunk && 'deal' in items[at]!)
      o.deals.push((items[at++] as { deal: Deal }).deal);
    if (at < items.length && 'snap' in items[at]!) o.equity = (items[at++] as { snap: EquitySnapshot }).snap;
    else if (o.deals.length === 0 && at < items.length) o.deals.push((items[at++] as { deal: Deal }).deal);
    const p = s.positions[step % s.positions.length];
    if (p !== null && p !== undefined) {
      o.positions = p % 2 === 0 ? [] : [position(p)];
      positions = o.positions;
    }
    seen.push(...o.deals.map((deal) => ({ deal })), ...(o.equity ? [{ snap: o.equity }] : []));
    live.apply(o);
    compare();
    step++;
  }
  expect(live.evaluation()).toEqual({ ...evaluate(historyOf(positions), rules, opts), inputs_hash: null });
}

/** One spec per family, its parameters drawn at random. */
const familyRules: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  max_loss: fc.record({
    pct: fc.constantFrom(3, 5, 10),
    basis: fc.constantFrom('static', 'eod_balance_trail', 'intraday_balance_trail', 'intraday_equity_trail'),
    amount_mode: fc.constantFrom('pct_of_initial', 'pct_of_peak'),
    lock_at_initial: fc.boolean(),
    measured_on: fc.constantFrom('equity', 'balance'),
    comparator: fc.constantFrom('lt', 'lte'),
    tolerance: fc.constantFrom(0, 0.01),
    severity: fc.constantFrom('hard', 'warning'),
    reset_tz: fc.constantFrom('Europe/Prague', 'America/New_York'),
  }),
  daily_loss: fc.record({
    pct: fc.constantFrom(2, 4, 5),
    anchor: fc.constantFrom(
      'day_start_balance',
      'day_start_equity',
      'max_day_start_balance_equity',
      'initial',
      'intraday_equity_peak',
    ),
    amount: fc.constantFrom('pct_of_initial', 'pct_of_anchor'),
    reset_tz: fc.constantFrom('Europe/Prague', 'America/New_York'),
    reset_time: fc.constantFrom('00:00', '17:00'),
    comparator: fc.constantFrom('lt', 'lte'),
    severity: fc.constantFrom('hard', 'soft_pause'),
  }),
  profit_target: fc.record({ pct: fc.constantFrom(1, 5, 10), require_flat: fc.boolean() }),
  min_trading_days: fc.record({ days: fc.integer({ min: 0, max: 4 }) }),
  min_trade_duration: fc.record({
    seconds: fc.constantFrom(60, 240, 3600),
    aggregation: fc.constantFrom('any', 'share_of_trades', 'share_of_volume', 'share_of_profit', 'average', 'vwht'),
    threshold_pct: fc.constantFrom(10, 50),
    threshold_comparator: fc.constantFrom('gt', 'gte'),
    applies_to: fc.constantFrom('all', 'profitable_only'),
    comparator: fc.constantFrom('lt', 'lte'),
    severity: fc.constantFrom('hard', 'warning'),
  }),
  best_day: fc.record({ cap_pct: fc.constantFrom(30, 50) }),
  min_profitable_days: fc.record({ days: fc.integer({ min: 1, max: 3 }) }),
  news_window: fc.record(
    {
      action: fc.constantFrom('violation', 'void_profit', 'warning'),
      minutes_before: fc.constantFrom(2, 30, 240),
      minutes_after: fc.constantFrom(0, 2, 60),
      instruments: fc.constantFrom(['EUR'], ['XAU', 'USD']),
      exempt_if_opened_hours_before: fc.constantFrom(1, 24),
    },
    { requiredKeys: ['action'] },
  ),
  weekend_flat: fc.oneof(
    fc.constant({}),
    fc.record({
      cutoff_day: fc.constantFrom('thursday', 'friday'),
      cutoff_time: fc.constantFrom('21:00', '06:30'),
      resume_day: fc.constantFrom('friday', 'sunday', 'monday'),
      resume_time: fc.constantFrom('23:00', '00:00'),
      reset_tz: fc.constantFrom('Europe/Prague', 'America/New_York', 'UTC'),
    }),
  ),
  max_lots_per_order: fc.record({ lots: fc.constantFrom(1, 5) }),
  max_open_positions: fc.record({ count: fc.constantFrom(1, 3) }),
  max_daily_trades: fc.record({ count: fc.constantFrom(2, 5) }),
  stop_loss_required: fc.record({ within_seconds: fc.constantFrom(0, 600, 3_600) }),
  max_risk_per_trade_pct: fc.record({ pct: fc.constantFrom(1, 2) }),
  inactivity: fc.record({
    days: fc.constantFrom(1, 2, 30),
    open_position_counts_as_active: fc.boolean(),
    comparator: fc.constantFrom('gt', 'gte'),
    tolerance_seconds: fc.constantFrom(0, 3_600),
  }),
  cross_account_hedging: fc.constant({}),
};

describe('live evaluation equals the batch evaluate of every prefix', () => {
  it('covers every family of the registry', () => {
    expect(Object.keys(familyRules).sort()).toEqual([...RULE_TYPES].sort());
  });

  for (const type of RULE_TYPES)
    it(`${type}`, () => {
      fc.assert(
        fc.property(familyRules[type]!, scenarioArb, (params, s) => {
          check([parseRule({ type, ...params })], s, OPTIONS);
        }),
        { numRuns: 40 },
      );
    });

  for (const preset of ['ftmo-2step', 'ftmo-1step', 'the5ers-high-stakes', 'topstep-50k', 'apex-intraday', 'e8-one'])
    it(`preset ${preset}`, () => {
      const rules = resolveRuleSet({ preset });
      fc.assert(
        fc.property(scenarioArb, (s) => check(rules, s, { initialBalance: 100_000 })),
        { numRuns: 40 },
      );
    });

  it('the flat form of the integration guide', () => {
    const rules = resolveRuleSet({ max_drawdown_percent: 10, profit_target_percent: 8, min_trading_days: 2 });
    fc.assert(
      fc.property(scenarioArb, (s) => check(rules, s, {})),
      { numRuns: 40 },
    );
  });
});
