/** Zod fields shared by rule specs (reference/rules.md §3): limits, comparators, tolerances, zones. */
import { z } from 'zod';
import { isValidZone } from './days.ts';

export const pct = z.number().finite().gt(0, 'must be greater than 0').max(100, 'must be at most 100');
/** `lt`: breach when the value drops below the floor ("drops below", FTMO); `lte`: at or below (E8). */
export const comparator = z.enum(['lt', 'lte']).default('lt');
/**
 * Ceilings (lots, positions, trades, risk, idle time, best-day share): `gt` breaches only above the
 * limit (exactly the limit is allowed, the usual "max N"); `gte` breaches on reaching it ("fewer than N").
 */
export const ceilingComparator = z.enum(['gt', 'gte']).default('gt');
/** Whether `value` breaches the ceiling `limit` (tolerance already added) under `cmp`. */
export const exceeds = (value: number, limit: number, cmp: 'gt' | 'gte'): boolean =>
  cmp === 'gt' ? value > limit : value >= limit;
/** Account currency; e.g. 0.01 is propfirm-engine's one-cent default. */
export const tolerance = z.number().finite().min(0).max(1_000_000).default(0);
export const severity = z.enum(['hard', 'soft_pause', 'warning']).default('hard');
export const resetTz = z
  .string()
  .refine(isValidZone, 'must be an IANA time zone such as Europe/Prague')
  .default('Europe/Prague');
export const resetTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
  .default('00:00');
