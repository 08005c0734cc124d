/**
 * Shared test harness: builds the real app on a throw-away SQLite file, or — when DATABASE_URL
 * and REDIS_URL are set (npm run test:services) — on its own PostgreSQL schema and Redis prefix.
 * Only the outside world is faked (MT5 servers, webhook receivers, the clock).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import { dropStorage, newStorage, type StackStorage, servicesMode, testConfig } from './storage.ts';

export * from './storage.ts';

import { createDeps, type Deps, type DepsOverrides } from '../src/deps.ts';
import { createLogger } from '../src/infra/logger.ts';
import { BullQueue } from '../src/infra/queue/bullmq.ts';
import { type RunningWorkers, startWorkers } from '../src/worker.ts';

export interface TestStack {
  deps: Deps;
  app: FastifyInstance;
  config: Config;
  /** Base URL when started with `listen: true`. */
  url: string;
  workers: RunningWorkers | null;
  /** Creates an API key and returns it with its tenant id. */
  createKey(name?: string): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

export interface StackOptions extends DepsOverrides {
  env?: Record<string, string>;
  workers?: boolean;
  listen?: boolean;
  /** Reuse the storage of an earlier stack (restart tests). */
  storage?: StackStorage;
}

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const storage = options.storage ?? newStorage();
  const ownsStorage = !options.storage;
  const config = testConfig({ DATA_DIR: storage.dataDir, REDIS_PREFIX: storage.redisPrefix, ...options.env });
  const deps = await createDeps(config, {
    logger: options.logger ?? createLogger(config.LOG_LEVEL),
    ...(servicesMode ? { pgSchema: storage.pgSchema } : {}),
    ...options,
  });
  const app = await createApp(deps);
  let url = '';
  if (options.listen) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  } else {
    await app.ready();
  }
  const workers = options.workers === false ? null : await startWorkers(deps);
  return {
    deps,
    app,
    config,
    url,
    workers,
    createKey: async (name = 'Test Firm') => {
      const k = await deps.keys.create(name);
      return { id: k.id, key: k.key };
    },
    async close() {
      await app.close();
      await workers?.stop(2000);
      if (ownsStorage && deps.queue instanceof BullQueue) await deps.queue.obliterate().catch(() => undefined);
      await deps.close();
      if (ownsStorage) await dropStorage(storage);
    },
  };
}

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  /** The exact bytes received, as text. */
  raw: string;
  json: Record<string, unknown>;
  at: number;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the status code of each request (default 200). */
  respond: (
    req: ReceivedWebhook,
    index: number,
  ) =>
    | { status: number; headers?: Record<string, string>; body?: string }
    | Promise<{ status: number; headers?: Record<string, string>; body?: string }>;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A customer's webhook endpoint on loopback. */
export async function startReceiver(path = '/api/webhook/challenge-result'): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond: () => ({ status: 200, body: '{"status":"received"}' }),
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${received.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return received.slice(0, count);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // kept raw
      }
      const hook: ReceivedWebhook = { headers: req.headers, raw, json, at: Date.now() };
      const index = received.length;
      received.push(hook);
      if (req.url !== path) {
        res.writeHead(404).end('Cannot POST');
      } else {
        const r = await receiver.respond(hook, index);
        res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) }).end(r.body ?? '');
      }
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

/**
 * Polls `fn` until `ok` holds. Work applied by a queue job is not there yet on the first reads (a 404
 * problem, an empty list), so a predicate that throws on such a body counts as "not yet", not as a failure.
 */
// biome-ignore lint/suspicious/noExplicitAny: callers type the predicate as the body they expect (see the doc above)
export async function eventually<T>(fn: () => Promise<T>, ok: (v: any) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    let met: boolean;
    try {
      met = ok(v);
    } catch {
      met = false;
    }
    if (met) return v;
    if (Date.now() > deadline) throw new Error(`condition not met: ${JSON.stringify(v).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls a job until it leaves queued/running. */
export async function waitForJob(
  app: FastifyInstance,
  key: string,
  jobId: string,
  timeoutMs = 15_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/job/${jobId}`, headers: { 'x-api-key': key } });
    const body = res.json() as Record<string, unknown>;
    if (body.status !== 'queued' && body.status !== 'running') return body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${String(body.status)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

export function checkBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user_id: 'user_123',
    challenge_id: 'challenge_456',
    mt5_login: '1001',
    mt5_password: 'demo',
    mt5_server: 'Brymix-Demo',
    initial_balance: 100000.0,
    rules: { max_drawdown_percent: 10.0, profit_target_percent: 10.0 },
    ...overrides,
  };
}
