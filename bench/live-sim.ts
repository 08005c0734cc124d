/**
 * What the simulator's live mode costs: BENCH_LIVE_ACCOUNTS accounts (default 25,000) on
 * Brymix-Demo, each read once a second on the real clock for BENCH_LIVE_SECONDS (default 30),
 * by this one process, the reads of a second spread evenly over it (a batch every 10 ms). Prints
 * readings per second, the CPU time per reading (user + system, whole process), the share of one
 * core, the deals and positions seen, and RSS. The starts (seeding each account) are timed apart.
 *
 *   npx tsx bench/live-sim.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatorConnector } from '../src/mt5/simulator/index.ts';

const ACCOUNTS = Number(process.env.BENCH_LIVE_ACCOUNTS ?? 25_000);
const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 30);
const BATCH_MS = 10;

const reader = new SimulatorConnector().live();
const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
  creds: { login: String(100_000 + i), password: 'demo', server: 'Brymix-Demo' },
  cursor: '',
}));

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1_000;

let t = performance.now();
let cpu = process.cpuUsage();
for (const a of accounts) a.cursor = (await reader.start(a.creds)).cursor;
const startWallMs = performance.now() - t;
const startCpuMs = cpuMs(process.cpuUsage(cpu));

let readings = 0;
let deals = 0;
let positions = 0;
let lagged = 0;
const perBatch = Math.ceil(ACCOUNTS / (1_000 / BATCH_MS));
t = performance.now();
cpu = process.cpuUsage();
for (let tick = 0; tick < (SECONDS * 1_000) / BATCH_MS; tick++) {
  const from = (tick * perBatch) % ACCOUNTS;
  const batch = accounts.slice(from, from + perBatch);
  const results = await Promise.all(batch.map((a) => reader.read(a.creds, a.cursor)));
  results.forEach((r, i) => {
    batch[i]!.cursor = r.cursor;
    deals += r.deals.length;
    positions += r.positions.length;
  });
  readings += results.length;
  // Hold the schedule: the next batch is due BATCH_MS after this one was.
  const wait = t + (tick + 1) * BATCH_MS - performance.now();
  if (wait > 0) await sleep(wait);
  else lagged++;
}
const wallS = (performance.now() - t) / 1_000;
const runCpuMs = cpuMs(process.cpuUsage(cpu));
const rssMiB = process.memoryUsage().rss / 2 ** 20;

console.log(
  `starts: ${ACCOUNTS} in ${startWallMs.toFixed(0)} ms (${((startCpuMs * 1_000) / ACCOUNTS).toFixed(1)} µs CPU each)`,
);
console.log(
  `accounts: ${ACCOUNTS}, seconds: ${wallS.toFixed(1)}, readings/s: ${(readings / wallS).toFixed(0)}, ` +
    `CPU per reading ${((runCpuMs * 1_000) / readings).toFixed(2)} µs, CPU ${((runCpuMs / 1_000 / wallS) * 100).toFixed(1)} % of a core, ` +
    `deals ${deals}, positions per reading ${(positions / readings).toFixed(2)}, late batches ${lagged}, rss ${rssMiB.toFixed(0)} MiB`,
);
