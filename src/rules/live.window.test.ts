/**
 * The live evaluator's memory bound: an account read every second keeps a bounded number of equity
 * points, readings and checkpoints whatever the time watched; a late deal or reading within the
 * replay window is replayed exactly (the batch result), and one older than the window is placed at
 * the oldest checkpoint: counted, its money and its breach kept, its instant moved later. Monday
 * 2 March 2026; the history starts at 07:00 UTC.
 */
import { describe, expect, it } from 'vitest';
import { deal, history, snap } from '../../test/factories/history.ts';
import type { AccountHistory, Deal, EquitySnapshot } from '../mt5/history.ts';
import { evaluate } from './evaluate.ts';
import { deepClone, shareInClones } from './live/clone.ts';
import { createLiveEvaluator, type Observation } from './live.ts';
import { parseRule, type RuleSpec } from './registry.ts';

const rules: RuleSpec[] = [
  parseRule({ type: 'max_loss', pct: 10, basis: 'intraday_equity_trail' }),
  parseRule({ type: 'daily_loss', pct: 5 }),
  parseRule({ type: 'max_open_positions', count: 3 }),
];
const T0 = Date.parse('2026-03-02T07:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const WINDOW = 60_000;

/** An account that opened position 7 at T0 and floats between −400 and +400 around 100,000. */
function watched() {
  const seed = history([deal(at(0), { position_id: 7 })], [snap(at(0), 100_000, 100_000)]);
  const live = createLiveEvaluator(seed, rules, { replayWindowMs: WINDOW });
  const seen: { deals: Deal[]; equity: EquitySnapshot[] } = { deals: [...seed.deals], equity: [...seed.equity!] };
  const apply = (o: Observation) => {
    live.apply(o);
    seen.deals.push(...o.deals);
    if (o.equity) seen.equity.push(o.equity);
  };
  const readFor = (from: number, to: number) => {
    for (let s = from; s < to; s++)
      apply({ deals: [], equity: snap(at(s), 100_000, 100_000 + Math.round(Math.sin(s / 30) * 400)), positions: null });
  };
  const batch = (): AccountHistory => ({ ...seed, deals: seen.deals, equity: seen.equity });
  return { live, apply, readFor, batch };
}

describe('a live evaluator watched for a long time', () => {
  it('holds a bounded number of points, readings and checkpoints, and still equals the batch pass', () => {
    const { live, readFor, batch } = watched();
    const sizes: number[] = [];
    for (let hour = 0; hour < 3; hour++) {
      readFor(1 + hour * 1200, 1 + (hour + 1) * 1200);
      const held = live.held();
      expect(held.points).toBeLessThanOrEqual(2);
      expect(held.checkpoints).toBe(2);
      sizes.push(held.readings);
    }
    // One to two windows of readings at one a second, however long the account is watched.
    for (const n of sizes) {
      expect(n).toBeGreaterThanOrEqual(WINDOW / 1000);
      expect(n).toBeLessThanOrEqual((2 * WINDOW) / 1000 + 1);
    }
    expect(live.evaluation()).toEqual({ ...evaluate(batch(), rules), inputs_hash: null });
    expect(live.lateBeyondWindow()).toBe(0);
  });

  it('replays a deal booked before the last readings, within the window, exactly', () => {
    const { live, apply, readFor, batch } = watched();
    readFor(1, 600);
    // Closed 40 s before the newest reading (599 s) at a loss; equity readings already showed it.
    apply({
      deals: [deal(at(559), { position_id: 7, entry: 'out', type: 'sell', profit: -300 })],
      equity: null,
      positions: [],
    });
    readFor(600, 700);
    expect(live.lateBeyondWindow()).toBe(0);
    expect(live.evaluation()).toEqual({ ...evaluate(batch(), rules), inputs_hash: null });
  });

  it('places a deal older than the window at the oldest checkpoint: counted, its loss and breach kept', () => {
    const { live, apply, readFor, batch } = watched();
    readFor(1, 600);
    // Closed 5 minutes before the newest reading at a loss past the 10 % floor.
    apply({
      deals: [deal(at(300), { position_id: 7, entry: 'out', type: 'sell', profit: -12_000 })],
      equity: snap(at(600), 88_000, 88_000),
      positions: [],
    });
    expect(live.lateBeyondWindow()).toBe(1);
    const exact = evaluate(batch(), rules);
    const e = live.evaluation();
    expect(exact.outcome).toBe('breached');
    expect(live.breached()).toBe(true);
    expect(e.outcome).toBe('breached');
    expect(e.metrics.balance).toBe(exact.metrics.balance);
    const v = e.violations.find((x) => x.rule === 'maximum_drawdown')!;
    // The breach is at the placed instant: after the oldest checkpoint, not before the deal's time.
    expect(Date.parse(String(v.timestamp))).toBeGreaterThan(T0 + 300_000);
    expect(Date.parse(String(v.timestamp))).toBeLessThanOrEqual(T0 + 600_000);
  });

  it('places a reading older than the window instead of dropping it: its breach is signalled', () => {
    const { live, apply, readFor } = watched();
    readFor(1, 600);
    apply({ deals: [], equity: snap(at(200), 100_000, 89_000), positions: null });
    expect(live.lateBeyondWindow()).toBe(1);
    expect(live.breached()).toBe(true);
    expect(live.evaluation().violations.map((v) => v.rule)).toContain('maximum_drawdown');
  });
});

describe('deepClone', () => {
  class Box {
    items = new Float64Array([1, 2]);
    tags = new Set(['a']);
    byId = new Map([[1, { n: 1 }]]);
    constructor(readonly shared: { rule: string }) {}
    sum() {
      return this.items[0]! + this.items[1]!;
    }
  }

  it('copies class instances with their prototype, typed arrays, Maps and Sets, and shares what is marked', () => {
    const rule = shareInClones({ rule: 'max_loss' });
    const box = new Box(rule);
    const state = { box, again: box, list: [box.byId.get(1)] };
    const copy = deepClone(state);
    expect(copy.box).toBeInstanceOf(Box);
    expect(copy.box.sum()).toBe(3);
    expect(copy.again).toBe(copy.box);
    expect(copy.list[0]).toBe(copy.box.byId.get(1));
    expect(copy.box.shared).toBe(rule);
    copy.box.items[0] = 10;
    copy.box.tags.add('b');
    copy.box.byId.get(1)!.n = 2;
    expect(box.items[0]).toBe(1);
    expect([...box.tags]).toEqual(['a']);
    expect(box.byId.get(1)!.n).toBe(1);
  });
});
