/**
 * The guide's flat `rules` object and its translation into rule specs. Explicit fields win over a
 * firm's defaults, which win over the built-in defaults (FTMO-style: 10 % max loss, 10 % target,
 * 5 % daily loss reset at midnight Prague, 4-minute minimum trade duration).
 */
import { z } from 'zod';
import { isValidZone } from './days.ts';
import { type RuleSpec, ruleSpecSchema } from './registry.ts';

const percent = z.number().finite().gt(0, 'must be greater than 0').max(100, 'must be at most 100');
const optionalPercent = z
  .number()
  .finite()
  .min(0, 'must be 0 (off) or more')
  .max(100, 'must be at most 100')
  .nullable();

export const flatRulesSchema = z
  .object({
    max_drawdown_percent: percent.optional(),
    profit_target_percent: z
      .number()
      .finite()
      .gt(0, 'must be greater than 0')
      .max(1000, 'must be at most 1000')
      .optional(),
    max_daily_loss_percent: optionalPercent.optional(),
    min_trade_duration_seconds: z
      .number()
      .finite()
      .min(0, 'must be 0 (off) or more')
      .max(86_400, 'must be at most 86400')
      .nullable()
      .optional(),
    min_trading_days: z.number().int('must be a whole number').min(0).max(365).optional(),
    daily_reset_tz: z.string().refine(isValidZone, 'must be an IANA time zone such as Europe/Prague').optional(),
    daily_reset_time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM')
      .optional(),
    /** Cent tolerance on loss limits (account currency). */
    tolerance: z.number().finite().min(0).max(1000).optional(),
  })
  .strict();

export type FlatRules = z.infer<typeof flatRulesSchema>;

const FLAT_DEFAULTS = {
  max_drawdown_percent: 10,
  profit_target_percent: 10,
  max_daily_loss_percent: 5,
  min_trade_duration_seconds: 240,
  min_trading_days: 0,
  daily_reset_tz: 'Europe/Prague',
  daily_reset_time: '00:00',
  tolerance: 0,
} as const;

export type ResolvedFlatRules = {
  -readonly [K in keyof typeof FLAT_DEFAULTS]-?: (typeof FLAT_DEFAULTS)[K] extends string ? string : number | null;
};

/** Every field filled: request, then the firm's defaults, then the built-in defaults. Stored with a job so its verdict can be replayed. */
export function resolveFlatRules(flat: FlatRules, defaults: FlatRules = {}): ResolvedFlatRules {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(FLAT_DEFAULTS) as Array<keyof FlatRules>)
    out[k] =
      flat[k] !== undefined
        ? flat[k]
        : defaults[k] !== undefined
          ? defaults[k]
          : FLAT_DEFAULTS[k as keyof typeof FLAT_DEFAULTS];
  return out as ResolvedFlatRules;
}

export function flatRulesToSpecs(flat: FlatRules, defaults: FlatRules = {}): RuleSpec[] {
  const resolved = resolveFlatRules(flat, defaults);
  const pick = <K extends keyof ResolvedFlatRules>(k: K) => resolved[k];
  const tz = pick('daily_reset_tz') as string;
  const tolerance = pick('tolerance') as number;
  const raw: Array<Record<string, unknown>> = [
    { type: 'max_loss', pct: pick('max_drawdown_percent'), basis: 'static', tolerance },
  ];
  const daily = pick('max_daily_loss_percent');
  if (daily)
    raw.push({
      type: 'daily_loss',
      pct: daily,
      anchor: 'day_start_balance',
      amount: 'pct_of_initial',
      reset_tz: tz,
      reset_time: pick('daily_reset_time'),
      tolerance,
    });
  raw.push({ type: 'profit_target', pct: pick('profit_target_percent') });
  const days = pick('min_trading_days') as number;
  if (days > 0) raw.push({ type: 'min_trading_days', days, reset_tz: tz, reset_time: pick('daily_reset_time') });
  const seconds = pick('min_trade_duration_seconds');
  if (seconds) raw.push({ type: 'min_trade_duration', seconds, aggregation: 'any' });
  const specs = raw.map((r) => ruleSpecSchema.parse(r) as RuleSpec);
  return specs;
}
