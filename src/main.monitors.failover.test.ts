/**
 * Several `brymix monitor-worker` processes on PostgreSQL + Redis share the monitors by lease; one
 * is killed with SIGKILL while they watch simulator accounts that trade: its monitors are watched
 * again by the others within 10 s, each monitor by exactly one process at a time, and every event
 * is recorded and delivered once (contiguous sequences, one webhook per event id). SQLite is one
 * process's database, so this runs with DATABASE_URL and REDIS_URL only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliChildEnv } from '../test/env.ts';
import { checkBody, type Receiver, startReceiver } from '../test/harness.ts';
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
} from '../test/storage.ts';

const BIN = resolve('bin/brymix');
let storage: StackStorage;
let receiver: Receiver;
let port: number;
let logs = '';
const children: ChildProcess[] = [];
let db: pg.Client;

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
    MONITOR_CLAIM_BATCH: '4',
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

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms:\n${logs.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const owners = async (): Promise<Map<string, string | null>> =>
  new Map(
    (
      await db.query<{ id: string; lease_owner: string | null }>(
        "select id, lease_owner from monitors where status in ('active','stale')",
      )
    ).rows.map((r) => [r.id, r.lease_owner]),
  );

beforeAll(async () => {
  if (!servicesMode) return;
  storage = newStorage();
  port = await freePort();
  receiver = await startReceiver();
  await ensureSchema(storage);
  db = new pg.Client({ connectionString: schemaDatabaseUrl(storage) });
  await db.connect();
});
afterAll(async () => {
  if (!servicesMode) return;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on('exit', r)) : null)),
  );
  await db.end();
  await receiver.close();
  await dropStorage(storage);
});

describe.skipIf(!servicesMode)('monitor-worker processes', { timeout: 180_000 }, () => {
  it('share the monitors; a SIGKILLed one’s monitors resume elsewhere within 10 s, no event lost or sent twice', async () => {
    start(['serve'], { RUN_MONITORS: 'false' });
    await until(
      'serve',
      () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ),
      30_000,
    );
    const workers = [start(['monitor-worker']), start(['monitor-worker']), start(['monitor-worker'])];
    const keyOut = await new Promise<string>((res) => {
      const c = start(['keys', 'create', 'Failover Firm']);
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.on('exit', () => res(out));
    });
    const key = keyOut.trim().split('\n').at(-1)!;
    // 2001 breaches within a minute of its start; the others are random traders (alerts, breaches or nothing).
    const logins = ['2001', '2002', ...Array.from({ length: 22 }, (_, i) => String(3100 + i))];
    for (const login of logins) {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/monitors`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify(
          checkBody({
            mt5_login: login,
            rules: { max_drawdown_percent: 10, max_daily_loss_percent: 5, min_trade_duration_seconds: null },
            callback_url: receiver.url,
            alerts: [20, 50, 80, 95],
          }),
        ),
      });
      expect(r.status).toBe(201);
    }
    // Every monitor held, by more than one process.
    const before = await until(
      'every monitor leased, to several processes',
      async () => {
        const o = await owners();
        const held = [...o.values()].filter((v) => v !== null);
        return held.length === o.size && new Set(held).size >= 2 ? o : null;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 5_000));

    // Kill the process holding the most monitors.
    const counts = new Map<string, number>();
    for (const v of before.values()) counts.set(v!, (counts.get(v!) ?? 0) + 1);
    const [victimOwner] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const victimPid = Number(victimOwner.split(':').at(-2));
    const victim = workers.find((w) => w.pid === victimPid)!;
    expect(victim, `owner ${victimOwner} is one of the workers`).toBeDefined();
    const orphaned = [...before.entries()].filter(([, o]) => o === victimOwner).map(([id]) => id);
    const killedAt = Date.now();
    victim.kill('SIGKILL');

    await until(
      'the killed process’s monitors held by another',
      async () => {
        const o = await owners();
        return orphaned.every((id) => !o.has(id) || (o.get(id) !== null && o.get(id) !== victimOwner));
      },
      15_000,
    );
    const resumedMs = Date.now() - killedAt;
    expect(resumedMs).toBeLessThan(10_000);
    // Watched again: fresh observations after the kill.
    await until(
      'fresh observations of the orphaned monitors',
      async () => {
        const r = await db.query<{ n: string }>(
          "select count(*) as n from monitors where id = any($1) and (status not in ('active','stale') or last_observation_at > $2)",
          [orphaned, killedAt],
        );
        return Number(r.rows[0]!.n) === orphaned.length;
      },
      20_000,
    );
    // 2001's breach comes within a minute of its start, whoever watches it then.
    await until(
      '2001 breached',
      async () => (await db.query("select 1 from monitors where mt5_login = '2001' and status = 'breached'")).rowCount,
      70_000,
    );

    // The others stop (as on a deploy): no event is raised after the tally.
    for (const w of workers.filter((w) => w !== victim)) w.kill('SIGTERM');
    await Promise.all(
      workers
        .filter((w) => w !== victim)
        .map((w) => (w.exitCode === null ? new Promise((r) => w.on('exit', r)) : null)),
    );
    const events = (
      await db.query<{ id: string; monitor_id: string; sequence: number }>(
        'select id, monitor_id, sequence from monitor_events order by monitor_id, sequence',
      )
    ).rows;
    const byMonitor = new Map<string, number[]>();
    for (const e of events) byMonitor.set(e.monitor_id, [...(byMonitor.get(e.monitor_id) ?? []), e.sequence]);
    for (const [, seqs] of byMonitor) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    await receiver.waitFor(events.length, 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const hookIds = receiver.received.map((h) => String(h.headers['webhook-id']));
    expect(hookIds.sort()).toEqual(events.map((e) => e.id).sort());
    console.log(
      `monitor-worker failover: ${orphaned.length} of ${logins.length} monitors resumed ${resumedMs} ms after SIGKILL; ${events.length} events, each delivered once`,
    );
  });
});
