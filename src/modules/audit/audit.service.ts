/**
 * The audit log: `record(...)` appends a hash-chained row; `verify()` walks the chain and names
 * the first row that does not match. Appends are serialised (a PostgreSQL advisory lock; SQLite
 * allows one writer), and a lost race on `seq` is retried, so the chain never forks.
 */
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { type AuditFilter, createAuditRepository } from './audit.repository.ts';
import type { AuditRow } from './audit.table.ts';
import { type AuditEntry, chainHash, clean, GENESIS_HASH, scrubMeta } from './audit.ts';

export interface AuditView {
  seq: number;
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  requestId: string | null;
  meta: Record<string, unknown> | null;
  hash: string;
}

export type ChainCheck =
  | { ok: true; checked: number; head: string }
  | { ok: false; checked: number; brokenAt: number; reason: string };

function view(r: AuditRow): AuditView {
  return {
    seq: Number(r.seq),
    id: r.id,
    at: new Date(Number(r.at)).toISOString(),
    actorType: r.actor_type,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome,
    ip: r.ip,
    requestId: r.request_id,
    meta: r.meta ? (JSON.parse(r.meta) as Record<string, unknown>) : null,
    hash: r.hash,
  };
}

export function createAuditService({ db, clock, logger }: { db: Db; clock: Clock; logger: Logger }) {
  const repo = createAuditRepository(db);

  async function append(entry: AuditEntry): Promise<string> {
    const meta = scrubMeta(entry.meta);
    return db.transaction().execute(async (tx) => {
      await repo.lockChain(tx);
      const last = await repo.last(tx);
      const row = {
        seq: last ? Number(last.seq) + 1 : 1,
        id: newId('aud', 20),
        at: clock.now(),
        actor_type: entry.actorType,
        actor_id: clean(entry.actorId ?? null, 200),
        action: entry.action,
        target_type: clean(entry.targetType ?? null, 100),
        target_id: clean(entry.targetId ?? null, 200),
        outcome: entry.outcome ?? 'success',
        ip: clean(entry.ip ?? null, 64),
        request_id: clean(entry.requestId ?? null, 128),
        meta: meta && Object.keys(meta).length > 0 ? JSON.stringify(meta) : null,
      };
      const prev = last?.hash ?? GENESIS_HASH;
      await repo.insert({ ...row, prev_hash: prev, hash: chainHash(prev, row) }, tx);
      return row.id;
    });
  }

  return {
    /** Appends one entry; throws when the database does. */
    async record(entry: AuditEntry): Promise<string> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await append(entry);
        } catch (err) {
          if (attempt < 5 && isUniqueViolation(err)) continue; // another writer took this seq
          throw err;
        }
      }
    },

    /** Like record, but a failure is logged instead of failing the caller's request. */
    async tryRecord(entry: AuditEntry): Promise<void> {
      try {
        await this.record(entry);
      } catch (err) {
        logger.error({ err: (err as Error).message, action: entry.action }, 'could not write the audit log');
      }
    },

    async list(
      filter: AuditFilter,
      page: number,
      pageSize: number,
    ): Promise<{ items: AuditView[]; total: number; page: number; pageSize: number }> {
      const { rows, total } = await repo.page(filter, pageSize, (page - 1) * pageSize);
      return { items: rows.map(view), total, page, pageSize };
    },

    /** Recomputes every hash in order; the first mismatch (edited, inserted or removed row) is reported. */
    async verify(): Promise<ChainCheck> {
      let prev = GENESIS_HASH;
      let expectedSeq = 1;
      let checked = 0;
      for (;;) {
        const rows = await repo.after(expectedSeq - 1, 1000);
        if (rows.length === 0) break;
        for (const r of rows) {
          const seq = Number(r.seq);
          if (seq !== expectedSeq)
            return { ok: false, checked, brokenAt: expectedSeq, reason: `row ${expectedSeq} is missing` };
          if (r.prev_hash !== prev)
            return { ok: false, checked, brokenAt: seq, reason: 'prev_hash does not match the row before' };
          if (chainHash(prev, r) !== r.hash)
            return { ok: false, checked, brokenAt: seq, reason: 'row content does not match its hash' };
          prev = r.hash;
          expectedSeq++;
          checked++;
        }
      }
      return { ok: true, checked, head: prev };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
