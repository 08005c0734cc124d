/** Every query on staff_users and staff_token_revocations. */
import type { Db } from '../../infra/db/index.ts';
import type { StaffUserRow, StaffUsersTable } from './staff.table.ts';

export function createStaffRepository(db: Db) {
  return {
    insert(row: StaffUsersTable): Promise<unknown> {
      return db.insertInto('staff_users').values(row).execute();
    },
    findByEmail(email: string): Promise<StaffUserRow | undefined> {
      return db.selectFrom('staff_users').selectAll().where('email', '=', email).executeTakeFirst();
    },
    findById(id: string): Promise<StaffUserRow | undefined> {
      return db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    list(): Promise<StaffUserRow[]> {
      return db.selectFrom('staff_users').selectAll().orderBy('created_at').execute();
    },
    update(id: string, values: Partial<StaffUsersTable>): Promise<unknown> {
      return db.updateTable('staff_users').set(values).where('id', '=', id).execute();
    },
    revokeToken(jti: string, expiresAt: number): Promise<unknown> {
      return db
        .insertInto('staff_token_revocations')
        .values({ jti, expires_at: expiresAt })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
    },
    async isRevoked(jti: string): Promise<boolean> {
      return (
        (await db.selectFrom('staff_token_revocations').select('jti').where('jti', '=', jti).executeTakeFirst()) !==
        undefined
      );
    },
    pruneRevocations(before: number): Promise<unknown> {
      return db.deleteFrom('staff_token_revocations').where('expires_at', '<', before).execute();
    },
  };
}
