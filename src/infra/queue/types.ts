/**
 * One queue interface, two backends: the durable local queue kept in the database (default)
 * and BullMQ on Redis (REDIS_URL). Delivery is at-least-once: handlers must be idempotent.
 * Job payloads carry ids only — never credentials (BullMQ stores data in clear text).
 * Jobs are declared with `defineJob` (job.ts) and listed in src/jobs.ts.
 */
import type { z } from 'zod';

/** The shape every job payload schema describes: a flat JSON object of ids and counters. */
export type JobPayload = Record<string, string | number | boolean | null>;

/** What a producer needs to enqueue a job: its stable name and its payload schema. */
export interface JobKind<Payload extends JobPayload> {
  /** The name stored with each queued job; never renamed, since queued jobs outlive a release. */
  readonly name: string;
  readonly payload: z.ZodType<Payload>;
}

export interface JobContext {
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
  jobId: string;
}

/** A backend's handler: receives the payload as stored (jobHandlers() validates it before the job's own handler). */
export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<void>;

export interface EnqueueOptions {
  /** Deterministic id: enqueuing an id that is already waiting is a no-op. */
  id?: string;
  delayMs?: number;
  /** Attempts before the job is marked failed (retries back off exponentially). */
  maxAttempts?: number;
}

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueue {
  readonly kind: 'local' | 'bullmq';
  enqueue<Payload extends JobPayload>(
    job: JobKind<Payload>,
    payload: NoInfer<Payload>,
    opts?: EnqueueOptions,
  ): Promise<void>;
  /** Starts processing; handlers (from jobHandlers()) are looked up by job name. */
  start(handlers: Record<string, JobHandler>, opts: { concurrency: number }): Promise<void>;
  /** Stops taking jobs and waits for running ones (at most timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
  stats(): Promise<QueueStats>;
  ping(): Promise<boolean>;
  /**
   * Jobs were queued through another connection to this queue's store (a monitor thread of this
   * process): look for them now rather than at the next poll. A queue told by its store needs nothing.
   */
  nudge?(): void;
  /** Housekeeping: forget finished jobs past their retention. */
  prune(): Promise<number>;
  close(): Promise<void>;
}

/** Retry delay after a failed attempt: 1 s, 2 s, 4 s … capped at 5 min. */
export function retryDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 300_000);
}
