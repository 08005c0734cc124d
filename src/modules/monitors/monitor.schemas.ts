/** Zod schemas of the monitors API: the check's body plus alert levels, and the answers. */
import { z } from 'zod';
import { checkRequestSchema } from '../checks/check.schemas.ts';

/**
 * POST /api/v1/monitors: the body of POST /api/v1/check (credentials, rules flat, list or preset,
 * callback_url) plus `alerts`, the percentages of a loss limit's room used at which monitor.alert
 * is sent (default [50, 80, 95]).
 */
export const monitorRequestSchema = checkRequestSchema
  .extend({
    alerts: z
      .array(z.number().finite().gt(0, 'each level must be greater than 0').max(100, 'each level must be at most 100'))
      .max(10, 'must hold at most 10 levels')
      .refine((a) => new Set(a).size === a.length, 'must not repeat a level')
      .optional(),
  })
  .strict();

export type MonitorRequest = z.infer<typeof monitorRequestSchema>;

const monitorStatus = z.enum(['active', 'breached', 'passed', 'stale', 'stopped']);

export const monitorIdParams = z.object({ monitor_id: z.string().min(1).max(64) });

export const createResponseSchema = z.object({ monitor_id: z.string(), status: monitorStatus });

export const listQuerySchema = z
  .object({
    status: monitorStatus.optional(),
    /** The `next_cursor` of the previous page. */
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** A monitor: metrics, violations and objectives named as in a check result. Extra fields are allowed. */
export const monitorResponseSchema = z
  .object({
    monitor_id: z.string(),
    user_id: z.string(),
    challenge_id: z.string(),
    mt5_login: z.string(),
    mt5_server: z.string(),
    status: monitorStatus,
    metrics: z.record(z.string(), z.unknown()),
    objectives: z.array(z.record(z.string(), z.unknown())),
    violations: z.array(z.record(z.string(), z.unknown())),
    equity_source: z.string().nullable(),
    /** How old the last observation applied is (null before the first). */
    data_age_ms: z.number().nullable(),
    last_observation_at: z.string().nullable(),
    connection: z.object({
      state: z.enum(['connecting', 'connected', 'error']),
      since: z.string().nullable(),
      last_error: z.string().nullable(),
    }),
    /** The sequence of the last event raised (0: none yet). */
    sequence: z.number().int(),
  })
  .passthrough();

export const listResponseSchema = z.object({
  monitors: z.array(monitorResponseSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: z.string().nullable(),
});
