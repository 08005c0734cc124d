/**
 * End-to-end checks per second: submit → check → verified webhook, through the real HTTP server,
 * queue, simulator, rule engine and webhook sender.
 *
 *   npm run bench                                   # embedded: SQLite + local queue
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run bench
 *
 * The server runs as `npm start` runs it: its own `brymix serve` process (compiled, NODE_ENV=production,
 * bench/cluster.ts), apart from the bench's submitters and receiver, so `cpu per check` is the API's
 * and the workers' alone, read from /proc, and split by thread.
 *
 * Options (env): BENCH_CHECKS (default 2000), BENCH_CONCURRENCY (submitters, default 32),
 * WORKER_CONCURRENCY (default: the product's, 32), SIMULATOR_LATENCY_MS (default 0), BENCH_WARMUP (checks run
 * to the end before the measured ones, default 3000: the process's code loaded and optimised, its
 * worker threads started; a server runs for days, and V8 is still optimising its code through its
 * first few thousand checks: after 1,000 its compiler threads still cost about 0.3 ms a check, after
 * 3,000 they are down to what a 12,000-check run shows. `BENCH_WARMUP=1000` or `50` shows the
 * earlier stages of a start), BENCH_RATE (checks/s: submit at this steady rate, one every 1/rate s
 * whatever the answers, instead of as fast as the submitters can; latency counts from the
 * scheduled instant, so a server falling behind shows in it), BENCH_WORKERS (default `0`: one
 * `brymix serve` with its workers, embedded or not; `1`, `2`, … are `brymix serve` without workers
 * plus that many `brymix worker` processes, PostgreSQL + Redis only; a list such as `1,2` runs the
 * bench once per count, each on fresh storage), BENCH_INPROCESS=1 (the server in the bench's own
 * process instead: its CPU figure then includes the bench's submitters and receiver),
 * BENCH_PROFILE=<file> (with BENCH_INPROCESS=1: a CPU profile of this process's event loop over the
 * measured run, bench/lib/profile.ts), BENCH_NODE_ARGS (node options for the spawned processes, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_CHILD_LOG=<file> (their standard output appended
 * there, e.g. with `BENCH_NODE_ARGS=--trace-deopt`). With one `brymix serve` (BENCH_WORKERS=0) its
 * CPU is also split by thread (Linux: /proc/<pid>/task).
 *
 * After each run every job is read back: finished, started exactly once (`attempts` 1), its webhook
 * delivered once (one verified request, one attempt in the delivery log): no job lost or run twice.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config.ts';
import { startStack } from '../test/harness.ts';
import { type Cluster, startCluster } from './cluster.ts';
import { profileWindow } from './lib/profile.ts';

const TOTAL = Number(process.env.BENCH_CHECKS ?? 2000);
const SUBMITTERS = Number(process.env.BENCH_CONCURRENCY ?? 32);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000);
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : null;
const LOGINS = ['1001', '1002', '1003', '1004', '1005'];

/** Verdict threads of a spawned serve process: its own setting, read as it reads it. */
const CHECK_THREADS = loadConfig({ env: { ...process.env, NODE_ENV: 'production' }, envFile: false }).CHECK_THREADS;
const WORKER_COUNTS: Array<number | null> =
  process.env.BENCH_INPROCESS === '1' ? [null] : (process.env.BENCH_WORKERS ?? '0').split(',').map(Number);
const env = {
  ...(process.env.WORKER_CONCURRENCY ? { WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY } : {}),
  QUEUE_POLL_MS: '20',
  QUEUE_LEASE_MS: '30000',
  SIMULATOR_LATENCY_MS: process.env.SIMULATOR_LATENCY_MS ?? '0',
  ...(process.env.CHECK_THREADS ? { CHECK_THREADS: process.env.CHECK_THREADS } : {}),
};

/** CPU seconds of this process's main thread (the event loop), Linux only: /proc/self/task/<pid>/stat. */
function mainThreadCpu(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/** The server's SQLite commits and the callers they carried so far (its /metrics), or null (PostgreSQL). */
async function sqliteCommits(url: string): Promise<{ commits: number; callers: number } | null> {
  const res = await request(`${url}/metrics`).catch(() => null);
  if (res?.statusCode !== 200) {
    await res?.body.dump();
    return null;
  }
  const text = await res.body.text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const commits = read('brymix_sqlite_commits_total');
  const callers = read('brymix_sqlite_commit_callers_total');
  return Number.isNaN(commits) ? null : { commits, callers };
}

for (const workerCount of WORKER_COUNTS) await bench(workerCount);
process.exit(0);

async function bench(workerCount: number | null): Promise<void> {
  const stack = workerCount === null ? await startStack({ listen: true, env: { ...env, LOG_LEVEL: 'silent' } }) : null;
  const cluster: Cluster | null = workerCount === null ? null : await startCluster({ workers: workerCount, env });
  const url = stack?.url ?? cluster!.url;
  const secret = stack?.config.WEBHOOK_SECRET ?? cluster!.secret;
  const key = stack ? (await stack.createKey('Bench Firm')).key : await cluster!.createKey('Bench Firm');
  const hooksPerJob = new Map<string, number>();

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
      hooksPerJob.set(body.job_id, (hooksPerJob.get(body.job_id) ?? 0) + 1);
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
    const res = await request(`${url}/api/v1/check`, {
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
  const mainAtStart = mainThreadCpu();
  const clusterAtStart = cluster?.cpuSeconds();
  const commitsAtStart = await sqliteCommits(url);
  const stopProfile = await profileWindow();
  await run(TOTAL, RATE);
  const submitSeconds = (performance.now() - started) / 1000;
  await allDone;
  const totalSeconds = (performance.now() - started) / 1000;
  await stopProfile();
  const measured = [...submittedAt.keys()];
  // User + system CPU of this whole process (every thread) from the first submit to the last
  // verified webhook: the API and the workers, and also this bench's own submitters and receiver,
  // which share the process. PostgreSQL's and Redis's own CPU is not in it.
  const cpu = process.cpuUsage(cpuAtStart);
  const mainAtEnd = mainThreadCpu();
  const clusterAtEnd = cluster?.cpuSeconds();
  const commitsAtEnd = await sqliteCommits(url);

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(0);
  const backend = process.env.DATABASE_URL
    ? `PostgreSQL + ${process.env.REDIS_URL ? 'Redis/BullMQ' : 'local queue'}`
    : 'embedded (SQLite + local queue)';
  const mode =
    workerCount === null
      ? `${backend}, in the bench's process`
      : workerCount === 0
        ? `${backend}: one brymix serve process with its workers, apart from the bench`
        : `${backend}: brymix serve (no workers) + ${workerCount} brymix worker process${workerCount === 1 ? '' : 'es'}`;
  console.log(`mode:                 ${mode}`);
  console.log(
    `checks:               ${TOTAL} after ${WARMUP} warm-up (${RATE === null ? `${SUBMITTERS} concurrent submitters` : `offered at ${RATE}/s`}, ${stack?.config.WORKER_CONCURRENCY ?? env.WORKER_CONCURRENCY ?? 'default'} workers a process, ${stack ? stack.config.CHECK_THREADS : (process.env.CHECK_THREADS ?? 'default')} verdict threads, simulator latency ${env.SIMULATOR_LATENCY_MS} ms)`,
  );
  console.log(`submit throughput:    ${(TOTAL / submitSeconds).toFixed(0)} submits/s`);
  console.log(`end-to-end:           ${(TOTAL / totalSeconds).toFixed(1)} checks/s (submit → verified webhook)`);
  console.log(`latency submit→hook:  p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`);
  console.log(`webhooks verified:    ${verified}, rejected: ${rejected}`);
  const perCheck = (seconds: number) => `${((seconds * 1000) / TOTAL).toFixed(2)} ms`;
  if (clusterAtStart && clusterAtEnd) {
    const serveCpu = clusterAtEnd.serve - clusterAtStart.serve;
    const workersCpu = clusterAtEnd.workers - clusterAtStart.workers;
    const systemCpu = clusterAtEnd.system - clusterAtStart.system;
    console.log(
      `cpu per check: ${perCheck(serveCpu + workersCpu)} (serve ${perCheck(serveCpu)} + workers ${perCheck(workersCpu)}; of it the kernel's ${perCheck(systemCpu)}; PostgreSQL's, Redis's and this bench's own not in it)`,
    );
    // One serve process with its workers: its CPU by thread.
    const threads = Object.entries(clusterAtEnd.serveThreads)
      .filter(([name]) => name !== 'event loop')
      .map(([name, s]) => s - (clusterAtStart.serveThreads[name] ?? 0))
      .sort((a, b) => b - a);
    const loop = clusterAtEnd.serveThreads['event loop']! - clusterAtStart.serveThreads['event loop']!;
    const rest = threads.slice(CHECK_THREADS).reduce((sum, s) => sum + s, 0);
    if (workerCount === 0)
      console.log(
        `  serve by thread:    event loop ${perCheck(loop)}; ${CHECK_THREADS > 0 ? `the ${CHECK_THREADS} busiest others (verdict threads) ${threads.slice(0, CHECK_THREADS).map(perCheck).join(', ')}; ` : ''}the other ${threads.length - CHECK_THREADS} threads ${perCheck(rest)} (V8's compiler and GC helpers, libuv)`,
      );
  } else {
    console.log(
      `cpu per check: ${((cpu.user + cpu.system) / 1000 / TOTAL).toFixed(2)} ms (user ${(cpu.user / 1000 / TOTAL).toFixed(2)} + system ${(cpu.system / 1000 / TOTAL).toFixed(2)}; API, workers, and this bench's submitters and receiver: one process)`,
    );
    if (mainAtStart !== null && mainAtEnd !== null)
      console.log(
        `  of it on the event loop's thread: ${perCheck(mainAtEnd - mainAtStart)} (the rest: verdict threads, GC and I/O threads)`,
      );
  }
  if (commitsAtStart && commitsAtEnd) {
    const commits = commitsAtEnd.commits - commitsAtStart.commits;
    const callers = commitsAtEnd.callers - commitsAtStart.callers;
    console.log(
      `sqlite commits:       ${(commits / TOTAL).toFixed(2)} a check, ${(callers / Math.max(1, commits)).toFixed(1)} callers each (group commit)`,
    );
  }
  console.log(`rss (bench process):  ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);

  // Every measured job read back: finished, started once, its webhook sent once and logged once.
  const bad: string[] = [];
  const readBack = new Agent({ connections: 8 });
  for (let i = 0; i < measured.length; i += 8) {
    await Promise.all(
      measured.slice(i, i + 8).map(async (id) => {
        const get = async (path: string) =>
          (await (
            await request(`${url}${path}`, { headers: { 'x-api-key': key }, dispatcher: readBack })
          ).body.json()) as Record<string, unknown>;
        const job = await get(`/api/v1/job/${id}`);
        const log = (await get(`/api/v1/job/${id}/deliveries`)) as { deliveries: Array<Record<string, unknown>> };
        const d = log.deliveries[0];
        if (!['passed', 'failed'].includes(String(job.status))) bad.push(`${id}: status ${String(job.status)}`);
        if (job.attempts !== 1) bad.push(`${id}: started ${String(job.attempts)} times`);
        if (hooksPerJob.get(id) !== 1) bad.push(`${id}: ${hooksPerJob.get(id) ?? 0} webhooks received`);
        if (log.deliveries.length !== 1 || d?.status !== 'succeeded' || d.attempts !== 1)
          bad.push(`${id}: delivery log ${JSON.stringify(log.deliveries.map((x) => [x.status, x.attempts]))}`);
      }),
    );
  }
  await readBack.close();
  console.log(
    `read back:            ${measured.length - new Set(bad.map((b) => b.split(':')[0])).size}/${measured.length} jobs finished, started once, webhook received once and logged with one attempt${bad.length ? `; NOT: ${bad.slice(0, 5).join('; ')}` : ''}`,
  );
  console.log('');

  await client.close();
  receiver.close();
  await stack?.close();
  await cluster?.close();
}
