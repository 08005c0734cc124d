/**
 * Every query on audit_log. INSERT-only by design: nothing here updates or deletes a row.
 * Takes a db or a transaction.
 */
import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../../infra/db/index.ts';
import type { AuditLogTable, AuditRow } from './audit.table.ts';

export interface AuditFilter {
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  outcome?: string | undefined;
}

/** Arbitrary constant naming the audit chain's advisory lock. */
const CHAIN_LOCK = 60_061_006;

export function createAuditRepository(db: Db) {
  const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    /**
     * Serialises appends to the chain until `tx` ends: a PostgreSQL advisory lock; SQLite already
     * allows one writer at a time.
     */
    async lockChain(tx: Db): Promise<void> {
      if (isPg) await sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(tx);
    },
    last(tx: Db = db): Promise<Pick<AuditRow, 'seq' | 'hash'> | undefined> {
      return tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    },
    insert(row: AuditLogTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('audit_log').values(row).execute();
    },
    async page(filter: AuditFilter, limit: number, offset: number): Promise<{ rows: AuditRow[]; total: number }> {
      let q = db.selectFrom('audit_log');
      if (filter.action) q = q.where('action', 'like', `${filter.action.replace(/[%_]/g, '')}%`);
      if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
      if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
      if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('seq', 'desc').limit(limit).offset(offset).execute(),
        q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },
    /** Rows in chain order, `batch` at a time after `afterSeq`. */
    after(afterSeq: number, batch: number): Promise<AuditRow[]> {
      return db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(batch).execute();
    },
  };
}
