/** Every query on audit_log. INSERT-only by design: nothing here updates or deletes a row. */
import type { Db } from '../../infra/db/index.ts';
import { crmDb, type AuditLogTable, type AuditRow, type CrmDb } from '../../infra/db/crm-schema.ts';

export interface AuditFilter {
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  outcome?: string | undefined;
}

export function createAuditRepository(db: Db | CrmDb) {
  const cdb = crmDb(db as Db);
  return {
    last(tx: CrmDb = cdb): Promise<Pick<AuditRow, 'seq' | 'hash'> | undefined> {
      return tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    },
    insert(row: AuditLogTable, tx: CrmDb = cdb): Promise<unknown> {
      return tx.insertInto('audit_log').values(row).execute();
    },
    async page(filter: AuditFilter, limit: number, offset: number): Promise<{ rows: AuditRow[]; total: number }> {
      let q = cdb.selectFrom('audit_log');
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
      return cdb.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(batch).execute();
    },
  };
}
