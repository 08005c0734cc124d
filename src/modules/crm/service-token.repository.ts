/** Every query on service_tokens. Takes a db or a transaction. */
import type { Db } from '../../infra/db/index.ts';
import type { ServiceTokenRow, ServiceTokensTable } from './crm.table.ts';

export function createServiceTokenRepository(db: Db) {
  return {
    insert(row: ServiceTokensTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('service_tokens').values(row).execute();
    },
    findById(id: string): Promise<ServiceTokenRow | undefined> {
      return db.selectFrom('service_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findByKid(kid: string): Promise<ServiceTokenRow | undefined> {
      return db.selectFrom('service_tokens').selectAll().where('kid', '=', kid).executeTakeFirst();
    },
    /** Tokens of this name not revoked (active, expiring or expired). */
    unrevokedNamed(name: string): Promise<ServiceTokenRow[]> {
      return db
        .selectFrom('service_tokens')
        .selectAll()
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .execute();
    },
    list(): Promise<ServiceTokenRow[]> {
      return db.selectFrom('service_tokens').selectAll().orderBy('created_at').execute();
    },
    /** Revokes a token not revoked yet; true when it did. */
    async revoke(id: string, at: number, tx: Db = db): Promise<boolean> {
      const r = await tx
        .updateTable('service_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    setExpiry(id: string, at: number, tx: Db = db): Promise<unknown> {
      return tx.updateTable('service_tokens').set({ expires_at: at }).where('id', '=', id).execute();
    },
    touch(id: string, at: number): Promise<unknown> {
      return db.updateTable('service_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
