/**
 * SIGKILL the server with checks waiting and running: after a restart on the same storage every
 * check finishes and its webhook arrives, retries with the same webhook-id. Then scan everything
 * the run left behind (logs, database file, Redis) for the MT5 passwords.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, type Receiver, startReceiver } from './harness.ts';
import {
  dropStorage,
  ensureSchema,
  freePort,
  newStorage,
  type StackStorage,
  schemaDatabaseUrl,
  servicesMode,
  TEST_CREDENTIALS_KEY,
  TEST_WEBHOOK_SECRET,
} from './storage.ts';

const BIN = resolve('bin/brymix');
const CANARY_PASSWORD = 'Canary-Pw-7f3e9a1c';
let storage: StackStorage;
let receiver: Receiver;
let port: number;
let logs = '';
let key = '';

function serverEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: storage.dataDir,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
    WORKER_CONCURRENCY: '2',
    QUEUE_POLL_MS: '50',
    QUEUE_LEASE_MS: '1500',
    SIMULATOR_LATENCY_MS: '400',
    CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
    REDIS_PREFIX: storage.redisPrefix,
    ...(servicesMode ? { DATABASE_URL: schemaDatabaseUrl(storage), REDIS_URL: process.env.REDIS_URL! } : {}),
  };
}

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: serverEnv(),
    cwd: storage.dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  const end = Date.now() + 20_000;
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`server did not start:\n${logs.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createKey(): Promise<string> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [BIN, 'keys', 'create', 'Crash Firm'], {
      env: serverEnv(),
      cwd: storage.dataDir,
    });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) =>
      code === 0 ? res(out.trim().split('\n').at(-1)!) : rej(new Error(`keys create exited ${code}`)),
    );
  });
}

async function job(id: string): Promise<Record<string, unknown>> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/job/${id}`, { headers: { 'x-api-key': key } });
  return (await r.json()) as Record<string, unknown>;
}

const jobIds: string[] = [];

beforeAll(async () => {
  storage = newStorage();
  port = await freePort();
  receiver = await startReceiver();
  await ensureSchema(storage);
});

afterAll(async () => {
  await receiver.close();
  if (servicesMode && process.env.REDIS_URL) {
    const r = new Redis(process.env.REDIS_URL);
    const keys = await r.keys(`${storage.redisPrefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  }
  await dropStorage(storage);
});

describe('crash recovery', () => {
  it('finishes every check and delivers every webhook after a SIGKILL mid-run', async () => {
    // First delivery of each job fails, so retries after the restart must reuse the webhook-id.
    const firstSeen = new Set<string>();
    receiver.respond = (hook) => {
      const id = String(hook.json.job_id);
      if (!firstSeen.has(id)) {
        firstSeen.add(id);
        return { status: 500, body: 'try later' };
      }
      return { status: 200, body: '{"status":"received"}' };
    };
    const server = await startServer();
    key = await createKey();
    const logins = ['1001', '1002', '1003', '1004', '1005', '2001'];
    for (const login of logins) {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/check`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(
          checkBody({ mt5_login: login, challenge_id: `crash-${login}`, callback_url: receiver.url }),
        ),
      });
      expect(r.status).toBe(200);
      jobIds.push(((await r.json()) as { job_id: string }).job_id);
    }
    // A check whose password is wrong: its (canary) password must vanish everywhere too.
    const bad = await fetch(`http://127.0.0.1:${port}/api/v1/check`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(
        checkBody({ mt5_password: CANARY_PASSWORD, challenge_id: 'crash-canary', callback_url: receiver.url }),
      ),
    });
    jobIds.push(((await bad.json()) as { job_id: string }).job_id);

    // Wait until something is running, then kill without any chance to clean up.
    const end = Date.now() + 10_000;
    while (!(await Promise.all(jobIds.map(job))).some((j) => j.status === 'running') && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20));
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    const unfinishedAtKill = jobIds.length; // at most WORKER_CONCURRENCY of them finished; most were waiting or running

    const restarted = await startServer();
    try {
      const deadline = Date.now() + 45_000;
      const delivered = () =>
        new Set(
          receiver.received
            .filter((h) => firstSeen.has(String(h.json.job_id)) && h.json.job_id)
            .map((h) => String(h.json.job_id)),
        );
      while (Date.now() < deadline) {
        const statuses = await Promise.all(jobIds.map(job));
        const okHooks = jobIds.filter((id) => receiver.received.filter((h) => h.json.job_id === id).length >= 2);
        if (
          statuses.every((s) => !['queued', 'running'].includes(String(s.status))) &&
          okHooks.length === jobIds.length
        )
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(delivered().size).toBe(unfinishedAtKill);
      for (const id of jobIds) {
        const j = await job(id);
        expect(['passed', 'failed', 'error']).toContain(j.status);
        const hooks = receiver.received.filter((h) => h.json.job_id === id);
        expect(hooks.length).toBeGreaterThanOrEqual(2);
        expect(new Set(hooks.map((h) => h.headers['webhook-id'])).size).toBe(1);
      }
      expect((await job(jobIds.at(-1)!)).status).toBe('error');
    } finally {
      restarted.kill('SIGTERM');
      await new Promise((r) => restarted.once('exit', r));
    }
    expect(logs).toContain('shutting down');
  }, 90_000);

  it('leaves no MT5 password in the logs, the database or Redis', async () => {
    expect(jobIds.length).toBeGreaterThan(0);
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toContain(CANARY_PASSWORD);
    expect(logs).not.toContain('"demo"');

    if (!servicesMode) {
      const files = readdirSync(storage.dataDir).filter((f) => f.startsWith('brymix.sqlite'));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const bytes = readFileSync(join(storage.dataDir, f));
        expect(bytes.includes(Buffer.from(CANARY_PASSWORD))).toBe(false);
        expect(bytes.includes(Buffer.from('"demo"'))).toBe(false);
      }
    } else {
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      try {
        await c.query(`set search_path to "${storage.pgSchema}"`);
        for (const table of [
          'check_jobs',
          'webhook_deliveries',
          'webhook_attempts',
          'queue_jobs',
          'idempotency_keys',
          'api_keys',
        ]) {
          const rows = await c.query(`select * from ${table}`);
          const dump = JSON.stringify(rows.rows);
          expect(dump).not.toContain(CANARY_PASSWORD);
          expect(dump).not.toContain('"demo"');
        }
      } finally {
        await c.end();
      }
      const r = new Redis(process.env.REDIS_URL!);
      try {
        const keys = await r.keys(`${storage.redisPrefix}:*`);
        expect(keys.length).toBeGreaterThan(0);
        for (const k of keys) {
          const type = await r.type(k);
          const value =
            type === 'hash'
              ? JSON.stringify(await r.hgetall(k))
              : type === 'string'
                ? await r.get(k)
                : type === 'list'
                  ? JSON.stringify(await r.lrange(k, 0, -1))
                  : type === 'zset'
                    ? JSON.stringify(await r.zrange(k, 0, -1))
                    : type === 'set'
                      ? JSON.stringify(await r.smembers(k))
                      : type === 'stream'
                        ? JSON.stringify(await r.xrange(k, '-', '+'))
                        : '';
          expect(value ?? '').not.toContain(CANARY_PASSWORD);
          expect(value ?? '').not.toContain('"demo"');
        }
      } finally {
        r.disconnect();
      }
    }
  });
});
