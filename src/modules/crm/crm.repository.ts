/** Every query of the CRM (clients, KYC history, accounts, transactions, notes, activity, received events). Takes a db or a transaction. */
import { sql } from 'kysely';
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
  return {
    findClientByEmail(email: string, tx: Db = db): Promise<ClientRow | undefined> {
      return tx.selectFrom('crm_clients').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
    },
    findClient(id: string, tx: Db = db): Promise<ClientRow | undefined> {
      return tx.selectFrom('crm_clients').selectAll().where('id', '=', id).executeTakeFirst();
    },
    insertClient(row: CrmClientsTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_clients').values(row).execute();
    },
    updateClient(id: string, values: Partial<CrmClientsTable>, tx: Db = db): Promise<unknown> {
      return tx.updateTable('crm_clients').set(values).where('id', '=', id).execute();
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
      else if (f.sort === 'name_asc') rowsQ = rowsQ.orderBy('last_name', 'asc').orderBy('first_name', 'asc').orderBy('id', 'asc');
      else if (f.sort === 'email_asc') rowsQ = rowsQ.orderBy('email', 'asc');
      else rowsQ = rowsQ.orderBy('created_at', 'desc').orderBy('id', 'desc');
      // The page and the total from one statement (one snapshot): two concurrent queries could see a
      // client inserted between them (total 1, no rows). Past the last page no row carries the total.
      const page = await rowsQ.select((eb) => eb.fn.countAll<number>().over().as('total_count')).limit(limit).offset(offset).execute();
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
      return db.selectFrom('crm_kyc_history').selectAll().where('client_id', '=', clientId).orderBy('at', 'desc').orderBy('id', 'desc').limit(200).execute();
    },

    findAccountByExternal(externalId: string, tx: Db = db) {
      return tx.selectFrom('crm_accounts').selectAll().where('external_id', '=', externalId).executeTakeFirst();
    },
    insertAccount(row: CrmAccountsTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_accounts').values(row).execute();
    },
    updateAccount(id: string, values: Partial<CrmAccountsTable>, tx: Db = db): Promise<unknown> {
      return tx.updateTable('crm_accounts').set(values).where('id', '=', id).execute();
    },
    accounts(clientId: string) {
      return db.selectFrom('crm_accounts').selectAll().where('client_id', '=', clientId).orderBy('created_at').orderBy('id').execute();
    },

    /** Inserts unless the external transaction id is known; true when inserted. */
    async insertTransaction(row: CrmTransactionsTable, tx: Db = db): Promise<boolean> {
      const r = await tx.insertInto('crm_transactions').values(row).onConflict((oc) => oc.column('external_id').doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    transactions(clientId: string) {
      return db.selectFrom('crm_transactions').selectAll().where('client_id', '=', clientId).orderBy('completed_at', 'desc').orderBy('id', 'desc').limit(500).execute();
    },

    insertNote(row: CrmNotesTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_notes').values(row).execute();
    },
    notes(clientId: string) {
      return db.selectFrom('crm_notes').selectAll().where('client_id', '=', clientId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(500).execute();
    },

    insertActivity(row: CrmActivityTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('crm_activity').values(row).execute();
    },
    /** Newest first; keyset pagination on (at, id). */
    activity(clientId: string, limit: number, before: { at: number; id: string } | null) {
      let q = db.selectFrom('crm_activity').selectAll().where('client_id', '=', clientId);
      if (before) q = q.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]));
      return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },

    /** Remembers a received event; false when its dedupe key was seen before. */
    async insertEvent(row: CrmWebhookEventsTable): Promise<boolean> {
      const r = await db.insertInto('crm_webhook_events').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    findEvent(id: string) {
      return db.selectFrom('crm_webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async eventStatus(id: string, tx: Db = db): Promise<string | undefined> {
      return (await tx.selectFrom('crm_webhook_events').select('status').where('id', '=', id).executeTakeFirst())?.status;
    },
    finishEvent(id: string, values: Partial<CrmWebhookEventsTable>, tx: Db = db): Promise<unknown> {
      return tx.updateTable('crm_webhook_events').set(values).where('id', '=', id).execute();
    },
    /** Events received but not processed after `before` (their queue job was lost). */
    stuckEvents(before: number, limit: number) {
      return db.selectFrom('crm_webhook_events').select(['id']).where('status', '=', 'received').where('received_at', '<', before).limit(limit).execute();
    },
    /** Forgets dedupe keys older than `before` (kept ≥ 7 days; see DEDUPE_KEEP_MS). */
    pruneEvents(before: number): Promise<unknown> {
      return db.deleteFrom('crm_webhook_events').where('received_at', '<', before).where('status', '!=', 'received').execute();
    },
  };
}
