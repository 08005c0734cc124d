/**
 * Signed webhook deliveries per second through the real delivery engine: result-webhook deliveries
 * (the webhook service's outbox rows, as a finished check writes them) are dispatched to the queue,
 * run by the queue workers (claim the attempt, sign with X-Signature + Standard Webhooks, POST
 * through the SSRF-guarded sender, log the attempt, finish), and a loopback receiver verifies both
 * signatures of every request before it answers 200.
 *
 *   npm run bench:webhooks                                   # embedded: SQLite + local queue
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench:webhooks
 *
 * Timed from the first dispatch to the last attempt logged (the attempt row written and the
 * delivery marked succeeded); writing the outbox rows beforehand is timed apart. Afterwards it
 * checks that every delivery succeeded on its first attempt and has exactly one attempt logged.
 *
 * Options (env): BENCH_DELIVERIES (default 5000), WORKER_CONCURRENCY (default 32).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStack } from '../test/harness.ts';

const TOTAL = Number(process.env.BENCH_DELIVERIES ?? 5000);
const BATCH = 100;

const stack = await startStack({
  env: {
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '32',
    QUEUE_POLL_MS: '20',
    LOG_LEVEL: 'silent',
  },
});
const { deps } = stack;
const secret = stack.config.WEBHOOK_SECRET;
// Standard Webhooks: a `whsec_` secret is base64 key bytes, anything else is used as its UTF-8 bytes.
const standardKey = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');

let verified = 0;
let rejected = 0;
const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const xSignature = createHmac('sha256', secret).update(raw).digest('hex');
    const id = String(req.headers['webhook-id']);
    const timestamp = String(req.headers['webhook-timestamp']);
    const standard = `v1,${createHmac('sha256', standardKey).update(`${id}.${timestamp}.`).update(raw).digest('base64')}`;
    const ok =
      sameText(String(req.headers['x-signature'] ?? ''), xSignature) &&
      String(req.headers['webhook-signature'] ?? '')
        .split(' ')
        .some((s) => sameText(s, standard));
    if (!ok) {
      rejected++;
      res.writeHead(401).end();
      return;
    }
    verified++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"received"}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhook/challenge-result`;

/** A result webhook body of a demo check (about 700 bytes). */
function payload(i: number): string {
  return JSON.stringify({
    job_id: `job_bench_${i}`,
    user_id: `user_${i}`,
    challenge_id: `challenge_${i}`,
    mt5_login: '1001',
    mt5_server: 'Brymix-Demo',
    status: i % 3 === 0 ? 'failed' : 'passed',
    metrics: {
      initial_balance: 100000,
      final_balance: 108234.5,
      final_equity: 108234.5,
      profit: 8234.5,
      profit_percent: 8.23,
      max_drawdown_percent: 3.12,
      max_daily_loss_percent: 1.87,
      trading_days: 12,
      total_trades: 43,
      winning_trades: 27,
      losing_trades: 16,
      win_rate: 62.79,
    },
    violations: i % 3 === 0 ? [{ rule: 'max_drawdown', message: 'Max drawdown 10.4% exceeded the limit of 10%' }] : [],
    evaluated_at: '2026-12-01T00:00:00.000Z',
  });
}

// The outbox rows, written as finished checks write them (in batches here, to keep this part short).
const writeStarted = performance.now();
const ids: string[] = [];
for (let i = 0; i < TOTAL; i += BATCH) {
  const batch = await deps.dbHandle.db.transaction().execute(async (tx) => {
    const made: string[] = [];
    for (let j = i; j < Math.min(TOTAL, i + BATCH); j++) {
      made.push(
        await deps.webhooks.createDelivery(tx, {
          jobId: `job_bench_${j}`,
          tenantId: 'tenant_bench',
          url,
          payload: payload(j),
        }),
      );
    }
    return made;
  });
  ids.push(...batch);
}
const writeSeconds = (performance.now() - writeStarted) / 1000;

const attempts = () => deps.metrics.webhookAttempts.get().then((m) => m.values.reduce((n, v) => n + v.value, 0));
const attemptsBefore = await attempts();
const started = performance.now();
const cpuAtStart = process.cpuUsage();
// Dispatched as finishing checks dispatch them: many at once, not one awaited after another (on
// SQLite each awaited write is answered after its group's commit, at the end of a loop turn).
for (let i = 0; i < ids.length; i += BATCH)
  await Promise.all(ids.slice(i, i + BATCH).map((id) => deps.webhooks.dispatch(id)));
const dispatchSeconds = (performance.now() - started) / 1000;
const deadline = Date.now() + 600_000;
while ((await attempts()) - attemptsBefore < TOTAL) {
  if (Date.now() > deadline)
    throw new Error(`only ${(await attempts()) - attemptsBefore} of ${TOTAL} attempts in 10 min`);
  await new Promise((r) => setTimeout(r, 5));
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuAtStart);

// Every delivery: succeeded on its first attempt, one attempt logged with the receiver's 200.
let wrong = 0;
for (let i = 0; i < TOTAL; i++) {
  const view = await deps.webhooks.forJob(`job_bench_${i}`);
  const log = view?.attempt_log ?? [];
  if (view?.status !== 'succeeded' || log.length !== 1 || log[0]!.status_code !== 200) wrong++;
}

const mode = process.env.DATABASE_URL
  ? `PostgreSQL + ${process.env.REDIS_URL ? 'Redis/BullMQ' : 'local queue'}`
  : 'embedded (SQLite + local queue)';
console.log(`mode:                 ${mode}`);
console.log(`deliveries:           ${TOTAL} (${stack.config.WORKER_CONCURRENCY} workers)`);
console.log(
  `outbox rows written:  ${(TOTAL / writeSeconds).toFixed(0)}/s (${BATCH} per transaction, not in the figure below)`,
);
console.log(`dispatched:           ${(TOTAL / dispatchSeconds).toFixed(0)}/s (queued for the workers)`);
console.log(`deliveries: ${(TOTAL / seconds).toFixed(0)}/s (first dispatch → last attempt logged)`);
console.log(
  `cpu per delivery: ${((cpu.user + cpu.system) / 1000 / TOTAL).toFixed(3)} ms (API process: queue, workers, sender and this receiver)`,
);
console.log(`receiver verified:    ${verified}, rejected: ${rejected}`);
console.log(`delivery log:         ${TOTAL - wrong} of ${TOTAL} succeeded with one attempt logged`);
console.log(`rss:                  ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);

receiver.close();
await stack.close();
process.exit(wrong === 0 && rejected === 0 && verified === TOTAL ? 0 : 1);
