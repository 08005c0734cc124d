/**
 * Redis going away (restart, failover) while the account API and the widgets are read: reads
 * answer 503 with Retry-After instead of 500, no ioredis client prints "Unhandled error event",
 * and everything answers 200 again when Redis is back. Services mode only, through a TCP proxy in
 * front of the shared Redis so the rest of the suite is undisturbed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../src/infra/clock.ts';
import { createLiveConnector, liveRouter } from './factories/live-connector.ts';
import { startTcpProxy, type TcpProxy } from './factories/tcp-proxy.ts';
import { servicesMode, startStack, type TestStack } from './harness.ts';

const clock = new FakeClock(Date.parse('2026-03-02T10:00:00Z'));
let proxy: TcpProxy;
let stack: TestStack;
let key: string;
let accountId: string;
let widgetToken: string;

describe.skipIf(!servicesMode)('Redis going away under reads', () => {
  beforeAll(async () => {
    const u = new URL(process.env.REDIS_URL!);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 6379) });
    stack = await startStack({
      clock,
      connectors: liveRouter(createLiveConnector()),
      workers: false,
      env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
    });
    const k = await stack.createKey('Redis Outage Firm');
    key = k.key;
    accountId = (
      await stack.deps.accounts.add({ login: '1001', server: 'Brymix-Demo', password: 'demo', key_id: k.id })
    ).id;
    widgetToken = (await stack.deps.widgets.create({ account_id: accountId, kind: 'card' })).token;
  });
  afterAll(async () => {
    await proxy.start().catch(() => undefined);
    await stack?.close();
    await proxy?.close();
  });

  const info = () => stack.app.inject({ url: `/api/account/${accountId}/info`, headers: { 'x-api-key': key } });
  const widget = () => stack.app.inject({ url: `/api/widgets/data?token=${widgetToken}` });

  it('answers 503 with Retry-After while Redis is away, prints no unhandled error, and recovers', async () => {
    expect((await info()).statusCode).toBe(200);
    expect((await widget()).statusCode).toBe(200);

    const printed: string[] = [];
    const spy = vi
      .spyOn(console, 'error')
      .mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')));
    try {
      await proxy.stop();
      clock.advance(10_000);
      for (const read of [info, widget]) {
        const r = await read();
        expect(r.statusCode).toBe(503);
        expect(r.headers['retry-after']).toMatch(/^\d+$/);
        expect(r.json()).toMatchObject({ status: 503, code: 'unavailable' });
      }
      await new Promise((r) => setTimeout(r, 1500)); // several reconnect attempts
      expect(printed.filter((l) => l.includes('Unhandled error event'))).toEqual([]);
    } finally {
      spy.mockRestore();
    }

    await proxy.start();
    const end = Date.now() + 20_000;
    let last = 0;
    while (Date.now() < end) {
      clock.advance(10_000);
      last = (await info()).statusCode;
      if (last === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(last).toBe(200);
    expect((await widget()).statusCode).toBe(200);
    expect(printed.filter((l) => l.includes('Unhandled error event'))).toEqual([]);
  }, 60_000);
});
