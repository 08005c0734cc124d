/**
 * The account API's access log: every request (and every SSE connection) with key, account,
 * route template, status, client IP, time and latency — metadata only, never keys, tokens or
 * passwords (reference/security.md §7). Rows are buffered and written in batches so logging costs
 * the request almost nothing; a failed write is logged, never fails the request. Staff query it
 * with filters.
 */
import type { Clock } from '../../infra/clock.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { type AccessEntry, type AccessLogFilter, createAccessLogRepository } from './access-log.repository.ts';

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

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point (log injection)
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** Control characters out (log injection), length capped. */
const clean = (s: string | null | undefined, max = 200) =>
  s === null || s === undefined ? null : s.replace(CONTROL_CHARACTERS, ' ').slice(0, max);

export function createAccessLog({
  db,
  clock,
  logger,
  flushMs = 250,
  maxBatch = 500,
}: {
  db: Db;
  clock: Clock;
  logger: Logger;
  flushMs?: number;
  maxBatch?: number;
}) {
  const repo = createAccessLogRepository(db);
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
        await repo.insert(rows);
      } catch (err) {
        logger.error({ err: (err as Error).message, rows: rows.length }, 'access log write failed');
      }
    });
    return flushing;
  }

  return {
    record(e: AccessEntry): void {
      // Fastify's request.ip is undefined once the client has hung up: recorded as ''.
      buffer.push({
        ...e,
        route: clean(e.route)!,
        forwarded_for: clean(e.forwarded_for),
        reason: clean(e.reason),
        ip: clean(e.ip, 64) ?? '',
        at: e.at ?? clock.now(),
      });
      if (buffer.length >= maxBatch) void flush();
      else if (!timer) {
        timer = setTimeout(() => void flush(), flushMs);
        timer.unref();
      }
    },
    flush,
    async query(f: AccessLogFilter, limit = 100): Promise<{ items: AccessLogView[]; next_before: number | null }> {
      await flush();
      const rows = await repo.find(f, Math.min(Math.max(limit, 1), 1000) + 1);
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
