/**
 * PostgreSQL going away under load (a restart, a failover: pooled connections terminated with
 * 57P01, new ones refused) must not end a Brymix process. While it is away, requests answer 503
 * with Retry-After and /readyz says so; when it returns, everything recovers by itself and no
 * accepted check is lost. Runs in `npm run test:services` only (the embedded SQLite file cannot go
 * away). By default the outage is a TCP proxy in front of the shared server, cut and restored, so
 * the rest of the suite is undisturbed; `scripts/test-services.mjs` then runs this file alone with
 * BRYMIX_TEST_PG_RESTART=1, which stops and starts the real local PostgreSQL cluster instead.
 */
import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './factories/tcp-proxy.ts';
import { checkBody, type Receiver, startReceiver } from './harness.ts';
import {
  dropStorage,
  ensureSchema,
  freePort,
  newStorage,
  type StackStorage,
  servicesMode,
  TEST_CREDENTIALS_KEY,
  TEST_WEBHOOK_SECRET,
} from './storage.ts';

const BIN = resolve('bin/brymix');
const realRestart = process.env.BRYMIX_TEST_PG_RESTART === '1';
let storage: StackStorage;
let receiver: Receiver;
let proxy: TcpProxy | null = null;
let port: number;
let logs = '';

function databaseUrl(): string {
  const base = new URL(process.env.DATABASE_URL!);
  if (proxy) {
    base.hostname = '127.0.0.1';
    base.port = String(proxy.port);
  }
  base.searchParams.set('options', `-c search_path=${storage.pgSchema}`);
  return base.toString();
}

function serverEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: storage.dataDir,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
    QUEUE_POLL_MS: '50',
    CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
    REDIS_PREFIX: storage.redisPrefix,
    DATABASE_URL: databaseUrl(),
    REDIS_URL: process.env.REDIS_URL!,
  };
}

const pgCluster = () => `${readdirSync('/etc/postgresql')[0]} main`;
async function outage(): Promise<void> {
  if (realRestart)
    execSync(`pg_ctlcluster --skip-systemctl-redirect ${pgCluster()} stop -m fast`, { stdio: 'inherit' });
  else await proxy!.stop();
}
async function restore(): Promise<void> {
  if (realRestart) execSync(`pg_ctlcluster --skip-systemctl-redirect ${pgCluster()} start`, { stdio: 'inherit' });
  else await proxy!.start();
}

async function request(
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown> }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body };
}

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!servicesMode)('PostgreSQL going away under load', () => {
  let server: ChildProcess;
  let key = '';

  beforeAll(async () => {
    storage = newStorage();
    port = await freePort();
    receiver = await startReceiver();
    await ensureSchema(storage);
    if (!realRestart) {
      const u = new URL(process.env.DATABASE_URL!);
      proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    }
    server = spawn(process.execPath, [BIN, 'serve'], { env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    await until('the server to be ready', async () => ((await request('/readyz')).status === 200 ? true : null));
    key = await new Promise<string>((res, rej) => {
      const c = spawn(process.execPath, [BIN, 'keys', 'create', 'Outage Firm'], { env: serverEnv() });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', (code) =>
        code === 0 ? res(out.trim().split('\n').at(-1)!) : rej(new Error(`keys create exited ${code}: ${out}`)),
      );
    });
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    await proxy?.close();
    await receiver?.close();
    if (storage) await dropStorage(storage);
  });

  const submit = (challenge: string) =>
    request('/api/v1/check', {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(checkBody({ challenge_id: challenge, callback_url: receiver.url })),
    });

  it('stays up, answers 503 with Retry-After while the database is away, and recovers by itself', async () => {
    const before = await submit('before-outage');
    expect(before.status).toBe(200);

    // Load running through the outage: submits and polls, every answer recorded.
    const answers: Array<{ status: number; retryAfter: string | null; code: unknown }> = [];
    let loading = true;
    const load = (async () => {
      let i = 0;
      while (loading) {
        const r =
          i % 10 === 0
            ? await submit(`load-${i}`)
            : await request(`/api/v1/job/${String(before.body.job_id)}`, { headers: { 'x-api-key': key } });
        answers.push({ status: r.status, retryAfter: r.retryAfter, code: r.body.code });
        i++;
        await new Promise((res) => setTimeout(res, 10));
      }
    })().catch(() => undefined);

    await new Promise((r) => setTimeout(r, 300));
    await outage();
    const readyDown = await until('/readyz to answer 503', async () => {
      const r = await request('/readyz');
      return r.status === 503 ? r : null;
    });
    expect(readyDown.body).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });
    const during = await until('a request to answer 503 during the outage', async () => {
      const r = await submit('during-outage');
      return r.status === 503 ? r : null;
    });
    expect(during.retryAfter).toMatch(/^\d+$/);
    expect(during.body).toMatchObject({ status: 503, code: 'unavailable' });
    expect(server.exitCode).toBeNull();

    await restore();
    await until(
      '/readyz to answer 200 again',
      async () => ((await request('/readyz')).status === 200 ? true : null),
      60_000,
    );
    const after = await until('a submit to succeed again', async () => {
      const r = await submit('after-outage');
      return r.status === 200 ? r : null;
    });
    loading = false;
    await load;

    expect(server.exitCode).toBeNull();
    // Every answer under load was a success or a 503 with Retry-After: never a 500.
    expect(answers.length).toBeGreaterThan(0);
    for (const a of answers) {
      expect([200, 503]).toContain(a.status);
      if (a.status === 503) expect(a.retryAfter).toMatch(/^\d+$/);
    }
    expect(logs).not.toMatch(/Unhandled|uncaught/i);

    // The checks accepted before and after the outage finish and are delivered.
    for (const id of [before.body.job_id, after.body.job_id]) {
      await until(
        `job ${String(id)} to finish`,
        async () => {
          const j = await request(`/api/v1/job/${String(id)}`, { headers: { 'x-api-key': key } });
          return j.status === 200 && j.body.status === 'passed' ? j : null;
        },
        60_000,
      );
      await until(`the webhook of ${String(id)}`, async () =>
        receiver.received.some((h) => h.json.job_id === id) ? true : null,
      );
    }
  }, 150_000);
});
