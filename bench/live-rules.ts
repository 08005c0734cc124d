/**
 * The live rule engine's cost per observation against the length of the history behind it: a
 * generated account (bench/rules-gen.ts: round trips of 5–40 s, an equity reading every 5 s while a
 * position is open) seeded with its first 100, 10,000 and 100,000 deals, then fed the following
 * readings one observation at a time (the deals booked since the last reading and the reading), as
 * a monitor does. Timed per observation: apply + limits() + breached() (what a monitor asks on every
 * reading), and apart from it evaluation() (the full result, asked for when events need it).
 *
 *   npm run bench:live-rules           # BENCH_OBSERVATIONS=3000 per size by default
 */
import type { AccountHistory, Deal, EquitySnapshot } from '../src/mt5/history.ts';
import { createLiveEvaluator, type Observation } from '../src/rules/live.ts';
import { parseRule, type RuleSpec } from '../src/rules/registry.ts';
import { resolveRuleSet } from '../src/rules/ruleset.ts';
import { generate } from './rules-gen.ts';

const OBSERVATIONS = Number(process.env.BENCH_OBSERVATIONS ?? 3000);
const SIZES = [100, 10_000, 100_000];

/** The generated history split at `seedDeals` deals: the seed, then observations in time order. */
function split(history: AccountHistory, seedDeals: number): { seed: AccountHistory; observations: Observation[] } {
  const deals = history.deals;
  const equity = history.equity ?? [];
  const cut = deals[seedDeals - 1]!.time;
  const seedEquity = equity.filter((s) => s.time <= cut);
  const seed: AccountHistory = { ...history, deals: deals.slice(0, seedDeals), equity: seedEquity, positions: [] };
  const observations: Observation[] = [];
  let di = seedDeals;
  let pending: Deal[] = [];
  for (const s of equity.slice(seedEquity.length) as EquitySnapshot[]) {
    while (di < deals.length && deals[di]!.time <= s.time) pending.push(deals[di++]!);
    observations.push({ deals: pending, equity: s, positions: null });
    pending = [];
    if (observations.length === OBSERVATIONS) break;
  }
  return { seed, observations };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!;
const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;

function run(name: string, rules: RuleSpec[], history: AccountHistory): void {
  console.log(`\n${name}`);
  console.log('| seed deals | observations | apply + limits + breached: median | p99 | mean | evaluation(): median |');
  console.log('|---|---|---|---|---|---|');
  for (const size of SIZES) {
    const { seed, observations } = split(history, size);
    // Warm-up on a throwaway evaluator, so the first size does not pay for compilation.
    const warm = createLiveEvaluator(seed, rules, { initialBalance: 100_000 });
    for (const o of observations.slice(0, 300)) {
      warm.apply(o);
      warm.limits();
      warm.breached();
    }
    const live = createLiveEvaluator(seed, rules, { initialBalance: 100_000 });
    const perObservation: number[] = [];
    const perEvaluation: number[] = [];
    let breaches = 0;
    for (let i = 0; i < observations.length; i++) {
      const t0 = performance.now();
      live.apply(observations[i]!);
      live.limits();
      if (live.breached()) breaches++;
      perObservation.push(performance.now() - t0);
      if (i % 100 === 99) {
        const t1 = performance.now();
        live.evaluation();
        perEvaluation.push(performance.now() - t1);
      }
    }
    const mean = perObservation.reduce((a, b) => a + b, 0) / perObservation.length;
    console.log(
      `| ${size.toLocaleString('en')} | ${observations.length} | ${us(median(perObservation))} | ${us(p99(perObservation))} | ${us(mean)} | ${(median(perEvaluation)).toFixed(2)} ms |` +
        (breaches ? ` breached at ${breaches} of them` : ''),
    );
  }
}

const history = generate(SIZES[SIZES.length - 1]! + 2 * OBSERVATIONS);
console.log(`node ${process.version}, ${history.deals.length.toLocaleString('en')} deals generated`);
// The generated account loses its commissions and breaches 10 % early, and a breached evaluator
// answers breached() at once: the loss limits are warnings here, so every observation is judged in
// full (their state is kept exactly as for hard limits).
const wide = { max_loss: { severity: 'warning' }, daily_loss: { severity: 'warning' } };
run(
  'ftmo-2step preset (max_loss, daily_loss, profit_target, min_trading_days), loss limits as warnings',
  resolveRuleSet({ preset: 'ftmo-2step', overrides: wide }),
  history,
);
run(
  'ftmo-1step preset (end-of-day trailing max_loss, daily_loss, profit_target, best_day), loss limits as warnings',
  resolveRuleSet({ preset: 'ftmo-1step', overrides: wide }),
  history,
);
run(
  'with max_open_positions 10 and max_daily_trades 200 (hard, incremental)',
  [
    ...resolveRuleSet({ preset: 'ftmo-2step', overrides: wide }),
    parseRule({ type: 'max_open_positions', count: 10 }),
    parseRule({ type: 'max_daily_trades', count: 200 }),
  ],
  history,
);
run(
  'with stop_loss_required (hard, incremental: live/stop-loss.ts)',
  [...resolveRuleSet({ preset: 'ftmo-2step', overrides: wide }), parseRule({ type: 'stop_loss_required' })],
  history,
);
