/**
 * Live monitoring at scale: BENCH_MONITORS accounts (default 25,000) on the simulator's live mode,
 * each read once a second by one process (`brymix serve`, embedded SQLite unless DATABASE_URL/REDIS_URL
 * say otherwise), every monitor created through POST /api/v1/monitors with a callback to a loopback
 * receiver that verifies the signature. Prints readings per second, the latency from the reading
 * that caused an event (`occurred_at`) to the signed webhook received, CPU per reading and RSS.
 *
 *   npm run bench:monitors                         # 25,000 monitors, 60 s measured
 *   BENCH_MONITORS=5000 BENCH_SECONDS=30 npm run bench:monitors
 *
 * Options (env): BENCH_MONITORS, BENCH_SECONDS (measured window, default 60), BENCH_WARMUP_S (default 15),
 * BENCH_PROFILE=<file> (a CPU profile of the measured window's event loop, bench/lib/profile.ts), and
 * MONITOR_THREADS (the monitors' worker threads, as `brymix serve` takes it; 0 watches on the event loop).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startMonitors } from '../src/main.ts';
import { startStack } from '../test/harness.ts';
import { profileWindow } from './lib/profile.ts';

const MONITORS = Number(process.env.BENCH_MONITORS ?? 25_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 15);
const CREATORS = 32;

const stack = await startStack({
  listen: true,
  env: {
    LOG_LEVEL: 'silent',
    MONITOR_POLL_INTERVAL_MS: '1000',
    WORKER_CONCURRENCY: '16',
    ...(process.env.MONITOR_THREADS ? { MONITOR_THREADS: process.env.MONITOR_THREADS } : {}),
  },
});
// As `brymix serve` does with RUN_MONITORS (the default): this process watches every monitor, on
// MONITOR_THREADS worker threads (default one per core) or, with 0, on its event loop.
const threads = startMonitors(stack.deps, stack.config);
await threads?.ready;
const secret = stack.config.WEBHOOK_SECRET;
const { key } = await stack.createKey('Bench Firm');
const mode = process.env.DATABASE_URL ? 'PostgreSQL + Redis' : 'embedded (SQLite + local queue)';

// --- the receiver: verifies X-Signature, measures occurred_at → received ---
let measuring = false;
const latencies: number[] = [];
const events = new Map<string, number>();
let received = 0;
let rejected = 0;
const seenIds = new Set<string>();
let duplicates = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    const raw = Buffer.concat(chunks);
    const expected = createHmac('sha256', secret).update(raw).digest('hex');
    const sig = String(req.headers['x-signature'] ?? '');
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
      rejected++;
      res.writeHead(401).end();
      return;
    }
    const body = JSON.parse(raw.toString('utf8')) as { event: string; event_id: string; occurred_at: string };
    if (seenIds.has(body.event_id)) duplicates++;
    seenIds.add(body.event_id);
    received++;
    if (measuring) {
      latencies.push(at - Date.parse(body.occurred_at));
      events.set(body.event, (events.get(body.event) ?? 0) + 1);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"received"}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const callback = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/monitor-events`;

// --- create the monitors through the API ---
const client = new Agent({ connections: CREATORS });
let next = 0;
let failed = 0;
const createStarted = performance.now();
async function creator(): Promise<void> {
  while (next < MONITORS) {
    const i = next++;
    const res = await request(`${stack.url}/api/v1/monitors`, {
      method: 'POST',
      dispatcher: client,
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: `trader_${i}`,
        challenge_id: `challenge_${i}`,
        // Seeded random traders of the simulator's live mode (not the scripted 2001/2002).
        mt5_login: String(300_000 + i),
        mt5_password: 'demo',
        mt5_server: 'Brymix-Demo',
        initial_balance: 100_000,
        rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5, profit_target_percent: 10 },
        callback_url: callback,
      }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) {
      failed++;
      if (failed <= 3) console.error(`create ${i}: ${res.statusCode} ${text.slice(0, 300)}`);
    }
  }
}
const progress = setInterval(() => {
  readings()
    .then((r) =>
      console.error(`  … ${next} created, ${r.watched} watched, ${r.ok} readings, ${received} events received`),
    )
    .catch(() => undefined);
}, 5000);
await Promise.all(Array.from({ length: CREATORS }, creator));
const createSeconds = (performance.now() - createStarted) / 1000;

// --- readings, from the runtime's own counters ---
async function readings(): Promise<{ ok: number; failed: number; old: number; overdue: number; watched: number }> {
  const m = stack.deps.metrics;
  const byResult = Object.fromEntries((await m.monitorReadings.get()).values.map((v) => [v.labels.result, v.value]));
  const overdue = (await m.monitorReadsOverdue.get()).values.reduce((s, v) => s + v.value, 0);
  const watched = (await m.monitorsWatched.get()).values.reduce((s, v) => s + v.value, 0);
  return { ok: byResult.ok ?? 0, failed: byResult.failed ?? 0, old: byResult.old ?? 0, overdue, watched };
}

await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
const stopProfile = await profileWindow();
const start = await readings();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
measuring = true;
let rssPeak = 0;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
}, 500);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
measuring = false;
await stopProfile();
clearInterval(sampler);
clearInterval(progress);
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const end = await readings();

const ok = end.ok - start.ok;
const perSecond = ok / elapsed;
const cpuMsPerReading = (cpu.user + cpu.system) / 1000 / Math.max(1, ok);
const sorted = [...latencies].sort((a, b) => a - b);
const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);
const rssMiB = Math.round(Math.max(rssPeak, process.memoryUsage().rss) / 2 ** 20);

console.log(
  `mode:                   ${mode}, monitors watched ${threads ? `on ${threads.count} worker threads` : 'on the event loop'}`,
);
console.log(
  `monitors:               ${MONITORS} created in ${createSeconds.toFixed(1)} s (${failed} failed), watched ${end.watched}`,
);
console.log(
  `readings:               ${ok} in ${elapsed.toFixed(1)} s = ${perSecond.toFixed(0)}/s (failed ${end.failed - start.failed}, too old ${end.old - start.old}, reads overdue ${end.overdue - start.overdue})`,
);
console.log(
  `cpu per reading:        ${(cpuMsPerReading * 1000).toFixed(1)} µs (whole process: API, runtime, simulator, receiver; ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(0)} % of one core)`,
);
console.log(
  `events received:        ${latencies.length} in the window (${[...events].map(([e, n]) => `${e} ${n}`).join(', ') || 'none'}); ${received} in all, rejected ${rejected}, duplicates ${duplicates}`,
);
console.log(
  `latency reading→hook:   p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, p99 ${q(0.99)} ms, max ${sorted.at(-1) ?? NaN} ms`,
);
const mem = process.memoryUsage();
const mib = (n: number) => Math.round(n / 2 ** 20);
const threadMemory = (threads?.memory() ?? [])
  .map((m, i) =>
    m
      ? `thread ${i + 1} heap ${mib(m.heapUsed)} of ${mib(m.heapTotal)} MiB, array buffers ${mib(m.arrayBuffers)} MiB`
      : '',
  )
  .filter(Boolean);
console.log(
  `rss:                    ${rssMiB} MiB (peak); at the end: main heap ${mib(mem.heapUsed)} of ${mib(mem.heapTotal)} MiB, array buffers ${mib(mem.arrayBuffers)} MiB${threadMemory.map((t) => `; ${t}`).join('')}`,
);
console.log(
  `monitors: ${MONITORS}, observations/s: ${perSecond.toFixed(0)}, latency p50 ${q(0.5)} ms p99 ${q(0.99)} ms, rss ${rssMiB} MiB`,
);

await threads?.stop();
await stack.close();
await client.close();
receiver.close();
process.exit(0);
