/** Every query on the accounts registry, its key links and the per-key limits. Takes a db or a transaction. */
import type { Db } from '../../infra/db/index.ts';
import type { Mt5AccountRow, Mt5AccountsTable } from './account.table.ts';

export interface KeyLimitsRow {
  tenant_id: string;
  per_minute: number | null;
  account_interval_ms: number | null;
  account_burst: number | null;
}

export function createAccountRepository(db: Db) {
  return {
    insert(row: Mt5AccountsTable): Promise<unknown> {
      return db.insertInto('mt5_accounts').values(row).execute();
    },
    findById(id: string): Promise<Mt5AccountRow | undefined> {
      return db.selectFrom('mt5_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    list(): Promise<Mt5AccountRow[]> {
      return db.selectFrom('mt5_accounts').selectAll().orderBy('created_at').orderBy('id').execute();
    },
    /** The account a tenant may read, by id or MT5 login (the oldest registration wins a login shared by two servers). */
    findForTenant(tenantId: string, idOrLogin: string): Promise<Mt5AccountRow | undefined> {
      return db
        .selectFrom('mt5_accounts')
        .innerJoin('mt5_account_links', 'mt5_account_links.account_id', 'mt5_accounts.id')
        .selectAll('mt5_accounts')
        .where('mt5_account_links.tenant_id', '=', tenantId)
        .where((eb) => eb.or([eb('mt5_accounts.id', '=', idOrLogin), eb('mt5_accounts.login', '=', idOrLogin)]))
        .orderBy('mt5_accounts.created_at')
        .limit(1)
        .executeTakeFirst();
    },
    async remove(id: string): Promise<boolean> {
      await db.deleteFrom('mt5_account_links').where('account_id', '=', id).execute();
      const r = await db.deleteFrom('mt5_accounts').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    async link(accountId: string, tenantId: string, at: number): Promise<void> {
      await db
        .insertInto('mt5_account_links')
        .values({ account_id: accountId, tenant_id: tenantId, created_at: at })
        .onConflict((oc) => oc.columns(['tenant_id', 'account_id']).doNothing())
        .execute();
    },
    async unlink(accountId: string, tenantId: string): Promise<boolean> {
      const r = await db
        .deleteFrom('mt5_account_links')
        .where('account_id', '=', accountId)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    },
    linksOf(accountIds: string[]): Promise<Array<{ account_id: string; tenant_id: string }>> {
      if (accountIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('mt5_account_links')
        .select(['account_id', 'tenant_id'])
        .where('account_id', 'in', accountIds)
        .execute();
    },
    updateRules(id: string, rules: string | null, initialBalance: number | null): Promise<unknown> {
      return db
        .updateTable('mt5_accounts')
        .set({ rules, initial_balance: initialBalance })
        .where('id', '=', id)
        .execute();
    },
    limitsOf(tenantId: string): Promise<KeyLimitsRow | undefined> {
      return db
        .selectFrom('api_key_limits')
        .select(['tenant_id', 'per_minute', 'account_interval_ms', 'account_burst'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
    },
    allLimits(): Promise<KeyLimitsRow[]> {
      return db
        .selectFrom('api_key_limits')
        .select(['tenant_id', 'per_minute', 'account_interval_ms', 'account_burst'])
        .execute();
    },
    async setLimits(row: KeyLimitsRow, at: number): Promise<void> {
      await db
        .insertInto('api_key_limits')
        .values({ ...row, updated_at: at })
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({
            per_minute: row.per_minute,
            account_interval_ms: row.account_interval_ms,
            account_burst: row.account_burst,
            updated_at: at,
          }),
        )
        .execute();
    },
  };
}
