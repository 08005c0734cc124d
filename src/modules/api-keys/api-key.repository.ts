/** Every query on api_keys. Takes a db or a transaction. */
import { compiled } from '../../infra/db/compiled.ts';
import type { Db } from '../../infra/db/index.ts';
import type { ApiKeyRow, ApiKeysTable } from './api-key.table.ts';

// Every keyed request reads its key: compiled once (infra/db/compiled.ts).
const byKid = compiled<{ kid: string }, ApiKeyRow>((db, p) =>
  db.selectFrom('api_keys').selectAll().where('kid', '=', p.kid),
);

export function createApiKeyRepository(db: Db) {
  return {
    insert(row: ApiKeysTable): Promise<unknown> {
      return db.insertInto('api_keys').values(row).execute();
    },
    findByKid(kid: string): Promise<ApiKeyRow | undefined> {
      return byKid.first(db, { kid });
    },
    findById(id: string): Promise<ApiKeyRow | undefined> {
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },
    list(): Promise<ApiKeyRow[]> {
      return db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    },
    async revoke(id: string, at: number): Promise<boolean> {
      const r = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    setExpiry(id: string, at: number): Promise<unknown> {
      return db.updateTable('api_keys').set({ expires_at: at }).where('id', '=', id).execute();
    },
    setRuleDefaults(id: string, json: string | null): Promise<unknown> {
      return db.updateTable('api_keys').set({ rule_defaults: json }).where('tenant_id', '=', id).execute();
    },
    setAllowedCidrs(id: string, json: string | null): Promise<unknown> {
      return db.updateTable('api_keys').set({ allowed_cidrs: json }).where('id', '=', id).execute();
    },
    touch(id: string, at: number): Promise<unknown> {
      return db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}
