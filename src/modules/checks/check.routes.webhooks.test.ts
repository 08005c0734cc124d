/** Verdicts of POST /api/v1/check delivered by signed webhook, the delivery log and redelivery. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkBody,
  type Receiver,
  startReceiver,
  startStack,
  TEST_WEBHOOK_SECRET,
  type TestStack,
  waitForJob,
} from '../../../test/harness.ts';
import { verifyStandardSignature } from '../webhooks/signing.ts';

let stack: TestStack;
let key: string;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack({ listen: true });
  key = (await stack.createKey('Firm A')).key;
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
  await stack.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

/** The guide's Express receiver's verifySignature(), unchanged apart from the secret. */
function guideVerifySignature(payload: string, signature: string): boolean {
  const expected = createHmac('sha256', TEST_WEBHOOK_SECRET).update(payload).digest('hex');
  return timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

describe('verdicts of the demo accounts, delivered by signed webhook', () => {
  const cases = [
    { login: '1001', status: 'passed', outcome: 'passed', rules: [] as string[] },
    { login: '1002', status: 'failed', outcome: 'breached', rules: ['maximum_drawdown'] },
    { login: '1003', status: 'failed', outcome: 'breached', rules: ['maximum_daily_loss'] },
    { login: '1004', status: 'failed', outcome: 'breached', rules: ['minimum_trade_duration'] },
    { login: '1005', status: 'failed', outcome: 'objectives_not_met', rules: [] as string[] },
  ];

  it.each(cases)(
    'login $login → $status ($outcome) with violations $rules',
    async ({ login, status, outcome, rules }) => {
      const before = receiver.received.length;
      const res = await post(
        checkBody({ mt5_login: login, challenge_id: `demo-${login}`, callback_url: receiver.url }),
      );
      expect(res.statusCode).toBe(200);
      const jobId = res.json().job_id;
      const deadline = Date.now() + 15_000;
      let hook = receiver.received.find((h) => h.json.job_id === jobId);
      while (!hook && Date.now() < deadline) {
        await receiver.waitFor(receiver.received.length + 1, 15_000).catch(() => undefined);
        hook = receiver.received.find((h) => h.json.job_id === jobId);
      }
      expect(receiver.received.length).toBeGreaterThan(before);
      expect(hook).toBeDefined();
      expect(guideVerifySignature(hook!.raw, String(hook!.headers['x-signature']))).toBe(true);
      expect(
        verifyStandardSignature(
          TEST_WEBHOOK_SECRET,
          {
            id: String(hook!.headers['webhook-id']),
            timestamp: String(hook!.headers['webhook-timestamp']),
            signature: String(hook!.headers['webhook-signature']),
          },
          hook!.raw,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
      expect(hook!.json).toMatchObject({ job_id: jobId, challenge_id: `demo-${login}`, status, outcome });
      const violations = hook!.json.violations as Array<{ rule: string }>;
      expect([...new Set(violations.map((v) => v.rule))].sort()).toEqual([...rules].sort());
      if (login === '1004') {
        expect(violations).toHaveLength(3);
        expect((hook!.json.metrics as { trades_under_4min: number }).trades_under_4min).toBe(3);
      }
      const polled = await waitForJob(stack.app, key, jobId);
      expect(polled.status).toBe(status);
      expect(JSON.stringify(hook!.json)).not.toContain('"mt5_password"');
    },
  );

  it('ends with status error and an error object for a wrong password, in the job and the webhook', async () => {
    const res = await post(
      checkBody({ mt5_password: 'wrong-password-xyz', callback_url: receiver.url, challenge_id: 'bad-pw' }),
    );
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ status: 'error', error: { code: 'invalid_credentials' } });
    const deadline = Date.now() + 10_000;
    while (!receiver.received.some((h) => h.json.job_id === job.job_id) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 30));
    const hook = receiver.received.find((h) => h.json.job_id === job.job_id)!;
    expect(hook.json).toMatchObject({ status: 'error', error: { code: 'invalid_credentials' } });
    expect(hook.raw).not.toContain('wrong-password-xyz');
  });

  it('ends with status error unknown_server for a server no connector serves', async () => {
    const res = await post(checkBody({ mt5_server: 'Nowhere-Live' }));
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ status: 'error', error: { code: 'unknown_server' } });
  });
});

describe('webhook delivery log and redelivery', () => {
  it('logs each attempt and redelivers with the same webhook-id', async () => {
    const res = await post(checkBody({ mt5_login: '1005', callback_url: receiver.url, challenge_id: 'redeliver' }));
    const jobId = res.json().job_id;
    await waitForJob(stack.app, key, jobId);
    const deadline = Date.now() + 10_000;
    let log = await stack.app.inject({
      method: 'GET',
      url: `/api/v1/job/${jobId}/deliveries`,
      headers: { 'x-api-key': key },
    });
    while (log.json().deliveries[0]?.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 30));
      log = await stack.app.inject({
        method: 'GET',
        url: `/api/v1/job/${jobId}/deliveries`,
        headers: { 'x-api-key': key },
      });
    }
    const d = log.json().deliveries[0];
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200 });
    expect(d.attempt_log).toHaveLength(1);
    const first = receiver.received.filter((h) => h.json.job_id === jobId);
    const again = await stack.app.inject({
      method: 'POST',
      url: `/api/v1/job/${jobId}/redeliver`,
      headers: { 'x-api-key': key },
    });
    expect(again.statusCode).toBe(202);
    const until = Date.now() + 10_000;
    while (receiver.received.filter((h) => h.json.job_id === jobId).length < 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 30));
    const both = receiver.received.filter((h) => h.json.job_id === jobId);
    expect(both).toHaveLength(first.length + 1);
    expect(both[1]!.headers['webhook-id']).toBe(both[0]!.headers['webhook-id']);
    expect(both[1]!.raw).toBe(both[0]!.raw);
  });
});
