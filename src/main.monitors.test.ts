/**
 * Live monitors as deployed: `brymix serve` watches them itself (embedded); on PostgreSQL + Redis,
 * `serve` with RUN_MONITORS=false and a separate `brymix monitor-worker`. Real processes on the
 * built-in simulator: a monitor of demo account 1001 (its challenge already met) sends
 * monitor.objectives_met, signed like a check result, and the API reads it back as passed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliChildEnv } from '../test/env.ts';
import { checkBody, type Receiver, startReceiver } from '../test/harness.ts';
import {
  dropStorage,
  ensureSchema,
  freePort,
  newStorage,
  type StackStorage,
  servicesMode,
  TEST_CREDENTIALS_KEY,
  TEST_WEBHOOK_SECRET,
} from '../test/storage.ts';

const BIN = resolve('bin/brymix');
let storage: StackStorage;
let receiver: Receiver;
let port: number;
let logs = '';
const children: ChildProcess[] = [];

const env = (extra: Record<string, string> = {}) =>
  cliChildEnv(storage, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: storage.dataDir,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
    CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
    QUEUE_POLL_MS: '50',
    ...extra,
  });

function start(args: string[], extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: env(extra),
    cwd: storage.dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  children.push(child);
  return child;
}

async function run(args: string[]): Promise<string> {
  const child = start(args);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`brymix ${args.join(' ')} exited ${code}:\n${logs.slice(-2000)}`);
  return out;
}

beforeAll(async () => {
  storage = newStorage();
  port = await freePort();
  receiver = await startReceiver();
  await ensureSchema(storage);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null)));
  await receiver.close();
  await dropStorage(storage);
});

describe('live monitors in a deployment', { timeout: 90_000 }, () => {
  it(`${servicesMode ? 'monitor-worker beside serve' : 'serve'} watches a monitor and sends its events`, async () => {
    const key = (await run(['keys', 'create', 'Live Firm'])).trim().split('\n').at(-1)!;
    if (servicesMode) {
      start(['serve'], { RUN_MONITORS: 'false' });
      start(['monitor-worker']);
    } else start(['serve'], { MONITOR_THREADS: '2', METRICS_ALLOW_CIDRS: '127.0.0.0/8' });
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error(`serve did not start:\n${logs.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const created = await fetch(`http://127.0.0.1:${port}/api/v1/monitors`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(
        checkBody({ mt5_login: '1001', rules: { preset: 'ftmo-2step' }, callback_url: receiver.url }),
      ),
    });
    expect(created.status).toBe(201);
    const { monitor_id: id } = (await created.json()) as { monitor_id: string };

    const [hook] = await receiver.waitFor(1, 30_000);
    expect(hook!.json).toMatchObject({
      event: 'monitor.objectives_met',
      monitor_id: id,
      sequence: 1,
      status: 'passed',
    });
    expect(hook!.headers['x-signature']).toBe(
      createHmac('sha256', TEST_WEBHOOK_SECRET).update(hook!.raw).digest('hex'),
    );
    const view = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/monitors/${id}`, { headers: { 'x-api-key': key } })
    ).json()) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'passed', sequence: 1, connection: { state: 'connected' } });
    expect(logs).not.toContain('"password"');
  });

  it.skipIf(servicesMode)(
    'serve watches on worker threads: live figures, a stop, and their counts in /metrics',
    async () => {
      // The serve of the test above: two monitor threads share the monitors by leases.
      expect(logs.match(/monitor thread watching/g)).toHaveLength(2);
      expect(logs).toMatch(/"monitors":"2 threads"/);
      const key = (await run(['keys', 'create', 'Thread Firm'])).trim().split('\n').at(-1)!;
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { 'x-api-key': key, ...init.headers } });
      const created = await api('/api/v1/monitors', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A seeded random trader of the simulator's live mode: it keeps trading while watched.
        body: JSON.stringify(
          checkBody({
            mt5_login: '300001',
            rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5, min_trade_duration_seconds: null },
            callback_url: receiver.url,
          }),
        ),
      });
      expect(created.status).toBe(201);
      const { monitor_id: id } = (await created.json()) as { monitor_id: string };
      // Figures are saved every 15 s; a GET 4 s on shows the thread's last reading, about a second old.
      await new Promise((r) => setTimeout(r, 4_000));
      const view = (await (await api(`/api/v1/monitors/${id}`)).json()) as {
        data_age_ms: number;
        metrics: { current_equity: unknown };
        limits: Array<{ rule: string }>;
      };
      expect(view).toMatchObject({ status: 'active', connection: { state: 'connected' } });
      expect(view.data_age_ms).toBeLessThan(2_500);
      expect(typeof view.metrics.current_equity).toBe('number');
      expect(view.limits.map((l) => l.rule)).toEqual(['maximum_drawdown', 'maximum_daily_loss']);

      const stopped = await api(`/api/v1/monitors/${id}`, { method: 'DELETE' });
      expect(((await stopped.json()) as { status: string }).status).toBe('stopped');
      const hooks = await receiver.waitFor(2, 15_000);
      expect(hooks[1]!.json).toMatchObject({ event: 'monitor.stopped', monitor_id: id });

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const ok = Number(/brymix_monitor_readings_total\{result="ok"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      expect(ok).toBeGreaterThanOrEqual(3);
      expect(metrics).toMatch(/brymix_monitor_events_total\{event="monitor.objectives_met"\} 1/);
    },
  );
});
