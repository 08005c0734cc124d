/** Every query on monitors, monitor_events and monitor_idempotency_keys. Takes a db or a transaction. */
import { CompiledQuery, type ExpressionBuilder, PostgresAdapter, sql, type Updateable } from 'kysely';
import type { Db } from '../../infra/db/index.ts';
import type { Database } from '../../infra/db/schema.ts';
import type { MonitorEventRow, MonitorEventsTable, MonitorRow, MonitorsTable } from './monitor.table.ts';

/** One of `count` disjoint parts of the monitors: the share of one monitor thread of a process. */
export interface Partition {
  index: number;
  count: number;
}

/** Whether a monitor id falls in a part (FNV-1a of the id, modulo the count: stable everywhere). */
export function inPartition(id: string, p: Partition): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % p.count === p.index;
}

/** Statuses of a monitor that is still watched. */
export const LIVE_STATUSES = ['active', 'stale'] as const;

/** What a live process saves of a monitor between events: its figures and its connection. */
export interface FigureRow {
  id: string;
  /** The monitor's sequence when the figures were taken: an event since makes them stale. */
  sequence: number;
  snapshot: string | null;
  last_observation_at: number | null;
  reader_cursor: string | null;
  connection_state: string;
  connection_since: number;
  connection_error: string | null;
  updated_at: number;
}

export interface MonitorPage {
  rows: MonitorRow[];
  /** More rows follow the last one. */
  more: boolean;
}

/** One monitor's figures on SQLite (saveFigures): a fixed text, so its prepared statement is kept. */
const SAVE_FIGURE_SQLITE = `update monitors set
  snapshot = coalesce(?, snapshot), last_observation_at = coalesce(?, last_observation_at),
  reader_cursor = coalesce(?, reader_cursor), connection_state = ?, connection_since = ?,
  connection_error = ?, updated_at = ?
  where id = ? and sequence = ? and lease_owner = ? and status in ('active', 'stale')`;

export function createMonitorRepository(db: Db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
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
    /**
     * The live process's record of what it sees (no event), each row only while the monitor is still
     * at `sequence` (no event since) and `owner` holds it. A null snapshot, observation time or cursor
     * keeps the stored one. Returns the ids not updated. PostgreSQL takes a round's rows in one
     * UPDATE … FROM VALUES per 500 (one round trip); SQLite, in-process, runs one prepared statement
     * per row in one transaction: a VALUES list of varying length is a new statement to prepare at
     * every round, which cost ten times the update.
     */
    async saveFigures(owner: string, rows: FigureRow[]): Promise<string[]> {
      if (rows.length === 0) return [];
      if (!isPostgres) {
        const missed: string[] = [];
        await db.transaction().execute(async (tx) => {
          for (const r of rows) {
            const res = await tx.executeQuery(
              CompiledQuery.raw(SAVE_FIGURE_SQLITE, [
                r.snapshot,
                r.last_observation_at,
                r.reader_cursor,
                r.connection_state,
                r.connection_since,
                r.connection_error,
                r.updated_at,
                r.id,
                r.sequence,
                owner,
              ]),
            );
            if (Number(res.numAffectedRows ?? 0) !== 1) missed.push(r.id);
          }
        });
        return missed;
      }
      const updated = new Set<string>();
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const values = sql.join(
          chunk.map(
            (r) =>
              sql`(cast(${r.id} as text), cast(${r.sequence} as integer), cast(${r.snapshot} as text), cast(${r.last_observation_at} as bigint), cast(${r.reader_cursor} as text), ${r.connection_state}, cast(${r.connection_since} as bigint), cast(${r.connection_error} as text), cast(${r.updated_at} as bigint))`,
          ),
        );
        const result = await sql<{ id: string }>`update monitors set
            snapshot = coalesce(v.column3, monitors.snapshot),
            last_observation_at = coalesce(v.column4, monitors.last_observation_at),
            reader_cursor = coalesce(v.column5, monitors.reader_cursor),
            connection_state = v.column6, connection_since = v.column7, connection_error = v.column8,
            updated_at = v.column9
          from (values ${values}) as v
          where monitors.id = v.column1 and monitors.sequence = v.column2
            and monitors.lease_owner = ${owner}
            and monitors.status in ('active', 'stale')
          returning monitors.id as id`.execute(db);
        for (const r of result.rows) updated.add(r.id);
      }
      return rows.filter((r) => !updated.has(r.id)).map((r) => r.id);
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
     * Claims up to `limit` watched monitors for `owner`, and returns the ids claimed. `free`: those
     * nobody holds and those whose holder's lease ran out (several processes); `unheld`: only those
     * nobody holds (the embedded process after its first round: every other is already its own, and
     * its leases are never renewed, since no other process looks); `steal`: every one held by
     * another (the embedded process, the only one, starting).
     */
    async claim(
      owner: string,
      now: number,
      leaseMs: number,
      opts: {
        limit: number;
        take: 'free' | 'unheld' | 'steal';
        /** Only the monitors whose id falls in this part (monitor threads of one process: inPartition). */
        partition?: Partition;
      },
    ): Promise<string[]> {
      const free = (eb: ExpressionBuilder<Database, 'monitors'>) =>
        opts.take === 'steal'
          ? eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '<>', owner)])
          : opts.take === 'unheld'
            ? eb('lease_owner', 'is', null)
            : eb.or([eb('lease_owner', 'is', null), eb('lease_expires_at', '<', now)]);
      const ids = (
        await db
          .selectFrom('monitors')
          .select('id')
          .where('status', 'in', [...LIVE_STATUSES])
          .where(free)
          .limit(opts.limit)
          .execute()
      )
        .map((r) => r.id)
        .filter((id) => !opts.partition || inPartition(id, opts.partition));
      if (ids.length === 0) return [];
      const claimed: string[] = [];
      for (let i = 0; i < ids.length; i += 1000) {
        const rows = await db
          .updateTable('monitors')
          .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
          .where('id', 'in', ids.slice(i, i + 1000))
          .where('status', 'in', [...LIVE_STATUSES])
          .where(free)
          .returning('id')
          .execute();
        for (const r of rows) claimed.push(r.id);
      }
      return claimed;
    },
    /** Renews every lease `owner` holds. */
    renew(owner: string, now: number, leaseMs: number): Promise<unknown> {
      return db
        .updateTable('monitors')
        .set({ lease_expires_at: now + leaseMs })
        .where('lease_owner', '=', owner)
        .where('status', 'in', [...LIVE_STATUSES])
        .execute();
    },
    /** The watched monitors `owner` holds: id, sequence and status (the rest is read for new ones). */
    held(owner: string): Promise<Array<Pick<MonitorRow, 'id' | 'sequence' | 'status'>>> {
      return db
        .selectFrom('monitors')
        .select(['id', 'sequence', 'status'])
        .where('lease_owner', '=', owner)
        .where('status', 'in', [...LIVE_STATUSES])
        .execute();
    },
    async findMany(ids: string[]): Promise<MonitorRow[]> {
      const rows: MonitorRow[] = [];
      for (let i = 0; i < ids.length; i += 1000)
        rows.push(
          ...(await db
            .selectFrom('monitors')
            .selectAll()
            .where('id', 'in', ids.slice(i, i + 1000))
            .execute()),
        );
      return rows;
    },
    /** Says `owner` is alive, and returns how many live processes there are and how many monitors they share. */
    async share(owner: string, now: number, aliveSince: number): Promise<{ processes: number; monitors: number }> {
      await db
        .insertInto('monitor_processes')
        .values({ owner, seen_at: now })
        .onConflict((oc) => oc.column('owner').doUpdateSet({ seen_at: now }))
        .execute();
      await db.deleteFrom('monitor_processes').where('seen_at', '<', aliveSince).execute();
      const [p, m] = await Promise.all([
        db
          .selectFrom('monitor_processes')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('monitors')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('status', 'in', [...LIVE_STATUSES])
          .executeTakeFirstOrThrow(),
      ]);
      return { processes: Number(p.n), monitors: Number(m.n) };
    },
    /** Gives up these leases of `owner` (more than its share): processes under theirs take them. */
    releaseSome(owner: string, ids: string[]): Promise<unknown> {
      return db
        .updateTable('monitors')
        .set({ lease_owner: null, lease_expires_at: null })
        .where('lease_owner', '=', owner)
        .where('id', 'in', ids)
        .execute();
    },
    /** A process leaving: it no longer counts in the share. */
    leave(owner: string): Promise<unknown> {
      return db.deleteFrom('monitor_processes').where('owner', '=', owner).execute();
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
