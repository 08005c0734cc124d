import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveConnector, liveRouter } from '../../../test/factories/live-connector.ts';
import { openSse } from '../../../test/factories/sse.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';

const upstream = createLiveConnector();
let stack: TestStack;
let key: { id: string; key: string };
let acc: string;

beforeAll(async () => {
  stack = await startStack({
    listen: true,
    workers: false,
    connectors: liveRouter(upstream),
    env: { ACCOUNT_POLL_INTERVAL_MS: '250', SSE_HEARTBEAT_MS: '1000' },
  });
  key = await stack.createKey('Streaming Firm');
  acc = (await stack.deps.accounts.add({ login: '1004', server: 'Brymix-Demo', password: 'demo', key_id: key.id })).id;
  await stack.deps.accounts.setLimits(key.id, { account_burst: 1000, per_minute: 10_000 });
});
afterAll(() => stack.close());

const stream = (headers: Record<string, string> = {}) =>
  openSse(`${stack.url}/api/account/${acc}/stream`, { 'x-api-key': key.key, ...headers });

describe('account stream (SSE)', () => {
  it('sends a full snapshot with an event id on connect, then updates with what changed', async () => {
    const s = await stream();
    try {
      expect(s.status).toBe(200);
      expect(s.headers.get('content-type')).toContain('text/event-stream');
      const snap = await s.waitFor((e) => e.event === 'snapshot');
      expect(Number(snap.id)).toBe(snap.data.seq);
      expect(snap.data).toMatchObject({ account_id: acc, stale: false });
      expect(snap.data.info).toHaveProperty('equity');
      expect(Array.isArray(snap.data.positions)).toBe(true);
      expect(snap.data.summary).toHaveProperty('statistics');
      const upd = await s.waitFor((e) => e.event === 'update' && e.data.info !== undefined);
      expect(Number(upd.id)).toBeGreaterThan(Number(snap.id));
      expect(upd.data.info.equity).not.toBe(snap.data.info.equity);
      expect(upd.data.positions[0].profit).not.toBe(snap.data.positions[0].profit);
    } finally {
      s.close();
    }
  });

  it('resumes from Last-Event-ID without repeating the snapshot, and sends one to a client that is behind', async () => {
    const first = await stream();
    const snap = await first.waitFor((e) => e.event === 'snapshot');
    first.close();
    const current = (await stack.deps.accountFeed.peek(acc))!.seq;
    const resumed = await stream({ 'last-event-id': String(current) });
    const behind = await stream({ 'last-event-id': String(Number(snap.id) - 1) });
    try {
      const next = await resumed.waitFor((e) => e.event === 'update');
      expect(resumed.events[0]!.event).toBe('update');
      expect(Number(next.id)).toBeGreaterThan(current);
      expect((await behind.waitFor(() => true)).event).toBe('snapshot');
    } finally {
      resumed.close();
      behind.close();
    }
  });

  it('fans 40 streams out from one poll per interval, and reports stale while upstream fails', async () => {
    const streams = await Promise.all(Array.from({ length: 40 }, () => stream()));
    try {
      await Promise.all(streams.map((s) => s.waitFor((e) => e.event === 'snapshot')));
      // 40 streams, one poll per 250 ms interval: however slow the machine, never more reads than
      // intervals elapsed (+1 for the one in flight), and the polling goes on.
      const before = upstream.reads.info;
      const t0 = Date.now();
      await expect
        .poll(() => upstream.reads.info - before, { timeout: 10_000, interval: 50 })
        .toBeGreaterThanOrEqual(3);
      await new Promise((r) => setTimeout(r, 500));
      const polls = upstream.reads.info - before;
      expect(polls).toBeLessThanOrEqual(Math.floor((Date.now() - t0) / 250) + 1);
      upstream.failing = true;
      const stale = await streams[0]!.waitFor((e) => e.event === 'update' && e.data.stale === true);
      expect(stale.data.error).toEqual({ code: 'unreachable', message: 'MT5 server did not respond' });
      upstream.failing = false;
      await streams[0]!.waitFor(
        (e, all) => e.event === 'update' && e.data.stale === false && all.indexOf(e) > all.indexOf(stale),
      );
      expect(streams[5]!.comments).toBeGreaterThanOrEqual(0);
    } finally {
      upstream.failing = false;
      for (const s of streams) s.close();
    }
  });

  it('refuses a stream to a foreign key with 404 and without a key with 401', async () => {
    const other = await stack.createKey('Other Firm');
    expect((await openSse(`${stack.url}/api/account/${acc}/stream`, { 'x-api-key': other.key })).status).toBe(404);
    expect((await openSse(`${stack.url}/api/account/${acc}/stream`)).status).toBe(401);
  });
});
