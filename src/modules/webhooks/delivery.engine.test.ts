/**
 * The delivery engine's behaviour, seen through result webhooks against a local receiver, walking
 * the three-day retry schedule with a fake clock (the local queue reads due times from the clock).
 * The platform → CRM channel's own tests are in platform/outbox.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  checkBody,
  type Receiver,
  startReceiver,
  startStack,
  type TestStack,
  waitForJob,
} from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { RETRY_DELAYS_MS } from './schedule.ts';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function setup(respond: Receiver['respond'], env: Record<string, string> = {}) {
  const clock = new FakeClock(Date.parse('2026-02-02T10:00:00Z'));
  // The local queue takes its due times from the fake clock, so the schedule can be walked quickly.
  const stack: TestStack = await startStack({
    clock,
    random: () => 0.5,
    env: { REDIS_URL: '', WEBHOOK_TIMEOUT_MS: '400', ...env },
  });
  const receiver = await startReceiver();
  receiver.respond = respond;
  open.push(stack, receiver);
  const { key } = await stack.createKey();
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key },
    payload: checkBody({ mt5_login: '1005', callback_url: receiver.url }),
  });
  const jobId = res.json().job_id as string;
  await waitForJob(stack.app, key, jobId);
  return { stack, receiver, clock, key, jobId };
}

async function deliveries(stack: TestStack, key: string, jobId: string) {
  const r = await stack.app.inject({
    method: 'GET',
    url: `/api/v1/job/${jobId}/deliveries`,
    headers: { 'x-api-key': key },
  });
  return r.json().deliveries[0];
}

async function settle(stack: TestStack, key: string, jobId: string, attempts: number) {
  const end = Date.now() + 10_000;
  for (;;) {
    const d = await deliveries(stack, key, jobId);
    if (d && d.attempts >= attempts && d.status !== 'delivering') return d;
    if (Date.now() > end) throw new Error(`delivery did not reach ${attempts} attempts: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhook retries', () => {
  it('retries failures on the schedule 5 s, 5 min, 30 min with the same webhook-id and a new timestamp', async () => {
    const { stack, receiver, clock, key, jobId } = await setup((_r, i) => ({ status: i < 3 ? 500 : 200 }));
    let d = await settle(stack, key, jobId, 1);
    for (let attempt = 2; attempt <= 4; attempt++) {
      const delay = RETRY_DELAYS_MS[attempt - 2]!;
      expect(Date.parse(d.next_attempt_at) - clock.now()).toBe(delay); // random 0.5 → no jitter offset
      clock.advance(delay - 1000);
      await new Promise((r) => setTimeout(r, 150));
      expect(receiver.received).toHaveLength(attempt - 1); // not before its time
      clock.advance(1000);
      d = await settle(stack, key, jobId, attempt);
    }
    expect(d).toMatchObject({ status: 'succeeded', attempts: 4, last_status_code: 200 });
    expect(d.attempt_log.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 500, 200]);
    const ids = new Set(receiver.received.map((h) => h.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const stamps = receiver.received.map((h) => Number(h.headers['webhook-timestamp']));
    expect(new Set(stamps).size).toBe(4);
    expect(new Set(receiver.received.map((h) => h.raw)).size).toBe(1);
  });

  it('gives up after 10 attempts spread over about three days', async () => {
    const { stack, receiver, clock, key, jobId } = await setup(() => ({ status: 503 }));
    const start = clock.now();
    let d = await settle(stack, key, jobId, 1);
    for (let attempt = 2; attempt <= 10; attempt++) {
      clock.set(Date.parse(d.next_attempt_at));
      d = await settle(stack, key, jobId, attempt);
    }
    expect(d.status).toBe('failed');
    expect(receiver.received).toHaveLength(10);
    const hours = (clock.now() - start) / 3_600_000;
    expect(hours).toBeGreaterThan(70);
    expect(hours).toBeLessThan(80);
    clock.advance(86_400_000 * 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.received).toHaveLength(10);
  });

  it('stops at once when the receiver answers 410 Gone', async () => {
    const { stack, key, jobId } = await setup(() => ({ status: 410 }));
    const d = await settle(stack, key, jobId, 1);
    expect(d).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 410, next_attempt_at: null });
  });

  it('counts a redirect as a failure and does not follow it', async () => {
    const target = await startReceiver('/elsewhere');
    open.push(target);
    const { stack, key, jobId } = await setup(() => ({ status: 302, headers: { location: target.url } }));
    const d = await settle(stack, key, jobId, 1);
    expect(d).toMatchObject({ status: 'pending', last_status_code: 302 });
    expect(target.received).toHaveLength(0);
  });

  it('aborts an attempt that hangs past the timeout and schedules a retry', async () => {
    const { stack, key, jobId } = await setup(() => new Promise(() => undefined));
    const d = await settle(stack, key, jobId, 1);
    expect(d.status).toBe('pending');
    expect(d.attempt_log[0].error).toMatch(/timed out/);
    expect(d.attempt_log[0].duration_ms).toBeLessThan(3000);
  });

  it('honours a longer Retry-After from a throttling receiver', async () => {
    const { stack, clock, key, jobId } = await setup(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const d = await settle(stack, key, jobId, 1);
    expect(Date.parse(d.next_attempt_at) - clock.now()).toBe(3_600_000);
  });

  it('stores at most 4 KiB of a huge response body', async () => {
    const { stack, key, jobId } = await setup(() => ({ status: 500, body: 'x'.repeat(5_000_000) }));
    const d = await settle(stack, key, jobId, 1);
    expect(d.attempt_log[0].response_body.length).toBe(4096);
  });
});
