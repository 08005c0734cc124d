/**
 * Terminal report import speed: parses the real report of shared/fixtures (1.3 MB HTML, 1,402
 * deals, 1,401 orders, 658 positions) and prints the median wall time of `parseReport` after a
 * warm-up, with the process CPU time beside it (on a shared machine the wall time includes waiting
 * for a core; the CPU time does not). Target: ≤ 50 ms.
 *
 *   npm run bench:report [-- file]      # BENCH_RUNS=30, BENCH_WARMUP=5 by default
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseReport, reportToHistory } from '../src/mt5/report/index.ts';

const file =
  process.argv[2] ?? resolve(import.meta.dirname, '../../shared/fixtures/mt5-reports/ReportHistory-70358000.html');
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const TARGET_MS = 50;
if (!existsSync(file)) {
  console.error(`bench/report: no report at ${file} (pass a path)`);
  process.exit(2);
}
const bytes = readFileSync(file);
let report = parseReport(bytes);
for (let i = 1; i < WARMUP; i++) report = parseReport(bytes);
const times: number[] = [];
const cpuTimes: number[] = [];
const historyTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  report = parseReport(bytes);
  times.push(performance.now() - t0);
  const cpu = process.cpuUsage(cpu0);
  cpuTimes.push((cpu.user + cpu.system) / 1000);
  const t1 = performance.now();
  reportToHistory(report);
  historyTimes.push(performance.now() - t1);
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const m = median(times);
console.log(`file: ${file} (${(bytes.length / 1048576).toFixed(2)} MiB)`);
console.log(
  `blocks: ${report.positions.length} positions, ${report.orders.length} orders, ${report.deals.length} deals, ${report.open_positions.length} open positions; mismatches: ${report.mismatches.length}`,
);
console.log(
  `parseReport over ${RUNS} runs after ${WARMUP} warm-up: median ${m.toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}); CPU median ${median(cpuTimes).toFixed(1)} ms — target ≤ ${TARGET_MS} ms: ${m <= TARGET_MS ? 'met' : 'NOT met'}`,
);
console.log(`reportToHistory: median ${median(historyTimes).toFixed(1)} ms`);
