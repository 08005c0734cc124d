/**
 * Cached GET /api/account/{id}/info per second with X-API-Key auth, the IP allowlist, both rate
 * limits and the access log on — side by side with a bare Fastify route answering a similar JSON
 * object, in the same run (target: at least half the bare rate). The load generator runs in a
 * separate process (bench/load.ts).
 *
 *   npx tsx bench/account-api.ts
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/account-api.ts
 *
 * Options (env): BENCH_CONNECTIONS (default 64), BENCH_SECONDS (default 8), BENCH_ROUNDS (default 2).
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { startStack } from '../test/harness.ts';

const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '64';
const SECONDS = process.env.BENCH_SECONDS ?? '8';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const stack = await startStack({ listen: true, workers: false, env: { LOG_LEVEL: 'silent' } });
const created = await stack.deps.keys.create('Bench Firm', { allowedCidrs: ['127.0.0.0/8', '::1/128'] });
const acc = await stack.deps.accounts.add({
  login: '1001',
  server: 'Brymix-Demo',
  password: 'demo',
  key_id: created.id,
});
// Limits stay on, set high enough that the run measures throughput rather than 429s.
await stack.deps.accounts.setLimits(created.id, {
  per_minute: 10_000_000,
  account_interval_seconds: 0.001,
  account_burst: 1_000_000,
});

const bare = Fastify({ logger: false });
const sample = (
  await stack.app.inject({ url: `/api/account/${acc.id}/info`, headers: { 'x-api-key': created.key } })
).json();
bare.get('/info', async () => ({ ...sample, fetched_at: new Date().toISOString() }));
await bare.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/info`;

async function load(url: string, headers: string[] = []) {
  const { stdout: out } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/load.ts', url, CONNECTIONS, SECONDS, ...headers],
    { encoding: 'utf8' },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as {
    requests: number;
    errors: number;
    non200: number;
    rps: number;
    p50: number;
    p99: number;
  };
}

const fullUrl = `${stack.url}/api/account/${acc.id}/info`;
await load(bareUrl); // warm-up
await load(fullUrl, [`x-api-key:${created.key}`]);
const rows: string[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const b = await load(bareUrl);
  const f = await load(fullUrl, [`x-api-key:${created.key}`]);
  rows.push(
    `| ${r} | ${b.rps} | ${f.rps} | ${((f.rps / b.rps) * 100).toFixed(0)} % | ${b.p50} / ${b.p99} | ${f.p50} / ${f.p99} | ${f.non200 + f.errors} |`,
  );
}
await stack.deps.accessLog.flush();
const logged = await stack.deps.dbHandle.db
  .selectFrom('api_access_log')
  .select((eb) => eb.fn.countAll<number>().as('n'))
  .executeTakeFirst();
console.log(
  `mode: ${stack.deps.dbHandle.dialect}${stack.config.REDIS_URL ? ' + Redis' : ' + memory'}, connections ${CONNECTIONS}, ${SECONDS} s per run, upstream reads ${stack.deps.accountFeed.upstreamReads}, access-log rows ${Number(logged?.n)}`,
);
console.log(
  '| round | bare Fastify req/s | GET …/info req/s (auth+allowlist+limits+audit) | ratio | bare p50/p99 ms | info p50/p99 ms | non-200 |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
await bare.close();
await stack.close();
