/** Every query on widget_tokens. */
import type { Db } from '../../infra/db/index.ts';
import type { WidgetTokenRow, WidgetTokensTable } from './widget.table.ts';

export function createWidgetRepository(db: Db) {
  return {
    insert: (row: WidgetTokensTable) => db.insertInto('widget_tokens').values(row).execute(),
    findById: (id: string): Promise<WidgetTokenRow | undefined> =>
      db.selectFrom('widget_tokens').selectAll().where('id', '=', id).executeTakeFirst(),
    findByHash: (hash: string): Promise<WidgetTokenRow | undefined> =>
      db.selectFrom('widget_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst(),
    list(accountId?: string): Promise<WidgetTokenRow[]> {
      let q = db.selectFrom('widget_tokens').selectAll();
      if (accountId) q = q.where('account_id', '=', accountId);
      return q.orderBy('created_at', 'desc').execute();
    },
    async revoke(id: string, at: number): Promise<boolean> {
      const r = await db
        .updateTable('widget_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    revokeForAccount: (accountId: string, at: number) =>
      db
        .updateTable('widget_tokens')
        .set({ revoked_at: at })
        .where('account_id', '=', accountId)
        .where('revoked_at', 'is', null)
        .execute(),
    touch: (id: string, at: number) =>
      db.updateTable('widget_tokens').set({ last_seen_at: at }).where('id', '=', id).execute(),
  };
}
