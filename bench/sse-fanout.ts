/**
 * SSE fan-out: 10,000 concurrent GET /api/account/{id}/stream in one `brymix` process (the clients
 * run in a separate process, bench/sse-client.ts), 50 accounts polled once a second; reports the
 * update latency p50/p99 (poll instant → event parsed by the client) and the server's memory.
 * Targets: p99 under 250 ms, memory under 1 GiB.
 *
 *   node --expose-gc --import tsx bench/sse-fanout.ts
 *
 * Options (env): BENCH_STREAMS (default 10000), BENCH_ACCOUNTS (default 50), BENCH_SECONDS (default 20).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createLiveConnector, liveRouter } from '../test/factories/live-connector.ts';
import { startStack } from '../test/harness.ts';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

const stack = await startStack({
  listen: true,
  workers: false,
  connectors: liveRouter(createLiveConnector()),
  env: { LOG_LEVEL: 'silent', ACCOUNT_POLL_INTERVAL_MS: '1000' },
});
const created = await stack.deps.keys.create('Fan-out Firm');
await stack.deps.accounts.setLimits(created.id, {
  per_minute: 10_000_000,
  account_interval_seconds: 0.001,
  account_burst: 1_000_000,
});
const ids: string[] = [];
for (let i = 0; i < ACCOUNTS; i++)
  ids.push(
    (
      await stack.deps.accounts.add({
        login: String(20_000 + i),
        server: 'Brymix-Demo',
        password: 'demo',
        key_id: created.id,
      })
    ).id,
  );
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssBefore = process.memoryUsage().rss;

const child = spawn(
  process.execPath,
  ['--import', 'tsx', 'bench/sse-client.ts', stack.url, created.key, String(STREAMS), ...ids],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const lines = createInterface({ input: child.stdout! });
const next = () => new Promise<Record<string, number>>((r) => lines.once('line', (l) => r(JSON.parse(l))));
const t0 = Date.now();
const connected = await next();
const connectSeconds = (Date.now() - t0) / 1000;
let peakRss = 0;
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
}, 250);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const done = next();
child.kill('SIGTERM');
const result = await done;
clearInterval(sampler);
const mib = (b: number) => Math.round(b / 1048576);
console.log(
  `streams open ${connected.open} (failed ${connected.failed}) in ${connectSeconds.toFixed(1)} s; server streams ${stack.deps.sseHub.size}; ${ACCOUNTS} accounts, poll 1 s, ${SECONDS} s measured; upstream reads ${stack.deps.accountFeed.upstreamReads}`,
);
console.log('| streams | accounts | update events | latency p50 / p99 / max | server RSS before → peak | peak heap |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${connected.open} | ${ACCOUNTS} | ${result.events} | ${result.p50} / ${result.p99} / ${result.max} ms | ${mib(rssBefore)} → ${mib(peakRss)} MiB | ${mib(peakHeap)} MiB |`,
);
await stack.close();
process.exit(0);
