/**
 * Rule-engine throughput: a generated history of 1,000,000 deals (500,000 round trips on FX
 * symbols, holds of 5–40 s, weekday sessions 07:00–21:00 UTC) with an equity snapshot every 5 s
 * while a position is open, deterministic seed, evaluated with the FTMO-style rule set.
 *
 * Timed separately, so JSON parsing is not counted as evaluation: JSON.parse, and decoding the parsed
 * document into columns (ISO times to epoch ms, amounts to cents; src/rules/decode.ts). The
 * headline figure is the evaluation of the decoded history; the end-to-end figure (decode +
 * evaluate, what `evaluate(history)` costs) is printed next to it.
 *
 *   npm run bench:rules                 # BENCH_DEALS=1000000, BENCH_RUNS=7 by default
 */
import type { AccountHistory } from '../src/mt5/history.ts';
import { ColumnArena } from '../src/rules/arena.ts';
import { decodeHistory, type Evaluation, evaluate, evaluateDecoded } from '../src/rules/index.ts';
import { resolveRuleSet } from '../src/rules/ruleset.ts';
import { generate } from './rules-gen.ts';

const DEALS = Number(process.env.BENCH_DEALS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

const mib = (n: number) => (n / 1048576).toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (ms: number) => Math.round(DEALS / (ms / 1000)).toLocaleString('en');
function timed<T>(runs: number, f: () => T): { times: number[]; last: T } {
  let last = f(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = f();
    times.push(performance.now() - t0);
  }
  return { times, last };
}

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
// Decoding into a reused arena, as evaluate() does (fresh arrays each run would time the GC).
const arena = new ColumnArena();
const decode = timed(RUNS, () => {
  arena.reset();
  return decodeHistory(parsed, arena);
});
const decoded = decodeHistory(parsed);
const engine = timed(RUNS, () => evaluateDecoded(decoded, rules, { hash: false }));
const endToEnd = timed(RUNS, () => evaluate(parsed, rules, { hash: false }));
const rssAfter = process.memoryUsage().rss;
t0 = performance.now();
evaluate(parsed, rules);
const withHashMs = performance.now() - t0;
const result: Evaluation = engine.last;
if (JSON.stringify(result) !== JSON.stringify(endToEnd.last)) throw new Error('evaluateDecoded and evaluate disagree');

const line = (times: number[]) =>
  `median ${median(times).toFixed(0)} ms over ${times.length} runs (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)})`;
console.log(
  `history:          ${parsed.deals.length.toLocaleString('en')} deals, ${parsed.equity!.length.toLocaleString('en')} equity snapshots (generated in ${genMs.toFixed(0)} ms)`,
);
console.log(`rules:            ftmo-2step (${rules.map((r) => r.type).join(', ')})`);
console.log(`JSON.parse:       ${parseMs.toFixed(0)} ms for ${mib(json.length)} MiB (timed separately)`);
console.log(`decode:           ${line(decode.times)} (timed separately: ISO times -> ms, amounts -> cents)`);
console.log(`evaluate:         ${line(engine.times)}`);
console.log(`throughput:       ${rate(median(engine.times))} deals/s on one core (decoded history; target 3,000,000)`);
console.log(
  `end to end:       ${line(endToEnd.times)} = ${rate(median(endToEnd.times))} deals/s (decode + evaluate from the parsed JSON)`,
);
console.log(`with inputs hash: ${withHashMs.toFixed(0)} ms end to end`);
console.log(
  `memory:           rss ${mib(rssBefore)} MiB before, ${mib(rssAfter)} MiB after evaluating (input JSON ${mib(json.length)} MiB)`,
);
console.log(`verdict:          ${result.status} / ${result.outcome}, ${result.violations.length} violations`);
