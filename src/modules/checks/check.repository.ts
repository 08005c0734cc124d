/** Every query on check_jobs and idempotency_keys. */
import { sql, type Updateable } from 'kysely';
import { compiled } from '../../infra/db/compiled.ts';
import type { Db } from '../../infra/db/index.ts';
import type { CheckJobRow, CheckJobsTable } from './check.table.ts';

const TERMINAL_STATUSES = ['passed', 'failed', 'error'] as const;

// A check's own statements, run for every check: compiled once (infra/db/compiled.ts).
const insertJob = compiled<CheckJobsTable, never>((db, row) => db.insertInto('check_jobs').values(row));
const updateUnfinishedJob = compiled<Updateable<CheckJobsTable> & { id: string }, never>((db, { id, ...patch }) =>
  db
    .updateTable('check_jobs')
    .set(patch)
    .where('id', '=', id)
    .where('status', 'not in', [...TERMINAL_STATUSES]),
);
const startJob = compiled<{ id: string; now: number }, CheckJobRow>((db, p) =>
  db
    .updateTable('check_jobs')
    .set({
      status: 'running',
      started_at: sql<number>`coalesce(started_at, ${p.now})`,
      attempts: sql<number>`attempts + 1`,
    })
    .where('id', '=', p.id)
    .where('status', 'not in', [...TERMINAL_STATUSES])
    .returningAll(),
);

export function createCheckRepository(db: Db) {
  return {
    insert(row: CheckJobsTable, tx: Db = db): Promise<unknown> {
      return insertJob.affected(tx, row);
    },
    find(id: string, tx: Db = db): Promise<CheckJobRow | undefined> {
      return tx.selectFrom('check_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findForTenant(id: string, tenantId: string): Promise<CheckJobRow | undefined> {
      return db
        .selectFrom('check_jobs')
        .selectAll()
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
    },
    /** Updates a job that has not finished yet; returns whether it did. */
    async updateUnfinished(id: string, patch: Updateable<CheckJobsTable>, tx: Db = db): Promise<boolean> {
      return (await updateUnfinishedJob.affected(tx, { ...patch, id })) === 1;
    },
    /**
     * Marks an unfinished job running (one more attempt; the first start time kept) and returns it
     * as it now is, in one statement; undefined when the job is finished or unknown.
     */
    start(id: string, now: number): Promise<CheckJobRow | undefined> {
      return startJob.first(db, { id, now });
    },
    insertIdempotencyKey(
      row: { tenant_id: string; key: string; request_hash: string; job_id: string; created_at: number },
      tx: Db,
    ): Promise<unknown> {
      return tx.insertInto('idempotency_keys').values(row).execute();
    },
    findIdempotencyKey(tenantId: string, key: string): Promise<{ request_hash: string; job_id: string } | undefined> {
      return db
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'job_id'])
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .executeTakeFirst();
    },
    pruneIdempotencyKeys(before: number): Promise<unknown> {
      return db.deleteFrom('idempotency_keys').where('created_at', '<', before).execute();
    },
    /** Jobs that should be in the queue but may have lost their queue job (crash between commit and enqueue). */
    unfinishedOlderThan(before: number, limit: number): Promise<Pick<CheckJobRow, 'id'>[]> {
      return db
        .selectFrom('check_jobs')
        .select('id')
        .where('status', 'in', ['queued', 'running'])
        .where('created_at', '<', before)
        .orderBy('created_at')
        .limit(limit)
        .execute();
    },
  };
}
