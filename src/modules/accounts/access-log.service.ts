/**
 * The account API's access log: every request (and every SSE connection) with key, account,
 * route template, status, client IP, time and latency — metadata only, never keys, tokens or
 * passwords (reference/security.md §7). Rows are buffered and written in batches so logging costs
 * the request almost nothing; a failed write is logged, never fails the request. Staff query it
 * with filters.
 */
import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Clock } from '../../infra/clock.ts';
import type { Db } from '../../infra/db/index.ts';
import { accountsDb, type ApiAccessLogTable } from '../../infra/db/accounts-schema.ts';
import type { Logger } from '../../infra/logger.ts';

export type AccessEntry = Omit<ApiAccessLogTable, 'id'>;

export interface AccessLogFilter {
  key_id?: string;
  account_id?: string;
  widget_id?: string;
  status?: number;
  /** 2xx, 4xx, 5xx */
  status_class?: number;
  route?: string;
  ip?: string;
  from?: number;
  to?: number;
  /** Rows with id below this (pagination, newest first). */
  before?: number;
}

export interface AccessLogView {
  id: number;
  at: string;
  request_id: string;
  actor: string;
  key_id: string | null;
  widget_id: string | null;
  account_id: string | null;
  method: string;
  route: string;
  status: number;
  ip: string;
  forwarded_for: string | null;
  latency_ms: number;
  reason: string | null;
}

/** Control characters out (log injection), length capped. */
const clean = (s: string | null | undefined, max = 200) => (s === null || s === undefined ? null : s.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, max));

const COLUMNS = ['at', 'request_id', 'actor', 'key_id', 'tenant_id', 'widget_id', 'account_id', 'method', 'route', 'status', 'ip', 'forwarded_for', 'latency_ms', 'reason'] as const satisfies readonly (keyof AccessEntry)[];
// Every column of the table is written: a column added to AccessEntry and not here fails to compile.
const allColumns: Exclude<keyof AccessEntry, (typeof COLUMNS)[number]> extends never ? true : never = true;
void allColumns;
const BATCH_ROWS = 200;
const insertText = new Map<string, string>();

/**
 * One multi-row INSERT with bound parameters. Built by hand rather than with the query builder:
 * at thousands of requests a second the builder's per-value parsing was a visible share of the
 * hot path. Only the placeholder style differs between the dialects.
 */
function insertRows(rows: AccessEntry[], pg: boolean): CompiledQuery {
  const cacheKey = `${pg ? 'pg' : 'sqlite'}:${rows.length}`;
  let text = insertText.get(cacheKey);
  if (!text) {
    let n = 0;
    const tuples = rows.map(() => `(${COLUMNS.map(() => (pg ? `$${++n}` : '?')).join(', ')})`);
    text = `insert into api_access_log (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`;
    insertText.set(cacheKey, text);
  }
  const parameters: unknown[] = [];
  for (const r of rows) for (const c of COLUMNS) parameters.push(r[c]);
  return CompiledQuery.raw(text, parameters);
}

export function createAccessLog({ db, clock, logger, flushMs = 250, maxBatch = 500 }: { db: Db; clock: Clock; logger: Logger; flushMs?: number; maxBatch?: number }) {
  const adb = accountsDb(db);
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  let buffer: AccessEntry[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (buffer.length === 0) return flushing;
    const rows = buffer;
    buffer = [];
    flushing = flushing.then(async () => {
      try {
        for (let i = 0; i < rows.length; i += BATCH_ROWS) await db.executeQuery(insertRows(rows.slice(i, i + BATCH_ROWS), pg));
      } catch (err) {
        logger.error({ err: (err as Error).message, rows: rows.length }, 'access log write failed');
      }
    });
    return flushing;
  }

  return {
    record(e: AccessEntry): void {
      // Fastify's request.ip is undefined once the client has hung up: recorded as ''.
      buffer.push({ ...e, route: clean(e.route)!, forwarded_for: clean(e.forwarded_for), reason: clean(e.reason), ip: clean(e.ip, 64) ?? '', at: e.at ?? clock.now() });
      if (buffer.length >= maxBatch) void flush();
      else if (!timer) {
        timer = setTimeout(() => void flush(), flushMs);
        timer.unref();
      }
    },
    flush,
    async query(f: AccessLogFilter, limit = 100): Promise<{ items: AccessLogView[]; next_before: number | null }> {
      await flush();
      let q = adb.selectFrom('api_access_log').selectAll();
      if (f.key_id) q = q.where('key_id', '=', f.key_id);
      if (f.account_id) q = q.where('account_id', '=', f.account_id);
      if (f.widget_id) q = q.where('widget_id', '=', f.widget_id);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.status_class) q = q.where('status', '>=', f.status_class * 100).where('status', '<', f.status_class * 100 + 100);
      if (f.route) q = q.where('route', '=', f.route);
      if (f.ip) q = q.where('ip', '=', f.ip);
      if (f.from !== undefined) q = q.where('at', '>=', f.from);
      if (f.to !== undefined) q = q.where('at', '<', f.to);
      if (f.before !== undefined) q = q.where('id', '<', f.before);
      const rows = await q.orderBy('id', 'desc').limit(Math.min(Math.max(limit, 1), 1000) + 1).execute();
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: Number(r.id),
          at: new Date(Number(r.at)).toISOString(),
          request_id: r.request_id,
          actor: r.actor,
          key_id: r.key_id,
          widget_id: r.widget_id,
          account_id: r.account_id,
          method: r.method,
          route: r.route,
          status: Number(r.status),
          ip: r.ip,
          forwarded_for: r.forwarded_for,
          latency_ms: Number(r.latency_ms),
          reason: r.reason,
        })),
        next_before: rows.length > limit ? Number(page.at(-1)!.id) : null,
      };
    },
    async close(): Promise<void> {
      await flush();
    },
  };
}

export type AccessLog = ReturnType<typeof createAccessLog>;
