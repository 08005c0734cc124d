/**
 * Platform events on their way to the CRM (CRM_BASE_URL/api/webhooks/site), against a local
 * receiver standing in for the CRM, walking the retry schedule with a fake clock (the local queue
 * reads due times from the clock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver, startStack, type TestStack } from '../../../test/harness.ts';
import { FakeClock } from '../../infra/clock.ts';
import { verifySiteSignature } from '../crm/site-webhook.ts';

const SITE_PATH = '/api/webhooks/site';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function setup(respond: Receiver['respond']) {
  const clock = new FakeClock(Date.parse('2026-02-02T10:00:00Z'));
  const crm = await startReceiver(SITE_PATH);
  crm.respond = respond;
  const env = { REDIS_URL: '', WEBHOOK_TIMEOUT_MS: '400', CRM_BASE_URL: crm.url.slice(0, -SITE_PATH.length) };
  const stack: TestStack = await startStack({ clock, env });
  open.push(stack, crm);
  const outbox = stack.deps.outbox;
  const data = { clientId: 'trd_1', email: 'tia@example.com', kycStatus: 'pending', kycNotes: 'Documents submitted' };
  const id = await stack.deps.dbHandle.db
    .transaction()
    .execute((tx) => outbox.add(tx, 'kyc.updated', data, clock.now()));
  await outbox.dispatch([id]);
  return { stack, crm, clock, outbox, id };
}

type Outbox = Awaited<ReturnType<typeof setup>>['outbox'];

async function settle(outbox: Outbox, id: string, attempts: number) {
  const end = Date.now() + 10_000;
  for (;;) {
    const found = await outbox.find(id);
    if (found && found.delivery.attempts >= attempts && found.delivery.status !== 'delivering') return found;
    if (Date.now() > end) throw new Error(`event did not reach ${attempts} attempts: ${JSON.stringify(found)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('platform event delivery', () => {
  it('signs each event as the CRM’s site webhook verifies it, with the event id as webhook-id', async () => {
    const { stack, crm, outbox, id } = await setup(() => ({ status: 200 }));
    await settle(outbox, id, 1);
    const [hook] = crm.received;
    expect(hook!.json).toMatchObject({ event: 'kyc.updated', data: { clientId: 'trd_1', kycStatus: 'pending' } });
    expect(hook!.headers).toMatchObject({ 'user-agent': 'Brymix-Platform/1.0', 'webhook-id': id });
    const nowSeconds = Number(hook!.headers['webhook-timestamp']);
    const secret = stack.config.SITE_WEBHOOK_SECRET;
    const check = verifySiteSignature(secret, Buffer.from(hook!.raw), hook!.headers, nowSeconds);
    expect(check).toEqual({ ok: true, webhookId: id });
  });

  it('logs every attempt (status, duration, error, response excerpt), retrying with the same webhook-id', async () => {
    const answers = [
      { status: 500, body: 'down for deploy' },
      { status: 503, body: '', headers: { 'retry-after': '7' } },
      { status: 200, body: '{"received":true}' },
    ];
    const { crm, clock, outbox, id } = await setup((_hook, i) => answers[i]!);
    let found = await settle(outbox, id, 1);
    for (let attempt = 2; attempt <= 3; attempt++) {
      clock.set(found.delivery.next_attempt_at!);
      found = await settle(outbox, id, attempt);
    }
    expect(found.delivery).toMatchObject({ status: 'succeeded', attempts: 3, last_status_code: 200, last_error: null });
    expect(found.attempts.map((a) => [a.attempt, a.status_code, a.error, a.response_body])).toEqual([
      [1, 500, 'HTTP 500', 'down for deploy'],
      [2, 503, 'HTTP 503', ''],
      [3, 200, null, '{"received":true}'],
    ]);
    for (const a of found.attempts) expect(a.duration_ms).toBeGreaterThanOrEqual(0);
    expect(found.attempts.map((a) => a.next_retry_at === null)).toEqual([false, false, true]);
    expect(new Set(crm.received.map((h) => h.headers['webhook-id']))).toEqual(new Set([id]));
  });

  it('stops at once when the CRM answers 410 Gone', async () => {
    const { crm, clock, outbox, id } = await setup(() => ({ status: 410 }));
    const found = await settle(outbox, id, 1);
    expect(found.delivery).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 410 });
    expect(found.delivery.next_attempt_at).toBeNull();
    expect(found.attempts.map((a) => a.status_code)).toEqual([410]);
    clock.advance(86_400_000);
    await outbox.sweep();
    await new Promise((r) => setTimeout(r, 300));
    expect(crm.received).toHaveLength(1);
  });

  it('is sent by the sweep when its queue job was lost between commit and enqueue', async () => {
    const { stack, crm, clock, outbox } = await setup(() => ({ status: 200 }));
    await crm.waitFor(1);
    const lost = await stack.deps.dbHandle.db
      .transaction()
      .execute((tx) => outbox.add(tx, 'kyc.updated', { clientId: 'trd_2', kycStatus: 'pending' }, clock.now()));
    expect(await outbox.sweep()).toBe(0);
    clock.advance(61_000);
    expect(await outbox.sweep()).toBe(1);
    expect((await settle(outbox, lost, 1)).delivery.status).toBe('succeeded');
    expect(crm.received.map((h) => h.headers['webhook-id'])).toContain(lost);
  });
});
