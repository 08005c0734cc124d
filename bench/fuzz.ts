/**
 * Fuzz: generated hostile requests over every route family against a real `brymix serve` (a child
 * process listening on a port, embedded storage, production settings), then /healthz.
 *
 *   npm run fuzz                                   # 6,000 requests, seed 1, embedded storage
 *   FUZZ_REQUESTS=20000 FUZZ_SEED=7 npm run fuzz   # more, another sequence
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run fuzz
 *                                                  # PostgreSQL (own schema) + Redis (own prefix)
 *   FUZZ_CONCURRENCY=1 FUZZ_TRACE=1 npm run fuzz 2>trace.txt   # one at a time, each request and answer
 *
 * Families: checks, jobs, account API (+ SSE), widgets (+ pages, SSE), admin, staff auth, audit,
 * console/CRM API, service API, site webhooks, SSO, platform (trader API + pages), system, docs.
 * Each request picks a route, then — with some probability each — another method, hostile path
 * segments, a hostile query, a missing/forged/foreign credential, hostile headers (huge, control
 * bytes, odd content types) and a hostile body (wrong JSON types, huge numbers, deep nesting,
 * prototype keys, invalid UTF-8, multipart garbage, oversized). About one in twenty goes over a
 * raw socket, for what an HTTP client library refuses to send (raw bytes in the path, broken
 * framing). Valid credentials are provisioned first (staff, keys, an account, a widget, a job, a
 * CRM client, a trader session), so most requests reach the handlers, not just the auth hooks.
 *
 * Prints counts by status and every 5xx (method, path, a body excerpt, the server's log line).
 * Exits 1 on any 5xx other than 503 with Retry-After, on any error line in the server's log (a 5xx
 * whose client had already hung up), if the server died, or if /healthz is not 200 at the end.
 * Never run by `npm test`. The pieces are in bench/fuzz/: the hostile material, the routes, the
 * request planner, the provisioning and the HTTP client.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createLogger } from '../src/infra/logger.ts';
import { dropStorage, ensureSchema, freePort, newStorage, schemaDatabaseUrl, servicesMode } from '../test/storage.ts';
import { hostileMaterial } from './fuzz/hostile.ts';
import { type Answer, fuzzClient } from './fuzz/http.ts';
import { type Planned, requestPlanner } from './fuzz/plan.ts';
import { provision } from './fuzz/provision.ts';
import { seededRandom } from './fuzz/random.ts';
import { fuzzRoutes } from './fuzz/routes.ts';

const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 6000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const BIN = fileURLToPath(new URL('../bin/brymix', import.meta.url));
const random = seededRandom(SEED);

// ---------------------------------------------------------------- the server under test
// Embedded (SQLite + local queue) by default; with DATABASE_URL and REDIS_URL, PostgreSQL (a schema
// of its own, dropped at the end) and Redis (a prefix of its own), as the test harness does.
const storage = newStorage();
await ensureSchema(storage);
const dir = storage.dataDir; // also the server's working directory: no .env of the checkout is read
const port = await freePort();
const secrets = {
  WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  CREDENTIALS_KEY: randomBytes(32).toString('base64url'),
  JWT_SECRET: randomBytes(32).toString('hex'),
  SSO_SECRET: randomBytes(32).toString('hex'),
  SERVICE_API_TOKEN: randomBytes(32).toString('hex'),
  SITE_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
};
const STAFF = { email: 'fuzz-admin@example.com', password: `pw-${randomBytes(12).toString('hex')}` };
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...(servicesMode ? { DATABASE_URL: schemaDatabaseUrl(storage) } : {}),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: storage.redisPrefix } : {}),
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: String(port),
  DATA_DIR: join(dir, 'data'),
  LOG_LEVEL: 'warn',
  ...secrets,
  // Let requests reach the handlers instead of stopping at the rate limiters.
  LOGIN_MAX_FAILURES: '1000',
  ACCOUNT_API_RATE_PER_MINUTE: '1000000',
  ACCOUNT_RATE_INTERVAL_SECONDS: '0.001',
  ACCOUNT_RATE_BURST: '10000',
  SERVICE_API_RATE_PER_MINUTE: '100000',
};

// The first staff user, as `brymix staff create` makes it: through the same services, on the same
// storage, before the server starts.
{
  const config = loadConfig({ env, envFile: false });
  const deps = await createDeps(config, {
    logger: createLogger('warn'),
    ...(servicesMode ? { pgSchema: storage.pgSchema } : {}),
  });
  await deps.staff.create({ email: STAFF.email, role: 'admin', password: STAFF.password });
  await deps.close();
}

const serverLog: string[] = [];
const server: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
  cwd: dir,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let exited: string | null = null;
server.on('exit', (code, signal) => (exited = `exit code ${code} signal ${signal}`));
// Never leave the server behind, whatever ends this script.
process.on('exit', () => {
  if (!exited) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
for (const stream of [server.stdout!, server.stderr!]) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) serverLog.push(line);
  });
}

const agent = new Agent({
  connections: CONCURRENCY * 2,
  headersTimeout: 15_000,
  bodyTimeout: 15_000,
  maxHeaderSize: 65_536,
});
const client = fuzzClient(port, agent);
const { call } = client;

for (let i = 0; ; i++) {
  if (exited) throw new Error(`brymix serve ${exited}:\n${serverLog.join('\n')}`);
  try {
    if ((await call('GET', '/healthz')).status === 200) break;
  } catch {
    // not listening yet
  }
  if (i > 600) throw new Error('brymix serve did not answer /healthz within 60 s');
  await new Promise((r) => setTimeout(r, 100));
}

const ids = await provision(client, secrets, STAFF);
const hostile = hostileMaterial(random);
const plan = requestPlanner(random, fuzzRoutes(random, ids, STAFF.email, hostile), hostile, ids, secrets);

// ---------------------------------------------------------------- run
const counts = new Map<string, number>();
const families = new Map<string, number>();
/** family → status class (2xx, 4xx, …) → count: shows whether requests reach the handlers. */
const byFamily = new Map<string, Map<string, number>>();
function tally(family: string, status: number | string): void {
  const cls = typeof status === 'number' ? (status === 0 ? 'closed' : `${String(status)[0]}xx`) : 'client';
  const m = byFamily.get(family) ?? new Map<string, number>();
  m.set(cls, (m.get(cls) ?? 0) + 1);
  byFamily.set(family, m);
}
const failures: Array<{
  method: string;
  path: string;
  status: number;
  family: string;
  headers: Record<string, string>;
  body: string;
  answer: string;
}> = [];
let allowed503 = 0;
let next = 0;
const started = performance.now();

function describe(p: Planned, status: number, answer: string) {
  const bodyText = p.raw
    ? p.raw.toString('latin1')
    : p.body === undefined
      ? ''
      : Buffer.isBuffer(p.body)
        ? p.body.toString('latin1')
        : p.body;
  return {
    method: p.method,
    path: p.path.slice(0, 300),
    status,
    family: p.family,
    headers: Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, v.slice(0, 120)])),
    body: bodyText.slice(0, 400),
    answer: answer.slice(0, 300),
  };
}

/** The slowest answers: what holds the server (or its event loop) up. */
const slowest: Array<{ ms: number; what: string }> = [];
function timed(p: Planned, ms: number): void {
  if (slowest.length < 8 || ms > slowest.at(-1)!.ms) {
    slowest.push({
      ms,
      what: `${p.method} ${p.path.slice(0, 100)} [${p.family}] ${p.headers['content-type'] ?? ''} ${p.body ? `${Buffer.byteLength(p.body)} B: ${JSON.stringify((Buffer.isBuffer(p.body) ? p.body.toString('latin1') : p.body).slice(0, 60))}` : ''}`,
    });
    slowest.sort((a, b) => b.ms - a.ms).splice(8);
  }
}

async function worker(): Promise<void> {
  while (next < TOTAL) {
    next++;
    const p = plan();
    let answer: Answer;
    const t0 = performance.now();
    const index = next;
    if (process.env.FUZZ_TRACE)
      console.error(
        `> ${index} ${p.raw ? 'RAW ' : ''}${p.method} ${p.path.slice(0, 120)} ${JSON.stringify(p.headers).slice(0, 300)} body ${p.body === undefined ? '-' : Buffer.byteLength(p.body)}`,
      );
    try {
      if (p.raw) answer = await client.sendRaw(p.raw);
      else
        answer = await call(p.method === 'CONNECT_' ? 'CONNECT' : p.method, p.path, {
          headers: p.headers,
          ...(p.body !== undefined ? { body: p.body } : {}),
        });
    } catch (err) {
      // undici refuses some methods/headers itself, or the server closed the connection (431, 400 on
      // a broken frame): not an answer of the application.
      const code = (err as { code?: string }).code ?? (err as Error).name;
      if (process.env.FUZZ_TRACE) console.error(`< ${index} ${code} ${(performance.now() - t0).toFixed(0)} ms`);
      const label = `client: ${code}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      // No answer in 15 s is a hang, not a refusal.
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
        failures.push(describe(p, 0, `no answer: ${code}`));
      families.set(p.family, (families.get(p.family) ?? 0) + 1);
      tally(p.family, 'client');
      continue;
    }
    timed(p, performance.now() - t0);
    if (process.env.FUZZ_TRACE) console.error(`< ${index} ${answer.status} ${(performance.now() - t0).toFixed(0)} ms`);
    const label = p.raw ? `${answer.status || 'closed'} (raw)` : String(answer.status);
    counts.set(label, (counts.get(label) ?? 0) + 1);
    families.set(p.family, (families.get(p.family) ?? 0) + 1);
    tally(p.family, answer.status);
    if (answer.status >= 500) {
      if (answer.status === 503 && answer.headers['retry-after'] !== undefined) allowed503++;
      else {
        failures.push(describe(p, answer.status, answer.text));
      }
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - started) / 1000;

const health = exited ? null : await call('GET', '/healthz').catch(() => null);
const ready = exited ? null : await call('GET', '/readyz').catch(() => null);

console.log(
  `\nbrymix fuzz: ${TOTAL} requests, seed ${SEED}, ${CONCURRENCY} at a time, ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)} req/s)\n`,
);
const CLASSES = ['2xx', '3xx', '4xx', '5xx', 'closed', 'client'];
console.log(
  `requests by family: ${'family'.padEnd(16)} ${'total'.padStart(6)} ${CLASSES.map((c) => c.padStart(6)).join(' ')}`,
);
for (const [f, n] of [...families].sort((a, b) => b[1] - a[1])) {
  const m = byFamily.get(f)!;
  console.log(
    `  ${f.padEnd(34)} ${String(n).padStart(6)} ${CLASSES.map((c) => String(m.get(c) ?? 0).padStart(6)).join(' ')}`,
  );
}
console.log('\nanswers by status:');
for (const [s, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`  ${s.padEnd(26)} ${n}`);
console.log('\nslowest answers:');
for (const s of slowest) console.log(`  ${s.ms.toFixed(0).padStart(6)} ms  ${s.what}`);
const fivexx = [...counts].filter(([s]) => /^5/.test(s)).reduce((a, [, n]) => a + n, 0);
console.log(`\n5xx: ${fivexx} (503 with Retry-After: ${allowed503}); failures: ${failures.length}`);
console.log(
  `server: ${exited ?? 'running'}; /healthz ${health?.status ?? 'no answer'}; /readyz ${ready?.status ?? 'no answer'}`,
);

// A 5xx the client never saw (it had hung up) still shows in the server's log as an error line.
const errorLines = serverLog.filter((l) => /"level":(50|60)/.test(l));
console.log(`server error log lines: ${errorLines.length}`);
if (failures.length > 0 || errorLines.length > 0) {
  const file = join(tmpdir(), `brymix-fuzz-failures-seed${SEED}.json`);
  writeFileSync(file, JSON.stringify({ failures, serverErrors: errorLines }, null, 2));
  console.log(`\nfirst failures (all, with the server's error lines, in ${file}):`);
  for (const f of failures.slice(0, 15))
    console.log(
      `  ${f.status} ${f.method} ${f.path.slice(0, 120)} [${f.family}] body: ${JSON.stringify(f.body.slice(0, 120))}`,
    );
  console.log('\nserver error lines (distinct messages):');
  const distinct = new Map<string, string>();
  for (const l of errorLines) {
    let key = l.slice(0, 200);
    try {
      const o = JSON.parse(l) as { msg?: string; err?: { message?: string; stack?: string } };
      key = `${o.msg ?? ''}: ${o.err?.message ?? ''} @ ${(o.err?.stack ?? '').split('\n')[1]?.trim() ?? ''}`;
    } catch {
      // not JSON: keep the text
    }
    distinct.set(key, l);
  }
  for (const k of [...distinct.keys()].slice(0, 10)) console.log(`  ${k.slice(0, 400)}`);
}

server.kill('SIGTERM');
await new Promise<void>((r) => (exited ? r() : server.once('exit', () => r())));
await agent.close();
await dropStorage(storage);
const ok = failures.length === 0 && errorLines.length === 0 && health?.status === 200;
console.log(ok ? '\nPASS: no 5xx, no server error, /healthz 200' : '\nFAIL');
process.exit(ok ? 0 : 1);
