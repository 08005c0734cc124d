/** Every query on webhook_deliveries and webhook_attempts (the delivery engine's). Takes a db or a transaction. */
import { type Insertable, PostgresAdapter } from 'kysely';
import { compiled } from '../../infra/db/compiled.ts';
import type { Db } from '../../infra/db/index.ts';
import type {
  WebhookAttemptRow,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookDeliveryRow,
} from './webhook.table.ts';

type FinishPatch = Partial<
  Pick<WebhookDeliveriesTable, 'status' | 'next_attempt_at' | 'last_status_code' | 'last_error' | 'delivered_at'>
>;

// Each delivery's own statements, run for every webhook: compiled once (infra/db/compiled.ts).
const insertDeliveryRow = compiled<WebhookDeliveriesTable, never>((db, row) =>
  db.insertInto('webhook_deliveries').values(row),
);
const claim = compiled<{ id: string; attempt: number; previous: number; leaseUntil: number }, WebhookDeliveryRow>(
  (db, p) =>
    db
      .updateTable('webhook_deliveries')
      .set({ attempts: p.attempt, status: 'delivering', next_attempt_at: p.leaseUntil })
      .where('id', '=', p.id)
      .where((eb) =>
        eb.or([
          eb.and([eb('attempts', '=', p.previous), eb('status', '=', 'pending')]),
          eb.and([eb('attempts', '=', p.attempt), eb('status', '=', 'delivering')]),
        ]),
      )
      .returningAll(),
);
const insertAttempt = compiled<Insertable<WebhookAttemptsTable>, never>((db, row) =>
  db.insertInto('webhook_attempts').values(row),
);
const finishDelivery = compiled<FinishPatch & { id: string }, never>((db, { id, ...patch }) =>
  db.updateTable('webhook_deliveries').set(patch).where('id', '=', id),
);

export function createDeliveryRepository(db: Db) {
  return {
    insertDelivery(row: WebhookDeliveriesTable, tx: Db = db): Promise<unknown> {
      return insertDeliveryRow.affected(tx, row);
    },
    findDelivery(id: string): Promise<WebhookDeliveryRow | undefined> {
      return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findDeliveryByJob(jobId: string): Promise<WebhookDeliveryRow | undefined> {
      return db.selectFrom('webhook_deliveries').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    },
    /**
     * Claims attempt number `attempt` and returns the delivery as claimed (undefined: not claimed).
     * Idempotent under at-least-once queue delivery: a stale duplicate is refused, while the same
     * attempt interrupted by a crash may run again. While delivering, `next_attempt_at` is a lease
     * the sweeper uses to spot an abandoned attempt. One statement (`returning`), not a claim and a read.
     */
    claimAttempt(id: string, attempt: number, now: number, leaseMs: number): Promise<WebhookDeliveryRow | undefined> {
      return claim.first(db, { id, attempt, previous: attempt - 1, leaseUntil: now + leaseMs });
    },
    /**
     * Logs an attempt and finishes it on the delivery, atomically: on PostgreSQL one statement (the
     * attempt inserted by a data-modifying `with`), so one round trip and one commit; on SQLite,
     * which has no such `with`, one transaction (one commit instead of two).
     */
    async logAttempt(attempt: Insertable<WebhookAttemptsTable>, patch: FinishPatch): Promise<void> {
      if (db.getExecutor().adapter instanceof PostgresAdapter) {
        await db
          .with('logged', (w) => w.insertInto('webhook_attempts').values(attempt))
          .updateTable('webhook_deliveries')
          .set(patch)
          .where('id', '=', attempt.delivery_id)
          .execute();
        return;
      }
      await db.transaction().execute(async (tx) => {
        await insertAttempt.affected(tx, attempt);
        await finishDelivery.affected(tx, { ...patch, id: attempt.delivery_id });
      });
    },
    listAttempts(deliveryId: string): Promise<WebhookAttemptRow[]> {
      return db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', '=', deliveryId)
        .orderBy('attempt')
        .orderBy('id')
        .execute();
    },
    /**
     * A channel's deliveries whose next attempt (or attempt lease) is overdue by more than
     * `graceMs`: their queue job was lost.
     */
    overdue(channel: string, now: number, graceMs: number, limit: number): Promise<WebhookDeliveryRow[]> {
      return db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('channel', '=', channel)
        .where('status', 'in', ['pending', 'delivering'])
        .where('next_attempt_at', '<', now - graceMs)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
    },
    /** Re-opens a delivery for another round of attempts (manual redelivery). */
    async reopen(id: string, attemptsSoFar: number, now: number): Promise<boolean> {
      const r = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: now })
        .where('id', '=', id)
        .where('attempts', '=', attemptsSoFar)
        .where('status', 'in', ['succeeded', 'failed', 'pending'])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
