/**
 * The live evaluator against the batch engine over random observation sequences: after every
 * observation, `limits()` is the batch pass's limits of the history so far (mapped as live.ts maps
 * them) and `breached()` is its verdict, for max_loss in every basis × amount mode × lock ×
 * measured-on, daily_loss in every anchor × amount × reset zone, and every preset. The sequences mix
 * equity-only readings (the incremental path: small steps, day and DST changes, readings at the same
 * millisecond or older than the last one) with deals (opens, closes, deposits and withdrawals, some
 * booked before the last reading), changes of the open positions, empty observations, and seeds with
 * or without observed equity; the evaluator is asked after some observations only, in either order.
 * Each run keeps every reading or replays late items from checkpoints within a window (10 or 2
 * minutes), and is compared until an item lags the newest by more than the window: till then nothing
 * is counted beyond the window and what the evaluator holds stays bounded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountHistory, Deal, EquitySnapshot, OpenPosition } from '../mt5/history.ts';
import { evaluateWithLimits } from './evaluate.ts';
import type { LimitState } from './families/family.ts';
import { createLiveEvaluator, type Observation } from './live.ts';
import { fromCents, pct2 } from './money.ts';
import { parseRule, type RuleSpec } from './registry.ts';
import { resolveRuleSet } from './ruleset.ts';

// Friday evening UTC: weekends, New York's DST change (8 March) and many resets within reach.
/** Every preset file, each version. */
const PRESETS = readdirSync(new URL('./presets/', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map(
    (f) =>
      JSON.parse(readFileSync(new URL(`./presets/${f}`, import.meta.url), 'utf8')) as { name: string; version: number },
  )
  .map((p) => ({ ...p, rules: resolveRuleSet({ preset: `${p.name}@${p.version}` }) }));

const T0 = Date.parse('2026-03-06T20:00:00.000Z');
const IC = 100_000;
const iso = (ms: number) => new Date(ms).toISOString();
const ZONES: [string, string][] = [
  ['Europe/Prague', '00:00'],
  ['America/New_York', '17:00'],
  ['America/Chicago', '17:00'],
  ['UTC', '00:00'],
  ['Asia/Kolkata', '05:30'],
];

type Step =
  | { kind: 'reading'; dt: number; floatCents: number; positions: boolean }
  | {
      kind: 'open' | 'close' | 'cash';
      dt: number;
      floatCents: number;
      dealOffset: number;
      cents: number;
      reading: boolean;
    }
  | { kind: 'positions'; dt: number; floatCents: number }
  | { kind: 'empty' };
interface Asked {
  ask: boolean;
  breachedFirst: boolean;
  evaluation: boolean;
}

const dtArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 180_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 3_600_000, max: 30 * 3_600_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -600_000, max: -1 }) },
);
/** Floating P/L in cents: mostly small, sometimes deep enough to cross a floor. */
const floatArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -300_000, max: 300_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 700_000 }) },
);
const dealStep = (kind: 'open' | 'close' | 'cash', cents: fc.Arbitrary<number>) =>
  fc.record({
    kind: fc.constant(kind),
    dt: dtArb,
    floatCents: floatArb,
    dealOffset: fc.integer({ min: -120_000, max: 30_000 }),
    cents,
    reading: fc.boolean(),
  });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({ kind: fc.constant('reading'), dt: dtArb, floatCents: floatArb, positions: fc.boolean() }),
  },
  { weight: 3, arbitrary: dealStep('open', fc.integer({ min: -500, max: 0 })) },
  { weight: 2, arbitrary: dealStep('close', fc.integer({ min: -400_000, max: 400_000 })) },
  {
    weight: 1,
    arbitrary: dealStep(
      'cash',
      fc.integer({ min: -2_000_000, max: 2_000_000 }).filter((c) => c !== 0),
    ),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('positions'), dt: dtArb, floatCents: floatArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);
const askedArb: fc.Arbitrary<Asked> = fc.record({
  ask: fc.integer({ min: 0, max: 4 }).map((n) => n > 0),
  breachedFirst: fc.boolean(),
  evaluation: fc.boolean(),
});
const runArb = fc.record({
  steps: fc.array(fc.tuple(stepArb, askedArb), { minLength: 5, maxLength: 60, size: 'max' }),
  seedSteps: fc.nat({ max: 20 }),
  // No window (every reading kept), and windows the drawn gaps and late items cross: checkpoints,
  // replays from them, and items beyond the window.
  windowMs: fc.constantFrom(Number.POSITIVE_INFINITY, 600_000, 120_000),
});

/** Turns steps into observations (deterministically): balance, open positions, tickets, times. */
function observations(steps: Step[]): Observation[] {
  let t = T0;
  let balance = IC * 100;
  let ticket = 0;
  const open: { id: number; time: string }[] = [];
  let extra = 0; // a position the source lists without a deal of ours (a positions-only change)
  const deal = (ms: number, patch: Partial<Deal>): Deal => ({
    ticket: ++ticket,
    order: ticket,
    time: iso(ms),
    type: 'buy',
    entry: 'in',
    position_id: 0,
    symbol: 'EURUSD',
    volume: 1,
    price: 1.1,
    profit: 0,
    commission: 0,
    swap: 0,
    fee: 0,
    comment: '',
    ...patch,
  });
  const positions = (floatCents: number): OpenPosition[] =>
    [...open.map((p) => p.id), ...(extra ? [extra] : [])].map((id) => ({
      ticket: id,
      symbol: 'EURUSD',
      type: 'buy',
      volume: 1,
      open_price: 1.1,
      current_price: 1.1,
      swap: 0,
      profit: fromCents(Math.round(floatCents / Math.max(1, open.length))),
      open_time: iso(T0),
    }));
  const reading = (floatCents: number): EquitySnapshot => ({
    time: iso(t),
    balance: fromCents(balance),
    equity: fromCents(balance + floatCents),
  });
  return steps.map((s): Observation => {
    if (s.kind === 'empty') return { deals: [], equity: null, positions: null };
    t = Math.max(T0, t + s.dt);
    if (s.kind === 'reading')
      return { deals: [], equity: reading(s.floatCents), positions: s.positions ? positions(s.floatCents) : null };
    if (s.kind === 'positions') {
      extra = extra ? 0 : 900_000 + ticket;
      return { deals: [], equity: reading(s.floatCents), positions: positions(s.floatCents) };
    }
    const at = Math.max(T0, t + s.dealOffset);
    let d: Deal;
    if (s.kind === 'open') {
      const id = ticket + 1;
      d = deal(at, { position_id: id, commission: fromCents(s.cents) });
      open.push({ id, time: d.time });
    } else if (s.kind === 'close' && open.length > 0) {
      const p = open.shift()!;
      d = deal(at, { position_id: p.id, type: 'sell', entry: 'out', profit: fromCents(s.cents) });
    } else {
      d = deal(at, { type: 'balance', symbol: '', volume: 0, price: 0, profit: fromCents(s.cents), comment: 'cash' });
    }
    balance += Math.round(d.profit * 100) + Math.round(d.commission * 100);
    return { deals: [d], equity: s.reading ? reading(s.floatCents) : null, positions: positions(s.floatCents) };
  });
}

function account(): AccountHistory {
  return {
    account: {
      login: '1',
      server: 'Test',
      currency: 'USD',
      initial_balance: IC,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    },
    deals: [],
    equity: [],
    positions: [],
  };
}

function grow(h: AccountHistory, o: Observation): AccountHistory {
  return {
    ...h,
    deals: [...h.deals, ...o.deals],
    equity: o.equity ? [...h.equity!, o.equity] : h.equity!,
    positions: o.positions ?? h.positions!,
  };
}

/** live.ts's room of a limit state, written out from its contract. */
function room(s: LimitState) {
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

/** The instants an observation brings (its deals' and its reading's). */
const instants = (o: Observation) => [
  ...o.deals.map((d) => Date.parse(d.time)),
  ...(o.equity ? [Date.parse(o.equity.time)] : []),
];

function agreesWithBatch(
  rules: RuleSpec[],
  run: { steps: [Step, Asked][]; seedSteps: number; windowMs: number },
): void {
  const obs = observations(run.steps.map(([s]) => s));
  const split = Math.min(run.seedSteps, obs.length - 1);
  let h = account();
  for (const o of obs.slice(0, split)) h = grow(h, o);
  const opts = { initialBalance: IC };
  const live = createLiveEvaluator(h, rules, { ...opts, replayWindowMs: run.windowMs });
  let newest = Math.max(T0, ...obs.slice(0, split).flatMap(instants));
  for (let i = split; i < obs.length; i++) {
    h = grow(h, obs[i]!);
    // Exact while every item is within the window of the newest before it; then the test ends.
    const times = instants(obs[i]!);
    if (times.some((ms) => ms <= newest - run.windowMs)) {
      live.apply(obs[i]!);
      expect(live.lateBeyondWindow()).toBeLessThanOrEqual(times.length);
      return;
    }
    newest = Math.max(newest, ...times);
    live.apply(obs[i]!);
    expect(live.lateBeyondWindow(), `lateBeyondWindow() after observation ${i}`).toBe(0);
    const held = live.held();
    expect(held.points).toBeLessThanOrEqual(2);
    expect(held.checkpoints).toBeLessThanOrEqual(Number.isFinite(run.windowMs) ? 2 : 0);
    const asked = run.steps[i]![1];
    if (!asked.ask && i < obs.length - 1) continue;
    const batch = evaluateWithLimits(h, rules, { ...opts, hash: false });
    const breached = batch.evaluation.outcome === 'breached';
    if (asked.breachedFirst) expect(live.breached(), `breached() after observation ${i}`).toBe(breached);
    expect(live.limits(), `limits() after observation ${i}`).toEqual(batch.limits.map(room));
    expect(live.breached(), `breached() after observation ${i}`).toBe(breached);
    if (asked.evaluation) expect(live.evaluation()).toEqual(batch.evaluation);
  }
}

const common = {
  comparator: fc.constantFrom('lt', 'lte'),
  tolerance: fc.constantFrom(0, 0.01, 25, 1500),
  severity: fc.constantFrom('hard', 'hard', 'soft_pause', 'warning'),
  pct: fc.constantFrom(3, 5, 10),
  zone: fc.constantFrom(...ZONES),
};

/** A drawn rule's fields, its reset zone as the spec names it. */
const zoned = ({ zone: [reset_tz, reset_time], ...r }: { zone: [string, string] } & Record<string, unknown>) => ({
  ...r,
  reset_tz,
  reset_time,
});

describe('the live evaluator equals the batch pass after every observation', () => {
  for (const basis of ['static', 'eod_balance_trail', 'intraday_balance_trail', 'intraday_equity_trail'])
    for (const amount_mode of ['pct_of_initial', 'pct_of_peak'])
      for (const lock_at_initial of [false, true])
        for (const measured_on of ['equity', 'balance'])
          it(`max_loss ${basis}, ${amount_mode}, lock ${lock_at_initial}, on ${measured_on}`, () => {
            const ruleArb = fc.record(common).map(({ zone: [reset_tz, reset_time], ...r }) =>
              parseRule({
                type: 'max_loss',
                basis,
                amount_mode,
                lock_at_initial,
                measured_on,
                reset_tz,
                reset_time,
                ...r,
              }),
            );
            fc.assert(
              fc.property(ruleArb, runArb, (rule, run) => agreesWithBatch([rule], run)),
              { numRuns: 12 },
            );
          });

  for (const anchor of [
    'day_start_balance',
    'day_start_equity',
    'max_day_start_balance_equity',
    'initial',
    'intraday_equity_peak',
  ])
    for (const amount of ['pct_of_initial', 'pct_of_anchor'])
      for (const [reset_tz, reset_time] of ZONES)
        it(`daily_loss ${anchor}, ${amount}, reset ${reset_time} ${reset_tz}`, () => {
          const ruleArb = fc
            .record({ ...common, zone: fc.constant(null) })
            .map(({ zone: _, ...r }) => parseRule({ type: 'daily_loss', anchor, amount, reset_tz, reset_time, ...r }));
          fc.assert(
            fc.property(ruleArb, runArb, (rule, run) => agreesWithBatch([rule], run)),
            { numRuns: 6 },
          );
        });

  for (const preset of PRESETS)
    it(`preset ${preset.name} v${preset.version}`, () => {
      fc.assert(
        fc.property(runArb, (run) => agreesWithBatch(preset.rules, run)),
        { numRuns: 40 },
      );
    });

  it('a maximum loss and a daily loss together', () => {
    const pair = fc
      .tuple(fc.record(common), fc.record(common))
      .map(([m, d]) => [
        parseRule({ type: 'max_loss', basis: 'eod_balance_trail', ...zoned(m) }),
        parseRule({ type: 'daily_loss', anchor: 'max_day_start_balance_equity', ...zoned(d) }),
      ]);
    fc.assert(
      fc.property(pair, runArb, (rules, run) => agreesWithBatch(rules, run)),
      { numRuns: 60 },
    );
  });

  it('a family whose verdict moves with time alone (inactivity) beside the loss limits', () => {
    const rules = fc
      .record(common)
      .map((m) => [
        parseRule({ type: 'max_loss', basis: 'intraday_equity_trail', ...zoned(m), severity: 'soft_pause' }),
        parseRule({ type: 'inactivity', days: 1, open_position_counts_as_active: false }),
      ]);
    fc.assert(
      fc.property(rules, runArb, (rules, run) => agreesWithBatch(rules, run)),
      { numRuns: 60 },
    );
  });
});
