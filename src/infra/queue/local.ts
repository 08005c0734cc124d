/**
 * The durable local queue: jobs live in the `queue_jobs` table, so jobs waiting or running when
 * the process dies run after restart. A worker claims a job with a lease (`locked_until`); a
 * lease that runs out (the process died) makes the job claimable again. Claims are conditional
 * updates, so several processes on one PostgreSQL database never run a job twice at once.
 */
import { hostname } from 'node:os';
import { type ExpressionBuilder, PostgresAdapter } from 'kysely';
import type { Clock } from '../clock.ts';
import { newId } from '../crypto/index.ts';
import { compiled } from '../db/compiled.ts';
import type { Db } from '../db/index.ts';
import { isUniqueViolation } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { InvalidJobPayload } from './job.ts';
import type { QueueTables } from './queue.table.ts';
import {
  type EnqueueOptions,
  type JobHandler,
  type JobKind,
  type JobPayload,
  type JobQueue,
  type QueueStats,
  retryDelayMs,
} from './types.ts';

interface ClaimedJob {
  id: string;
  name: string;
  payload: string;
  /** Counting this run. */
  attempts: number;
  max_attempts: number;
  run_at: number;
}

export interface LocalQueueOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  pollMs: number;
  leaseMs: number;
}

// Every job is inserted and finished once: those two statements compiled once (db/compiled.ts).
const insertJob = compiled<QueueTables['queue_jobs'], never>((db, row) => db.insertInto('queue_jobs').values(row));
const finishJob = compiled<{ id: string; worker: string; now: number }, never>((db, p) =>
  db
    .updateTable('queue_jobs')
    .set({ status: 'done', locked_until: null, locked_by: null, updated_at: p.now })
    .where('id', '=', p.id)
    .where('locked_by', '=', p.worker),
);

export class LocalQueue implements JobQueue {
  readonly kind = 'local' as const;
  readonly #o: LocalQueueOptions;
  readonly #workerId = `${hostname()}:${process.pid}:${newId('w', 6)}`;
  #handlers: Record<string, JobHandler> = {};
  #running = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #concurrency = 1;
  #polling = false;
  #wake: (() => void) | null = null;
  /** Claims check their condition again on the rows they lock (PostgreSQL: other processes claim too). */
  readonly #recheck: boolean;

  constructor(options: LocalQueueOptions) {
    this.#o = options;
    this.#recheck = options.db.getExecutor().adapter instanceof PostgresAdapter;
  }

  async enqueue<Payload extends JobPayload>(
    job: JobKind<Payload>,
    payload: Payload,
    opts: EnqueueOptions = {},
  ): Promise<void> {
    const now = this.#o.clock.now();
    const id = opts.id ?? newId('qj');
    try {
      await insertJob.affected(this.#o.db, {
        id,
        name: job.name,
        payload: JSON.stringify(payload),
        status: 'waiting',
        run_at: now + (opts.delayMs ?? 0),
        attempts: 0,
        max_attempts: opts.maxAttempts ?? 1,
        locked_until: null,
        locked_by: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      });
    } catch (err) {
      // A deterministic id that already exists: the job is known; re-arm it only if it finished.
      if (!isUniqueViolation(err)) throw err;
      await this.#o.db
        .updateTable('queue_jobs')
        .set({
          status: 'waiting',
          run_at: now + (opts.delayMs ?? 0),
          attempts: 0,
          updated_at: now,
          payload: JSON.stringify(payload),
        })
        .where('id', '=', id)
        .where('status', 'in', ['done', 'failed'])
        .execute();
    }
    this.#wake?.();
  }

  async start(handlers: Record<string, JobHandler>, opts: { concurrency: number }): Promise<void> {
    this.#handlers = handlers;
    this.#concurrency = opts.concurrency;
    this.#stopped = false;
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), ms);
    this.#wake = () => {
      if (!this.#polling) this.#schedule(0);
    };
  }

  async #poll(): Promise<void> {
    if (this.#stopped || this.#polling) return;
    this.#polling = true;
    let claimedAny = false;
    try {
      while (!this.#stopped && this.#running.size < this.#concurrency) {
        const free = this.#concurrency - this.#running.size;
        const claimed = await this.#claim(free);
        for (const job of claimed) {
          claimedAny = true;
          const p = this.#run(job).finally(() => {
            this.#running.delete(p);
            this.#wake?.();
          });
          this.#running.add(p);
        }
        if (claimed.length < free) break;
      }
    } catch (err) {
      this.#o.logger.error({ err }, 'local queue poll failed');
    } finally {
      this.#polling = false;
      this.#schedule(claimedAny ? 0 : this.#o.pollMs);
    }
  }

  /**
   * Claims up to `limit` jobs, oldest `run_at` first, in one statement that returns what it took:
   * due jobs and jobs whose lease ran out (their worker died), each found on the (status, run_at)
   * index already in run_at order and merged. The merge costs SQLite 2.5 times a claim of due jobs
   * alone (with a backlog of 600 jobs, 0.3–0.5 ms a claim), and jobs whose lease ran out are rare:
   * a look for one comes first, and without one only due jobs are claimed. On PostgreSQL the update
   * checks its condition again on the row it locks, so two processes never take one job: the later
   * one finds it taken and skips it. On SQLite the statement runs under the database's write lock,
   * so the rows it chose cannot change before it updates them; the check is left out there, as
   * SQLite would answer it by scanning every due job instead of looking up the ids.
   */
  async #claim(limit: number): Promise<ClaimedJob[]> {
    const db = this.#o.db;
    const now = this.#o.clock.now();
    const due = db
      .selectFrom('queue_jobs')
      .select(['id', 'run_at'])
      .where(this.#due(now))
      .orderBy('run_at')
      .limit(limit);
    const leaseOver = db
      .selectFrom('queue_jobs')
      .select(['id', 'run_at'])
      .where(this.#leaseOver(now))
      .orderBy('run_at')
      .limit(limit);
    const orphaned = await leaseOver.limit(1).executeTakeFirst();
    const ids = orphaned
      ? db
          .selectFrom(
            db
              .selectFrom(due.as('due'))
              .selectAll()
              .unionAll(db.selectFrom(leaseOver.as('lease_over')).selectAll())
              .orderBy('run_at')
              .limit(limit)
              .as('oldest'),
          )
          .select('oldest.id')
      : due.clearSelect().select('id');
    const claimed = await db
      .updateTable('queue_jobs')
      .set((eb) => ({
        status: 'active',
        locked_until: now + this.#o.leaseMs,
        locked_by: this.#workerId,
        attempts: eb('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', ids)
      .$if(this.#recheck, (qb) =>
        qb.where((eb) => (orphaned ? eb.or([this.#due(now)(eb), this.#leaseOver(now)(eb)]) : this.#due(now)(eb))),
      )
      .returning(['id', 'name', 'payload', 'attempts', 'max_attempts', 'run_at'])
      .execute();
    return claimed.sort((a, b) => a.run_at - b.run_at);
  }

  #due(now: number) {
    return (eb: ExpressionBuilder<Database, 'queue_jobs'>) =>
      eb.and([eb('status', '=', 'waiting'), eb('run_at', '<=', now)]);
  }

  #leaseOver(now: number) {
    return (eb: ExpressionBuilder<Database, 'queue_jobs'>) =>
      eb.and([eb('status', '=', 'active'), eb('locked_until', '<', now)]);
  }

  async #run(job: ClaimedJob): Promise<void> {
    const db = this.#o.db;
    const handler = this.#handlers[job.name];
    // Renew the lease while the handler runs, so a long check is not taken by another worker.
    const renew = setInterval(
      () => {
        void db
          .updateTable('queue_jobs')
          .set({ locked_until: this.#o.clock.now() + this.#o.leaseMs })
          .where('id', '=', job.id)
          .where('locked_by', '=', this.#workerId)
          .execute()
          .catch(() => undefined);
      },
      Math.max(250, Math.floor(this.#o.leaseMs / 3)),
    );
    renew.unref();
    try {
      if (!handler) throw new Error(`no handler for job ${job.name}`);
      await handler(JSON.parse(job.payload) as unknown, {
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        jobId: job.id,
      });
      await finishJob.affected(db, { id: job.id, worker: this.#workerId, now: this.#o.clock.now() });
    } catch (err) {
      const now = this.#o.clock.now();
      const finalAttempt = job.attempts >= job.max_attempts || err instanceof InvalidJobPayload;
      const message = err instanceof Error ? err.message : String(err);
      this.#o.logger.warn(
        { jobId: job.id, job: job.name, attempt: job.attempts, err: message },
        finalAttempt ? 'job failed' : 'job attempt failed, will retry',
      );
      await db
        .updateTable('queue_jobs')
        .set({
          status: finalAttempt ? 'failed' : 'waiting',
          run_at: finalAttempt ? now : now + retryDelayMs(job.attempts),
          locked_until: null,
          locked_by: null,
          last_error: message.slice(0, 1000),
          updated_at: now,
        })
        .where('id', '=', job.id)
        .execute();
    } finally {
      clearInterval(renew);
    }
  }

  nudge(): void {
    this.#wake?.();
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const all = Promise.allSettled([...this.#running]);
    await Promise.race([all, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  async stats(): Promise<QueueStats> {
    const now = this.#o.clock.now();
    const rows = await this.#o.db
      .selectFrom('queue_jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('run_at').as('min_run')])
      .where('status', 'in', ['waiting', 'active', 'failed'])
      .groupBy('status')
      .execute();
    const delayed = await this.#o.db
      .selectFrom('queue_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'waiting')
      .where('run_at', '>', now)
      .executeTakeFirst();
    const by = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    const d = Number(delayed?.n ?? 0);
    return { waiting: by('waiting') - d, active: by('active'), delayed: d, failed: by('failed') };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  /** Done jobs are kept a day and failed ones a week (for inspection), then deleted. */
  async prune(): Promise<number> {
    const now = this.#o.clock.now();
    const r = await this.#o.db
      .deleteFrom('queue_jobs')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'done'), eb('updated_at', '<', now - 86_400_000)]),
          eb.and([eb('status', '=', 'failed'), eb('updated_at', '<', now - 7 * 86_400_000)]),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async close(): Promise<void> {
    await this.stop(0);
  }
}
