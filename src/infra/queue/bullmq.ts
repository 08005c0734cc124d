/**
 * BullMQ backend (REDIS_URL). One BullMQ queue per Brymix deployment (prefix), jobs routed to
 * handlers by name. Follows BullMQ's production notes: workers with maxRetriesPerRequest null,
 * producers fail fast, completed jobs trimmed, payloads carry ids only. The producer shares the
 * process's Redis client; the worker blocks, so it gets a connection of its own (a duplicate).
 */
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { RedisConnections } from '../redis.ts';
import { InvalidJobPayload } from './job.ts';
import {
  type EnqueueOptions,
  type JobHandler,
  type JobKind,
  type JobPayload,
  type JobQueue,
  type QueueStats,
  retryDelayMs,
} from './types.ts';

export interface BullQueueOptions {
  redis: RedisConnections;
  prefix: string;
  logger: Logger;
  /** Lock duration for running jobs; a worker that dies releases its jobs after this. */
  lockMs: number;
}

const QUEUE_NAME = 'jobs';

export class BullQueue implements JobQueue {
  readonly kind = 'bullmq' as const;
  readonly #o: BullQueueOptions;
  readonly #queue: Queue;
  #worker: Worker | null = null;
  #workerConn: Redis | null = null;

  constructor(options: BullQueueOptions) {
    this.#o = options;
    this.#queue = new Queue(QUEUE_NAME, { connection: options.redis.client, prefix: options.prefix });
    this.#queue.on('error', (err) => options.logger.warn({ err: err.message }, 'bullmq queue error'));
  }

  async enqueue<Payload extends JobPayload>(
    job: JobKind<Payload>,
    payload: Payload,
    opts: EnqueueOptions = {},
  ): Promise<void> {
    await this.#queue.add(job.name, payload, {
      ...(opts.id ? { jobId: opts.id } : {}),
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      attempts: opts.maxAttempts ?? 1,
      backoff: { type: 'brymix' },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async start(handlers: Record<string, JobHandler>, opts: { concurrency: number }): Promise<void> {
    this.#workerConn = this.#o.redis.duplicate('queue worker', { maxRetriesPerRequest: null });
    this.#worker = new Worker(
      QUEUE_NAME,
      async (job: Job) => {
        const handler = handlers[job.name];
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        try {
          await handler(job.data as unknown, {
            attempt: job.attemptsMade + 1,
            maxAttempts: job.opts.attempts ?? 1,
            jobId: job.id ?? '',
          });
        } catch (err) {
          // BullMQ's way of failing a job without its remaining attempts.
          if (err instanceof InvalidJobPayload) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.#workerConn,
        prefix: this.#o.prefix,
        concurrency: opts.concurrency,
        lockDuration: this.#o.lockMs,
        stalledInterval: Math.max(1000, Math.floor(this.#o.lockMs / 2)),
        maxStalledCount: 10,
        settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade) },
      },
    );
    this.#worker.on('error', (err) => this.#o.logger.warn({ err: err.message }, 'bullmq worker error'));
    this.#worker.on('failed', (job, err) =>
      this.#o.logger.warn(
        { jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, err: err.message },
        'job attempt failed',
      ),
    );
    await this.#worker.waitUntilReady();
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    if (!w) return;
    await Promise.race([w.close(), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    if (timeoutMs === 0) await w.close(true).catch(() => undefined);
    this.#workerConn?.disconnect();
    this.#workerConn = null;
  }

  async stats(): Promise<QueueStats> {
    const c = await this.#queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.#o.redis.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** BullMQ trims by itself: completed jobs are removed at once, failed ones after 7 days. */
  async prune(): Promise<number> {
    return 0;
  }

  /** Removes every job of this prefix (tests only). */
  async obliterate(): Promise<void> {
    await this.#queue.obliterate({ force: true });
  }

  async close(): Promise<void> {
    await this.stop(0);
    // Closing while the connection is still starting (a CLI command that enqueued nothing) cut
    // BullMQ's own start-up commands off, and their "Connection is closed" rejections went unhandled.
    // Bounded: with Redis away the connection never becomes ready, and shutdown must not wait for it.
    await Promise.race([
      this.#queue.waitUntilReady().catch(() => undefined),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    // A queue on a shared connection leaves it open: src/deps.ts closes it last.
    await this.#queue.close();
  }
}
