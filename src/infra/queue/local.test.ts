/** LocalQueue: the JobQueue contract on SQLite/PostgreSQL, leases of dead and live workers, and housekeeping. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeQueues,
  collector,
  jobQueueContract,
  lastQueueDb,
  makeQueue,
  until,
} from '../../../test/queue-contract.ts';
import { newStorage } from '../../../test/storage.ts';
import type { LocalQueue } from './local.ts';

afterEach(closeQueues);

describe('JobQueue (local)', () => {
  jobQueueContract('local');

  it('runs a job again when the worker that claimed it died (lease ran out)', async () => {
    const storage = newStorage();
    const q = await makeQueue('local', storage, 1000);
    const handle = lastQueueDb();
    const now = Date.now();
    // The row a worker killed mid-job leaves behind: active, lease in the past.
    await handle.db
      .insertInto('queue_jobs')
      .values({
        id: 'orphan',
        name: 'work',
        payload: '{"id":"orphan"}',
        status: 'active',
        run_at: now - 5000,
        attempts: 1,
        max_attempts: 3,
        locked_until: now - 1,
        locked_by: 'dead-worker',
        last_error: null,
        created_at: now - 5000,
        updated_at: now - 5000,
      })
      .execute();
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 1 });
    await until(() => c.seen.length === 1);
    expect(c.seen[0]).toEqual({ payload: { id: 'orphan' }, attempt: 2 });
  });

  it('takes due jobs and jobs whose lease ran out in run_at order, one queue however long', async () => {
    const storage = newStorage();
    const q = await makeQueue('local', storage, 1000);
    const handle = lastQueueDb();
    const now = Date.now();
    const row = (id: string, runAt: number, lease: number | null) => ({
      id,
      name: 'work',
      payload: JSON.stringify({ id }),
      status: lease === null ? 'waiting' : 'active',
      run_at: runAt,
      attempts: lease === null ? 0 : 1,
      max_attempts: 3,
      locked_until: lease,
      locked_by: lease === null ? null : 'dead-worker',
      last_error: null,
      created_at: runAt,
      updated_at: runAt,
    });
    await handle.db
      .insertInto('queue_jobs')
      .values([
        ...Array.from({ length: 8 }, (_, i) => row(`due-${i}`, now - 4000 + i * 100, null)),
        row('orphan-early', now - 5000, now - 1),
        row('orphan-late', now - 3550, now - 1),
        row('held', now - 6000, now + 60_000),
        row('later', now + 60_000, null),
      ])
      .execute();
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 1 });
    await until(() => c.seen.length === 10);
    expect(c.seen.map((s) => (s.payload as { id: string }).id)).toEqual([
      'orphan-early',
      ...['due-0', 'due-1', 'due-2', 'due-3', 'due-4'],
      'orphan-late',
      ...['due-5', 'due-6', 'due-7'],
    ]);
  });

  it('does not take a job whose lease is still held by a live worker', async () => {
    const storage = newStorage();
    const q = await makeQueue('local', storage, 1000);
    const handle = lastQueueDb();
    const now = Date.now();
    await handle.db
      .insertInto('queue_jobs')
      .values({
        id: 'held',
        name: 'work',
        payload: '{}',
        status: 'active',
        run_at: now,
        attempts: 1,
        max_attempts: 3,
        locked_until: now + 60_000,
        locked_by: 'live-worker',
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const c = collector();
    await q.start({ work: c.handler }, { concurrency: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.seen).toHaveLength(0);
  });
});

describe('local queue housekeeping', () => {
  it('prunes done jobs after a day and keeps recent ones', async () => {
    const q = (await makeQueue('local')) as LocalQueue;
    const handle = lastQueueDb();
    const now = Date.now();
    const row = (id: string, status: string, age: number) => ({
      id,
      name: 'w',
      payload: '{}',
      status,
      run_at: now - age,
      attempts: 1,
      max_attempts: 1,
      locked_until: null,
      locked_by: null,
      last_error: null,
      created_at: now - age,
      updated_at: now - age,
    });
    await handle.db
      .insertInto('queue_jobs')
      .values([
        row('old-done', 'done', 2 * 86_400_000),
        row('new-done', 'done', 1000),
        row('old-failed', 'failed', 2 * 86_400_000),
        row('ancient-failed', 'failed', 8 * 86_400_000),
      ])
      .execute();
    expect(await q.prune()).toBe(2);
    const left = (await handle.db.selectFrom('queue_jobs').select('id').execute()).map((r) => r.id).sort();
    expect(left).toEqual(['new-done', 'old-failed']);
  });
});
