/**
 * Every query of the trading platform (traders, sessions, used SSO tokens, accounts, transactions).
 * Takes a db or a transaction. The event outbox keeps its own queries (outbox.ts).
 */
import type { Db } from '../../infra/db/index.ts';
import type {
  PlatformAccountRow,
  PlatformAccountsTable,
  PlatformSessionsTable,
  PlatformTraderRow,
  PlatformTradersTable,
  PlatformTransactionsTable,
} from './platform.table.ts';

export function createPlatformRepository(db: Db) {
  return {
    insertTrader(row: PlatformTradersTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('platform_traders').values(row).execute();
    },
    findTrader(id: string, tx: Db = db): Promise<PlatformTraderRow | undefined> {
      return tx.selectFrom('platform_traders').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** `email` as stored: trimmed and lower-cased by the caller. */
    findTraderByEmail(email: string): Promise<PlatformTraderRow | undefined> {
      return db.selectFrom('platform_traders').selectAll().where('email', '=', email).executeTakeFirst();
    },
    async hasTraderWithEmail(email: string): Promise<boolean> {
      const row = await db.selectFrom('platform_traders').select('id').where('email', '=', email).executeTakeFirst();
      return row !== undefined;
    },
    setPassword(traderId: string, passwordHash: string, at: number): Promise<unknown> {
      return db
        .updateTable('platform_traders')
        .set({ password_hash: passwordHash, updated_at: at })
        .where('id', '=', traderId)
        .execute();
    },
    setKycStatus(traderId: string, kycStatus: string, at: number, tx: Db = db): Promise<unknown> {
      return tx
        .updateTable('platform_traders')
        .set({ kyc_status: kycStatus, updated_at: at })
        .where('id', '=', traderId)
        .execute();
    },

    insertSession(row: PlatformSessionsTable): Promise<unknown> {
      return db.insertInto('platform_sessions').values(row).execute();
    },
    findSession(tokenHash: string) {
      return db.selectFrom('platform_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },
    endSession(tokenHash: string, at: number): Promise<unknown> {
      return db.updateTable('platform_sessions').set({ ended_at: at }).where('token_hash', '=', tokenHash).execute();
    },

    /** Burns an SSO token's jti; throws a unique violation when it was used before. */
    insertUsedSsoToken(row: { jti: string; expires_at: number; used_at: number }): Promise<unknown> {
      return db.insertInto('sso_used_tokens').values(row).execute();
    },
    pruneUsedSsoTokens(expiredBefore: number): Promise<unknown> {
      return db.deleteFrom('sso_used_tokens').where('expires_at', '<', expiredBefore).execute();
    },

    insertAccount(row: PlatformAccountsTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('platform_accounts').values(row).execute();
    },
    findAccount(id: string, tx: Db = db): Promise<PlatformAccountRow | undefined> {
      return tx.selectFrom('platform_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findTraderAccount(traderId: string, accountId: string): Promise<PlatformAccountRow | undefined> {
      return db
        .selectFrom('platform_accounts')
        .selectAll()
        .where('id', '=', accountId)
        .where('trader_id', '=', traderId)
        .executeTakeFirst();
    },
    accountsOf(traderId: string): Promise<PlatformAccountRow[]> {
      return db
        .selectFrom('platform_accounts')
        .selectAll()
        .where('trader_id', '=', traderId)
        .orderBy('created_at')
        .execute();
    },
    async countAccounts(): Promise<number> {
      const row = await db
        .selectFrom('platform_accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    setCheckJob(accountId: string, checkJobId: string, at: number): Promise<unknown> {
      return db
        .updateTable('platform_accounts')
        .set({ check_job_id: checkJobId, updated_at: at })
        .where('id', '=', accountId)
        .execute();
    },
    /** Adds `deltaCents` (negative for a withdrawal) to the balance in one statement. */
    addToBalance(accountId: string, deltaCents: number, at: number, tx: Db = db): Promise<unknown> {
      return tx
        .updateTable('platform_accounts')
        .set((eb) => ({ balance_cents: eb('balance_cents', '+', deltaCents), updated_at: at }))
        .where('id', '=', accountId)
        .execute();
    },
    /** Ends an active account's challenge; false when it was not active any more (a concurrent run ended it). */
    async finishActiveAccount(
      accountId: string,
      values: { status: string; balance_cents: number },
      at: number,
      tx: Db = db,
    ): Promise<boolean> {
      const r = await tx
        .updateTable('platform_accounts')
        .set({ ...values, updated_at: at })
        .where('id', '=', accountId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    insertTransaction(row: PlatformTransactionsTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('platform_transactions').values(row).execute();
    },
  };
}
