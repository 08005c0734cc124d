/** Every query on api_access_log: batched inserts and the filtered, newest-first read. */
import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Db } from '../../infra/db/index.ts';
import type { ApiAccessLogRow, ApiAccessLogTable } from './account.table.ts';

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

const COLUMNS = [
  'at',
  'request_id',
  'actor',
  'key_id',
  'tenant_id',
  'widget_id',
  'account_id',
  'method',
  'route',
  'status',
  'ip',
  'forwarded_for',
  'latency_ms',
  'reason',
] as const satisfies readonly (keyof AccessEntry)[];
// Every column of the table is written: a column added to AccessEntry and not here fails to compile.
const allColumns: Exclude<keyof AccessEntry, (typeof COLUMNS)[number]> extends never ? true : never = true;
void allColumns;
/** Rows per INSERT statement. */
const INSERT_BATCH_ROWS = 200;
const insertText = new Map<string, string>();

/**
 * One multi-row INSERT with bound parameters. Built by hand rather than with the query builder:
 * at thousands of requests a second the builder's per-value parsing is a visible share of the
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

export function createAccessLogRepository(db: Db) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    /** Writes the rows, INSERT_BATCH_ROWS to a statement. */
    async insert(rows: AccessEntry[]): Promise<void> {
      for (let i = 0; i < rows.length; i += INSERT_BATCH_ROWS) {
        await db.executeQuery(insertRows(rows.slice(i, i + INSERT_BATCH_ROWS), pg));
      }
    },
    /** Newest first, at most `limit` rows. */
    find(f: AccessLogFilter, limit: number): Promise<ApiAccessLogRow[]> {
      let q = db.selectFrom('api_access_log').selectAll();
      if (f.key_id) q = q.where('key_id', '=', f.key_id);
      if (f.account_id) q = q.where('account_id', '=', f.account_id);
      if (f.widget_id) q = q.where('widget_id', '=', f.widget_id);
      if (f.status) q = q.where('status', '=', f.status);
      if (f.status_class) {
        q = q.where('status', '>=', f.status_class * 100).where('status', '<', f.status_class * 100 + 100);
      }
      if (f.route) q = q.where('route', '=', f.route);
      if (f.ip) q = q.where('ip', '=', f.ip);
      if (f.from !== undefined) q = q.where('at', '>=', f.from);
      if (f.to !== undefined) q = q.where('at', '<', f.to);
      if (f.before !== undefined) q = q.where('id', '<', f.before);
      return q.orderBy('id', 'desc').limit(limit).execute();
    },
  };
}
