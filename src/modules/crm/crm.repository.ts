/** Every query of the CRM (clients, KYC history, accounts, transactions, notes, activity, received events). Takes a db or a transaction. */
import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../../infra/db/index.ts';
import type {
  ClientRow,
  CrmAccountsTable,
  CrmActivityTable,
  CrmClientsTable,
  CrmKycHistoryTable,
  CrmNotesTable,
  CrmTransactionsTable,
  CrmWebhookEventsTable,
} from './crm.table.ts';

export interface ClientFilter {
  q?: string | undefined;
  kycStatus?: string | undefined;
  status?: string | undefined;
  sort: 'created_desc' | 'created_asc' | 'name_asc' | 'email_asc';
}

export function createCrmRepository(db: Db) {
  // SQLite runs one transaction at a time (one connection), so only PostgreSQL needs row locks.
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;

  function findClientByEmail(email: string, tx: Db = db): Promise<ClientRow | undefined> {
    return tx.selectFrom('crm_clients').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  }

  return {
    findClientByEmail,
    /**
     * The client with `row`'s email, inserted from `row` when there is none; `inserted` says which.
     * Race-free: of two transactions inserting one new email, the second waits for the first at the
     * unique index, inserts nothing, and reads the first one's client (PostgreSQL's READ COMMITTED
     * gives each statement a fresh snapshot).
     */
    async findOrInsertClient(row: CrmClientsTable, tx: Db = db): Promise<{ client: ClientRow; inserted: boolean }> {
      const found = await findClientByEmail(row.email, tx);
      if (found) return { client: found, inserted: false };
      const result = await tx
        .insertInto('crm_clients')
        .values(row)
        .onConflict((oc) => oc.column('email').doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 1) return { client: row, inserted: true };
      const winner = await findClientByEmail(row.email, tx);
      if (!winner) throw new Error(`client ${row.email} neither inserted nor found`);
      return { client: winner, inserted: false };
    },
    /** The client, locked until `tx` ends (PostgreSQL), for a change that depends on its current values. */
    lockClient(id: string, tx: Db): Promise<ClientRow | undefined> {
      const query = tx.selectFrom('crm_clients').selectAll().where('id', '=', id);
      return (isPostgres ? query.forUpdate() : query).executeTakeFirst();
    },
    findClient(id: string, tx: Db = db): Promise<ClientRow | undefined> {
      return tx.selectFrom('crm_clients').selectAll().where('id', '=', id).executeTakeFirst();
    },
    updateClient(id: string, values: Partial<CrmClientsTable>, tx: Db = db): Promise<unknown> {
      return tx.updateTable('crm_clients').set(values).where('id', '=', id).execute();
    },
    /** Records the platform's id of a client that has none yet. */
    setClientExternalIdIfMissing(id: string, externalId: string, tx: Db = db): Promise<unknown> {
      return tx
        .updateTable('crm_clients')
        .set({ external_id: externalId })
        .where('id', '=', id)
        .where('external_id', 'is', null)
        .execute();
    },
    /**
     * Sets the fields client.registered carries unless the client holds ones registered later than
     * `stateAt`; true when set. One statement: PostgreSQL re-checks the condition on the locked row.
     */
    async updateClientProfileUnlessNewer(
      id: string,
      values: Partial<CrmClientsTable>,
      stateAt: number,
      tx: Db = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('crm_clients')
        .set({ ...values, profile_state_at: stateAt })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('profile_state_at', 'is', null), eb('profile_state_at', '<=', stateAt)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async listClients(f: ClientFilter, limit: number, offset: number): Promise<{ rows: ClientRow[]; total: number }> {
      let q = db.selectFrom('crm_clients');
      if (f.q) {
        const needle = f.q;
        const like = `%${needle.toLowerCase().replace(/[%_\\]/g, '')}%`;
        q = q.where((eb) =>
          eb.or([
            eb(sql`lower(email)`, 'like', like),
            eb(sql`lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))`, 'like', like),
            eb(sql`lower(coalesce(phone, ''))`, 'like', like),
            eb(sql`lower(coalesce(external_id, ''))`, 'like', like),
            eb('id', '=', needle),
          ]),
        );
      }
      if (f.kycStatus) q = q.where('kyc_status', '=', f.kycStatus);
      if (f.status) q = q.where('status', '=', f.status);
      let rowsQ = q.selectAll();
      if (f.sort === 'created_asc') rowsQ = rowsQ.orderBy('created_at', 'asc').orderBy('id', 'asc');
      else if (f.sort === 'name_asc')
        rowsQ = rowsQ.orderBy('last_name', 'asc').orderBy('first_name', 'asc').orderBy('id', 'asc');
      else if (f.sort === 'email_asc') rowsQ = rowsQ.orderBy('email', 'asc');
      else rowsQ = rowsQ.orderBy('created_at', 'desc').orderBy('id', 'desc');
      // The page and the total from one statement (one snapshot): two concurrent queries could see a
      // client inserted between them (total 1, no rows). Past the last page no row carries the total.
      const page = await rowsQ
        .select((eb) => eb.fn.countAll<number>().over().as('total_count'))
        .limit(limit)
        .offset(offset)
        .execute();
      const rows: ClientRow[] = page.map(({ total_count: _n, ...row }) => row);
      if (page.length > 0) return { rows, total: Number(page[0]!.total_count) };
      if (offset === 0) return { rows, total: 0 };
      const count = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return { rows, total: Number(count.n) };
    },

    insertKycHistory(row: CrmKycHistoryTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_kyc_history').values(row).execute();
    },
    kycHistory(clientId: string) {
      return db
        .selectFrom('crm_kyc_history')
        .selectAll()
        .where('client_id', '=', clientId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(200)
        .execute();
    },

    /** Inserts unless the external id is known (a concurrent insert waits, then yields); true when inserted. */
    async insertAccountIfNew(row: CrmAccountsTable, tx: Db = db): Promise<boolean> {
      const result = await tx
        .insertInto('crm_accounts')
        .values(row)
        .onConflict((oc) => oc.column('external_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /**
     * Updates the account with this external id unless it holds a state newer than `values.state_at`
     * (an equal time is a later arrival, which wins); true when updated. One statement: PostgreSQL
     * re-checks the condition on the locked row, so of two concurrent events the newer state stays.
     */
    async updateAccountUnlessNewer(
      externalId: string,
      values: Partial<CrmAccountsTable> & { state_at: number },
      tx: Db = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('crm_accounts')
        .set(values)
        .where('external_id', '=', externalId)
        .where((eb) => eb.or([eb('state_at', 'is', null), eb('state_at', '<=', values.state_at)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    accounts(clientId: string) {
      return db
        .selectFrom('crm_accounts')
        .selectAll()
        .where('client_id', '=', clientId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    /** Inserts unless the external transaction id is known; true when inserted. */
    async insertTransaction(row: CrmTransactionsTable, tx: Db = db): Promise<boolean> {
      const r = await tx
        .insertInto('crm_transactions')
        .values(row)
        .onConflict((oc) => oc.column('external_id').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    transactions(clientId: string) {
      return db
        .selectFrom('crm_transactions')
        .selectAll()
        .where('client_id', '=', clientId)
        .orderBy('completed_at', 'desc')
        .orderBy('id', 'desc')
        .limit(500)
        .execute();
    },

    insertNote(row: CrmNotesTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_notes').values(row).execute();
    },
    notes(clientId: string) {
      return db
        .selectFrom('crm_notes')
        .selectAll()
        .where('client_id', '=', clientId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(500)
        .execute();
    },

    insertActivity(row: CrmActivityTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_activity').values(row).execute();
    },
    /** Newest first; keyset pagination on (at, id). */
    activity(clientId: string, limit: number, before: { at: number; id: string } | null) {
      let q = db.selectFrom('crm_activity').selectAll().where('client_id', '=', clientId);
      if (before)
        q = q.where((eb) =>
          eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
        );
      return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },

    /** Remembers a received event; false when its dedupe key was seen before. */
    async insertEvent(row: CrmWebhookEventsTable): Promise<boolean> {
      const r = await db
        .insertInto('crm_webhook_events')
        .values(row)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    findEvent(id: string) {
      return db.selectFrom('crm_webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async eventStatus(id: string, tx: Db = db): Promise<string | undefined> {
      return (await tx.selectFrom('crm_webhook_events').select('status').where('id', '=', id).executeTakeFirst())
        ?.status;
    },
    finishEvent(id: string, values: Partial<CrmWebhookEventsTable>, tx: Db = db): Promise<unknown> {
      return tx.updateTable('crm_webhook_events').set(values).where('id', '=', id).execute();
    },
    /** Events received but not processed after `before` (their queue job was lost). */
    stuckEvents(before: number, limit: number) {
      return db
        .selectFrom('crm_webhook_events')
        .select(['id'])
        .where('status', '=', 'received')
        .where('received_at', '<', before)
        .limit(limit)
        .execute();
    },
    /** Forgets dedupe keys older than `before` (kept ≥ 7 days; see DEDUPE_KEEP_MS). */
    pruneEvents(before: number): Promise<unknown> {
      return db
        .deleteFrom('crm_webhook_events')
        .where('received_at', '<', before)
        .where('status', '!=', 'received')
        .execute();
    },
  };
}
