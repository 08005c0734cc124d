/** Every query on monitors, monitor_events and monitor_idempotency_keys. Takes a db or a transaction. */
import type { Updateable } from 'kysely';
import type { Db } from '../../infra/db/index.ts';
import type { MonitorEventRow, MonitorEventsTable, MonitorRow, MonitorsTable } from './monitor.table.ts';

/** Statuses of a monitor that is still watched. */
export const LIVE_STATUSES = ['active', 'stale'] as const;

export interface MonitorPage {
  rows: MonitorRow[];
  /** More rows follow the last one. */
  more: boolean;
}

export function createMonitorRepository(db: Db) {
  return {
    insert(row: MonitorsTable, tx: Db = db): Promise<unknown> {
      return tx.insertInto('monitors').values(row).execute();
    },
    find(id: string, tx: Db = db): Promise<MonitorRow | undefined> {
      return tx.selectFrom('monitors').selectAll().where('id', '=', id).executeTakeFirst();
    },
    findForTenant(id: string, tenantId: string): Promise<MonitorRow | undefined> {
      return db
        .selectFrom('monitors')
        .selectAll()
        .where('id', '=', id)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
    },
    /** A tenant's newest monitor of one challenge (the monitors_tenant_challenge index). */
    latestOfChallenge(tenantId: string, challengeId: string): Promise<MonitorRow | undefined> {
      return db
        .selectFrom('monitors')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('challenge_id', '=', challengeId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },
    /** The watched monitors of these tenants on one account (the monitors_account index), newest first. */
    watchingAccount(tenantIds: string[], login: string, server: string): Promise<MonitorRow[]> {
      if (tenantIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('monitors')
        .selectAll()
        .where('mt5_server', '=', server)
        .where('mt5_login', '=', login)
        .where('tenant_id', 'in', tenantIds)
        .where('status', 'in', [...LIVE_STATUSES])
        .orderBy('created_at', 'desc')
        .limit(20)
        .execute();
    },
    /** A tenant's monitors, newest first; `after` is the (created_at, id) of the previous page's last row. */
    async list(
      tenantId: string,
      opts: { status?: string; after?: { createdAt: number; id: string }; limit: number },
    ): Promise<MonitorPage> {
      let q = db.selectFrom('monitors').selectAll().where('tenant_id', '=', tenantId);
      if (opts.status) q = q.where('status', '=', opts.status);
      const after = opts.after;
      if (after)
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', after.createdAt),
            eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
          ]),
        );
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit + 1)
        .execute();
      return { rows: rows.slice(0, opts.limit), more: rows.length > opts.limit };
    },
    /**
     * Moves a monitor from event `fromSequence` to the next one with `patch`, if nobody else did
     * first (and, for a live process, if it still holds the lease and the monitor is still watched).
     */
    async advance(
      tx: Db,
      id: string,
      fromSequence: number,
      patch: Updateable<MonitorsTable>,
      guard: { owner?: string; statuses: readonly string[] },
    ): Promise<boolean> {
      let q = tx
        .updateTable('monitors')
        .set({ ...patch, sequence: fromSequence + 1 })
        .where('id', '=', id)
        .where('sequence', '=', fromSequence)
        .where('status', 'in', [...guard.statuses]);
      if (guard.owner !== undefined) q = q.where('lease_owner', '=', guard.owner);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    /** The live process's record of what it sees (no event): only while it holds the lease. */
    async updateOwned(id: string, owner: string, patch: Updateable<MonitorsTable>): Promise<boolean> {
      const r = await db
        .updateTable('monitors')
        .set(patch)
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('status', 'in', [...LIVE_STATUSES])
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    insertEvent(row: MonitorEventsTable, tx: Db): Promise<unknown> {
      return tx.insertInto('monitor_events').values(row).execute();
    },
    eventsAfter(monitorId: string, sequence: number, limit: number): Promise<MonitorEventRow[]> {
      return db
        .selectFrom('monitor_events')
        .selectAll()
        .where('monitor_id', '=', monitorId)
        .where('sequence', '>', sequence)
        .orderBy('sequence')
        .limit(limit)
        .execute();
    },
    /**
     * Claims up to `limit` watched monitors nobody holds (or whose holder's lease ran out, or every
     * one when `takeOver`: the embedded process is the only one), then renews every lease `owner`
     * holds. Returns the monitors it holds now (id, sequence and status: the rest is read for new ones).
     */
    async claimAndRenew(
      owner: string,
      now: number,
      leaseMs: number,
      opts: { limit: number; takeOver: boolean },
    ): Promise<Array<Pick<MonitorRow, 'id' | 'sequence' | 'status'>>> {
      const claimable = db
        .selectFrom('monitors')
        .select('id')
        .where('status', 'in', [...LIVE_STATUSES])
        .where((eb) =>
          opts.takeOver
            ? eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '<>', owner)])
            : eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now)]),
        )
        .limit(opts.limit);
      await db
        .updateTable('monitors')
        .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
        .where('id', 'in', claimable)
        .where('status', 'in', [...LIVE_STATUSES])
        .where((eb) =>
          opts.takeOver
            ? eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '<>', owner)])
            : eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now)]),
        )
        .execute();
      await db
        .updateTable('monitors')
        .set({ lease_expires_at: now + leaseMs })
        .where('lease_owner', '=', owner)
        .where('status', 'in', [...LIVE_STATUSES])
        .execute();
      return db
        .selectFrom('monitors')
        .select(['id', 'sequence', 'status'])
        .where('lease_owner', '=', owner)
        .where('status', 'in', [...LIVE_STATUSES])
        .execute();
    },
    findMany(ids: string[]): Promise<MonitorRow[]> {
      return ids.length === 0
        ? Promise.resolve([])
        : db.selectFrom('monitors').selectAll().where('id', 'in', ids).execute();
    },
    /** Gives up every lease `owner` holds (a process shutting down): another process takes them at once. */
    release(owner: string): Promise<unknown> {
      return db
        .updateTable('monitors')
        .set({ lease_owner: null, lease_expires_at: null })
        .where('lease_owner', '=', owner)
        .execute();
    },
    insertIdempotencyKey(
      row: { tenant_id: string; key: string; request_hash: string; monitor_id: string; created_at: number },
      tx: Db,
    ): Promise<unknown> {
      return tx.insertInto('monitor_idempotency_keys').values(row).execute();
    },
    findIdempotencyKey(
      tenantId: string,
      key: string,
    ): Promise<{ request_hash: string; monitor_id: string } | undefined> {
      return db
        .selectFrom('monitor_idempotency_keys')
        .select(['request_hash', 'monitor_id'])
        .where('tenant_id', '=', tenantId)
        .where('key', '=', key)
        .executeTakeFirst();
    },
    pruneIdempotencyKeys(before: number): Promise<unknown> {
      return db.deleteFrom('monitor_idempotency_keys').where('created_at', '<', before).execute();
    },
  };
}

export type MonitorRepository = ReturnType<typeof createMonitorRepository>;
