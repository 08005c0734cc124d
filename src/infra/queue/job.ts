/**
 * Typed jobs: `defineJob({ name, payload, handler })` declares a kind of job once; producers call
 * `queue.enqueue(job, payload)` with the payload type inferred from the schema, and the worker
 * side validates every payload against the same schema before the handler sees it.
 */
import type { z } from 'zod';
import type { JobContext, JobHandler, JobKind, JobPayload } from './types.ts';

export interface JobDefinition<Payload extends JobPayload, Services> extends JobKind<Payload> {
  /** Method syntax on purpose: a list of definitions holds handlers of different payloads. */
  handler(payload: Payload, ctx: JobContext, services: Services): Promise<void>;
}

export function defineJob<Payload extends JobPayload, Services>(definition: {
  name: string;
  payload: z.ZodType<Payload>;
  handler: (payload: Payload, ctx: JobContext, services: Services) => Promise<void>;
}): JobDefinition<Payload, Services> {
  return Object.freeze({ ...definition });
}

/** A payload that does not match its job's schema: retrying cannot help, so the job fails at once. */
export class InvalidJobPayload extends Error {
  override readonly name = 'InvalidJobPayload';
}

/**
 * The queue's handler table for a list of job definitions, each handler bound to `services`.
 * Every payload is parsed with its job's schema first; one that does not match throws
 * InvalidJobPayload naming the job and each field at fault.
 */
export function jobHandlers<Services>(
  jobs: ReadonlyArray<JobDefinition<JobPayload, Services>>,
  services: Services,
): Record<string, JobHandler> {
  const handlers: Record<string, JobHandler> = {};
  for (const job of jobs) {
    if (handlers[job.name]) throw new Error(`two job definitions are named ${job.name}`);
    handlers[job.name] = async (payload, ctx) => {
      const parsed = job.payload.safeParse(payload);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'payload'}: ${issue.message}`);
        throw new InvalidJobPayload(`job ${job.name}: payload does not match its schema (${problems.join('; ')})`);
      }
      await job.handler(parsed.data, ctx, services);
    };
  }
  return handlers;
}
