/**
 * Rule-engine throughput: a generated history of 1,000,000 deals (500,000 round trips on FX
 * symbols, holds of 5–40 s, weekday sessions 07:00–21:00 UTC) with an equity snapshot every 5 s
 * while a position is open, deterministic seed, evaluated with the FTMO-style rule set.
 * JSON parsing is timed separately.
 *
 *   npm run bench:rules                 # BENCH_DEALS=1000000 by default
 */
import type { AccountHistory } from '../src/mt5/history.ts';
import { generate } from './rules-gen.ts';
import { evaluate } from '../src/rules/index.ts';
import { resolveRuleSet } from '../src/rules/ruleset.ts';

const DEALS = Number(process.env.BENCH_DEALS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

const mib = (n: number) => (n / 1048576).toFixed(0);
let t0 = performance.now();
const history = generate(DEALS);
const genMs = performance.now() - t0;
const json = JSON.stringify(history);
t0 = performance.now();
const parsed = JSON.parse(json) as AccountHistory;
const parseMs = performance.now() - t0;
const rules = resolveRuleSet({ preset: 'ftmo-2step' });

global.gc?.();
const rssBefore = process.memoryUsage().rss;
const times: number[] = [];
let result = evaluate(parsed, rules, { hash: false });
for (let i = 0; i < RUNS; i++) {
  t0 = performance.now();
  result = evaluate(parsed, rules, { hash: false });
  times.push(performance.now() - t0);
}
const rssAfter = process.memoryUsage().rss;
t0 = performance.now();
evaluate(parsed, rules);
const withHashMs = performance.now() - t0;
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;

console.log(`history:        ${parsed.deals.length.toLocaleString('en')} deals, ${parsed.equity!.length.toLocaleString('en')} equity snapshots (generated in ${genMs.toFixed(0)} ms)`);
console.log(`JSON:           ${mib(json.length)} MiB, JSON.parse ${parseMs.toFixed(0)} ms (not included below)`);
console.log(`rules:          ftmo-2step (${rules.map((r) => r.type).join(', ')})`);
console.log(`evaluate:       median ${median.toFixed(0)} ms over ${RUNS} runs (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)})`);
console.log(`throughput:     ${Math.round(parsed.deals.length / (median / 1000)).toLocaleString('en')} deals/s on one core`);
console.log(`with inputs hash: ${withHashMs.toFixed(0)} ms`);
console.log(`memory:         rss ${mib(rssBefore)} MiB before, ${mib(rssAfter)} MiB after evaluating (input JSON ${mib(json.length)} MiB)`);
console.log(`verdict:        ${result.status} / ${result.outcome}, ${result.violations.length} violations`);
