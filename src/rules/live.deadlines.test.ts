/**
 * The families whose verdict moves with time alone (stop loss required, cross-account hedging,
 * inactivity, weekend flat): breached() equals the batch verdict at every reading, and readings
 * without deals do not run the batch evaluators each time. Stop loss, inactivity and weekend flat are
 * kept up to date by the live evaluator; cross-account hedging is judged again at each reading only
 * while a position is open here (live/deadlines.ts). Thursday 15 January 2026 from 06:00 UTC.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { deal, history, snap } from '../../test/factories/history.ts';
import type { AccountHistory, Deal, EquitySnapshot } from '../mt5/history.ts';
import { evaluate } from './evaluate.ts';
import { createLiveEvaluator } from './live.ts';
import * as registry from './registry.ts';
import { parseRule, type RuleSpec } from './registry.ts';

vi.mock('./registry.ts', async (original) => {
  const actual = await original<typeof import('./registry.ts')>();
  return { ...actual, evaluateFamily: vi.fn(actual.evaluateFamily) };
});
const judged = () => vi.mocked(registry.evaluateFamily).mock.calls.length;
beforeEach(() => {
  vi.mocked(registry.evaluateFamily).mockClear();
});

const T0 = Date.parse('2026-01-15T06:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/**
 * Feeds readings every `step` seconds up to `end` and checks breached() against the batch evaluate
 * of the same history at each; returns the first second breached and how many batch judgements
 * breached() ran after the first reading.
 */
function watch(rules: RuleSpec[], deals: Deal[], step: number, end: number, others: AccountHistory[] = []) {
  const equity: EquitySnapshot[] = [snap(at(0), 100_000, 100_000)];
  const seed = history(deals, equity);
  const opts = { otherAccounts: others };
  const live = createLiveEvaluator(seed, rules, opts);
  let first: number | null = null;
  let judgements = 0;
  for (let s = step; s <= end; s += step) {
    const reading = snap(at(s), 100_000, 100_000);
    live.apply({ deals: [], equity: reading, positions: null });
    equity.push(reading);
    vi.mocked(registry.evaluateFamily).mockClear();
    const breached = live.breached();
    if (s > step) judgements += judged();
    const batch = evaluate({ ...seed, equity: [...equity] }, rules, opts).outcome === 'breached';
    expect(breached, `breached() at ${s} s`).toBe(batch);
    if (breached && first === null) first = s;
  }
  return { first, judgements };
}

describe('time-dependent families on the live path', () => {
  it('stop_loss_required: breaks at the deadline of a position still open without a stop loss', () => {
    const rules = [parseRule({ type: 'stop_loss_required', within_seconds: 600 })];
    const open = deal(at(30), { position_id: 5, sl: 0 });
    const { first, judgements: n } = watch(rules, [open], 10, 1_200);
    expect(first).toBe(630);
    // 120 readings: the first, the one at the deadline, and nothing between (a breach then holds).
    expect(n).toBeLessThanOrEqual(3);
  });

  it('cross_account_hedging: judged at every reading only while this account has a position open', () => {
    const rules = [parseRule({ type: 'cross_account_hedging', min_overlap_seconds: 300 })];
    const other = history([deal(at(0), { position_id: 90, type: 'sell' })]);
    other.account = { ...other.account, login: '2' };
    const own = [deal(at(60), { position_id: 6 }), deal(at(120), { position_id: 6, type: 'sell', entry: 'out' })];
    // Closed after 60 s, short of the 300 s overlap: never breached, and no judgement once flat.
    const closed = watch(rules, own, 30, 1_800, [other]);
    expect(closed.first).toBeNull();
    expect(closed.judgements).toBeLessThanOrEqual(1);
    const stillOpen = watch(rules, own.slice(0, 1), 30, 1_800, [other]);
    expect(stillOpen.first).toBe(360);
  });

  it('inactivity: breaks when the allowance since the last trade runs out', () => {
    const rules = [parseRule({ type: 'inactivity', days: 1, open_position_counts_as_active: true })];
    const trades = [deal(at(0), { position_id: 3 }), deal(at(600), { position_id: 3, type: 'sell', entry: 'out' })];
    const { first, judgements: n } = watch(rules, trades, 900, 2 * 86_400);
    expect(first).toBe(86_400 + 900);
    expect(n).toBeLessThanOrEqual(3);
  });

  it('weekend_flat: a position held into Friday 21:00 Prague breaks the rule at the first reading after it', () => {
    const rules = [parseRule({ type: 'weekend_flat' })];
    // Friday 16 January 2026, 21:00 in Prague (UTC+1) is 20:00 UTC: 14 h after T0.
    const { first, judgements: n } = watch(rules, [deal(at(60), { position_id: 8 })], 1_800, 40 * 3_600);
    expect(first).toBe(38 * 3_600);
    expect(n).toBeLessThanOrEqual(3);
  });
});
