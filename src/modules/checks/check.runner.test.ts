/**
 * The check.run handler when a job is already finished: a retry after an attempt whose commit
 * landed while its connection dropped must still get the result webhook sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkBody, eventually, startReceiver, startStack, waitForJob } from '../../../test/harness.ts';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe('check.run on a finished job', () => {
  it('queues the webhook its finishing attempt never queued, once', async () => {
    const stack = await startStack();
    const receiver = await startReceiver();
    open.push(stack, receiver);
    const { key } = await stack.createKey();
    // The finishing attempt commits, then loses its connection before its first webhook attempt.
    const deliverFirst = stack.deps.webhooks.deliverFirst;
    stack.deps.webhooks.deliverFirst = async () => undefined;
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key },
      payload: checkBody({ callback_url: receiver.url }),
    });
    const jobId = res.json().job_id as string;
    const job = await waitForJob(stack.app, key, jobId);
    expect(job.status).toBe('passed');
    stack.deps.webhooks.deliverFirst = deliverFirst;
    expect(receiver.received).toHaveLength(0);

    // The queue's retry of that attempt finds the job finished.
    await stack.deps.checks.run({ job_id: jobId }, { attempt: 2, maxAttempts: 3, jobId: `check-${jobId}` });
    await eventually(
      async () => receiver.received.length,
      (n) => n === 1,
    );
    expect(receiver.received[0]!.json).toMatchObject({ job_id: jobId, status: 'passed' });

    // A later duplicate run sends nothing more.
    await stack.deps.checks.run({ job_id: jobId }, { attempt: 3, maxAttempts: 3, jobId: `check-${jobId}` });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(1);
  });

  it('sends again a first attempt abandoned mid-way once its lease ran out, and not while it holds', async () => {
    const stack = await startStack();
    const receiver = await startReceiver();
    open.push(stack, receiver);
    const { key } = await stack.createKey();
    const deliverFirst = stack.deps.webhooks.deliverFirst;
    stack.deps.webhooks.deliverFirst = async () => undefined;
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key },
      payload: checkBody({ callback_url: receiver.url }),
    });
    const jobId = res.json().job_id as string;
    await waitForJob(stack.app, key, jobId);
    stack.deps.webhooks.deliverFirst = deliverFirst;
    // The worker that finished the check claimed the first attempt, then died: its lease still holds.
    const claimed = { status: 'delivering', attempts: 1, next_attempt_at: Date.now() + 60_000 };
    await stack.deps.dbHandle.db.updateTable('webhook_deliveries').set(claimed).where('job_id', '=', jobId).execute();
    await stack.deps.checks.run({ job_id: jobId }, { attempt: 2, maxAttempts: 3, jobId: `check-${jobId}` });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(0);

    // Its lease runs out: the check's queue job, run again, sends the attempt once, same webhook-id.
    await stack.deps.dbHandle.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: Date.now() - 1 })
      .where('job_id', '=', jobId)
      .execute();
    await stack.deps.checks.run({ job_id: jobId }, { attempt: 3, maxAttempts: 3, jobId: `check-${jobId}` });
    await eventually(
      async () => receiver.received.length,
      (n) => n === 1,
    );
    const log = await stack.app.inject({
      method: 'GET',
      url: `/api/v1/job/${jobId}/deliveries`,
      headers: { 'x-api-key': key },
    });
    expect(log.json().deliveries[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(receiver.received[0]!.headers['webhook-id']).toBe(log.json().deliveries[0].webhook_id);
  });
});
