/**
 * End-to-end checks per second: submit → check → verified webhook, through the real HTTP server,
 * queue, simulator, rule engine and webhook sender.
 *
 *   npm run bench                                   # embedded: SQLite + local queue
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench
 *
 * Options (env): BENCH_CHECKS (default 2000), BENCH_CONCURRENCY (submitters, default 32),
 * WORKER_CONCURRENCY (default 16), SIMULATOR_LATENCY_MS (default 0), BENCH_WARMUP (checks run
 * to the end before the measured ones, default 50: the process's code loaded and compiled, its
 * worker threads started), BENCH_RATE (checks/s: submit at this steady rate, one every 1/rate s
 * whatever the answers, instead of as fast as the submitters can; latency counts from the
 * scheduled instant, so a server falling behind shows in it).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { startStack } from '../test/harness.ts';

const TOTAL = Number(process.env.BENCH_CHECKS ?? 2000);
const SUBMITTERS = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 50);
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : null;
const LOGINS = ['1001', '1002', '1003', '1004', '1005'];

const stack = await startStack({
  listen: true,
  env: {
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '16',
    QUEUE_POLL_MS: '20',
    QUEUE_LEASE_MS: '30000',
    SIMULATOR_LATENCY_MS: process.env.SIMULATOR_LATENCY_MS ?? '0',
    LOG_LEVEL: 'silent',
  },
});
const secret = stack.config.WEBHOOK_SECRET;
const { key } = await stack.createKey('Bench Firm');

const submittedAt = new Map<string, number>();
const latencies: number[] = [];
let verified = 0;
let rejected = 0;
let awaitedCount = WARMUP;
let done: () => void = () => undefined;
let allDone = new Promise<void>((r) => (done = r));

const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const expected = createHmac('sha256', secret).update(raw).digest('hex');
    const sig = String(req.headers['x-signature'] ?? '');
    if (sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
      rejected++;
      res.writeHead(401).end();
      return;
    }
    const body = JSON.parse(raw.toString('utf8')) as { job_id: string };
    const t0 = submittedAt.get(body.job_id);
    if (t0 !== undefined) latencies.push(performance.now() - t0);
    verified++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"received"}');
    if (verified === awaitedCount) done();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const callback = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhook/challenge-result`;

const client = new Agent({ connections: SUBMITTERS });

async function submit(i: number, t0: number): Promise<void> {
  const res = await request(`${stack.url}/api/v1/check`, {
    method: 'POST',
    dispatcher: client,
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({
      user_id: `user_${i}`,
      challenge_id: `challenge_${i}`,
      mt5_login: LOGINS[i % LOGINS.length],
      mt5_password: 'demo',
      mt5_server: 'Brymix-Demo',
      initial_balance: 100000.0,
      rules: { max_drawdown_percent: 10.0, profit_target_percent: 10.0 },
      callback_url: callback,
    }),
  });
  const body = (await res.body.json()) as { job_id: string };
  if (res.statusCode !== 200) throw new Error(`submit failed: ${res.statusCode} ${JSON.stringify(body)}`);
  submittedAt.set(body.job_id, t0);
}

/** Runs `count` checks to the end: as fast as the submitters go, or at RATE a second. Returns when all are submitted. */
async function run(count: number, rate: number | null): Promise<void> {
  let next = 0;
  if (rate === null) {
    const submitter = async () => {
      while (next < count) await submit(next++, performance.now());
    };
    await Promise.all(Array.from({ length: SUBMITTERS }, submitter));
    return;
  }
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  while (next < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (next < due) {
      const i = next++;
      inFlight.push(submit(i, start + (i * 1000) / rate));
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inFlight);
}

if (WARMUP > 0) {
  await run(WARMUP, null);
  await allDone;
}
submittedAt.clear();
latencies.length = 0;
verified = 0;
awaitedCount = TOTAL;
allDone = new Promise<void>((r) => (done = r));
const started = performance.now();
const cpuAtStart = process.cpuUsage();
await run(TOTAL, RATE);
const submitSeconds = (performance.now() - started) / 1000;
await allDone;
const totalSeconds = (performance.now() - started) / 1000;
// User + system CPU of this whole process (every thread) from the first submit to the last
// verified webhook: the API and the workers, and also this bench's own submitters and receiver,
// which share the process. PostgreSQL's and Redis's own CPU is not in it.
const cpu = process.cpuUsage(cpuAtStart);

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(0);
const mode = process.env.DATABASE_URL
  ? `PostgreSQL + ${process.env.REDIS_URL ? 'Redis/BullMQ' : 'local queue'}`
  : 'embedded (SQLite + local queue)';
console.log(`mode:                 ${mode}`);
console.log(
  `checks:               ${TOTAL} after ${WARMUP} warm-up (${RATE === null ? `${SUBMITTERS} concurrent submitters` : `offered at ${RATE}/s`}, ${stack.config.WORKER_CONCURRENCY} workers, ${stack.config.CHECK_THREADS} verdict threads, simulator latency ${stack.config.SIMULATOR_LATENCY_MS} ms)`,
);
console.log(`submit throughput:    ${(TOTAL / submitSeconds).toFixed(0)} submits/s`);
console.log(`end-to-end:           ${(TOTAL / totalSeconds).toFixed(1)} checks/s (submit → verified webhook)`);
console.log(`latency submit→hook:  p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`);
console.log(`webhooks verified:    ${verified}, rejected: ${rejected}`);
console.log(
  `cpu per check: ${((cpu.user + cpu.system) / 1000 / TOTAL).toFixed(2)} ms (user ${(cpu.user / 1000 / TOTAL).toFixed(2)} + system ${(cpu.system / 1000 / TOTAL).toFixed(2)}; API, workers, and this bench's submitters and receiver: one process)`,
);
console.log(`rss:                  ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);

await client.close();
receiver.close();
await stack.close();
process.exit(0);
