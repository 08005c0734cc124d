/**
 * CRM domain: KYC statuses, the five site events and their `data` (as the trading platform sends
 * them, money converted to integer cents). Pure: no I/O.
 */
import { z } from 'zod';
import { parseCents } from '../../infra/money.ts';
import { mt5LoginSchema, mt5ServerSchema } from '../../mt5/identifiers.ts';

const KYC_STATUSES = ['not_started', 'pending', 'in_review', 'approved', 'rejected'] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];
export const kycStatusSchema = z.enum(KYC_STATUSES);

export const SITE_EVENTS = [
  'client.registered',
  'deposit.completed',
  'withdrawal.completed',
  'kyc.updated',
  'account.updated',
] as const;
export type SiteEventName = (typeof SITE_EVENTS)[number];

const email = z.string().trim().toLowerCase().email().max(254);
const id = z.union([z.string().min(1).max(200), z.number().int()]).transform(String);
const text = (max: number) => z.string().trim().max(max);

/** Money arrives as a JSON number (`250.5`) or a decimal string (`"250.50"`), at most two decimals. */
const money = z.union([z.number(), z.string().max(32)]).transform((v, ctx) => {
  const c = parseCents(v);
  if (c === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an amount with at most two decimals' });
    return z.NEVER;
  }
  return c;
});
const positiveMoney = money.refine((c) => c > 0, 'must be greater than 0');
const instant = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date-time');

/** `data` of each event. Extra fields are kept (a platform may send more than we read). */
export const eventDataSchemas = {
  // The seed's example: {clientId, email, firstName, lastName, phone}.
  'client.registered': z.looseObject({
    clientId: id,
    email,
    firstName: text(100).optional(),
    lastName: text(100).optional(),
    phone: text(40).optional(),
    country: text(2).optional(),
  }),
  'deposit.completed': z.looseObject({
    transactionId: id,
    clientId: id.optional(),
    email,
    accountId: id.optional(),
    amount: positiveMoney,
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
    method: text(50).optional(),
    completedAt: instant.optional(),
  }),
  'withdrawal.completed': z.looseObject({
    transactionId: id,
    clientId: id.optional(),
    email,
    accountId: id.optional(),
    amount: positiveMoney,
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
    method: text(50).optional(),
    completedAt: instant.optional(),
  }),
  'kyc.updated': z.looseObject({
    clientId: id.optional(),
    email,
    kycStatus: kycStatusSchema,
    kycNotes: text(2000).optional(),
  }),
  'account.updated': z.looseObject({
    clientId: id.optional(),
    email,
    accountId: id,
    parentAccountId: id.optional().nullable(),
    login: mt5LoginSchema.optional(),
    server: mt5ServerSchema.optional(),
    type: text(40).optional(),
    phase: text(40).optional(),
    status: text(40),
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    balance: money.optional(),
    equity: money.optional(),
    /** What changed: created, status_changed, challenge_passed, challenge_failed, balance_changed, … */
    change: text(60).optional(),
    /** Why a challenge ended: the rule broken first and when (or when it passed), and what decided it. */
    reason: z
      .looseObject({
        source: text(40).optional(),
        rule: text(80).nullable().optional(),
        description: text(500).nullable().optional(),
        at: instant.nullable().optional(),
      })
      .optional(),
  }),
} as const;

export type SiteEventData<E extends SiteEventName> = z.output<(typeof eventDataSchemas)[E]>;

/** The seed's envelope: `{event, data, timestamp}`; `timestamp` is when it happened (may be old). */
export const envelopeSchema = z.looseObject({
  event: z.string().max(100),
  data: z.record(z.string(), z.unknown()),
  timestamp: instant,
  id: z.string().max(200).optional(),
});

/**
 * The "why" of a challenge's end in a timeline summary: `: maximum daily loss at 14:03 UTC` (the
 * rule broken first and its time; the date too when it is not the event's day), ` at 14:03 UTC` for
 * a pass, nothing when the platform said nothing.
 */
export function challengeWhy(
  reason: { rule?: string | null | undefined; at?: string | null | undefined } | undefined,
  happenedAt: number,
): string {
  if (!reason) return '';
  const at = reason.at ? new Date(reason.at) : null;
  let when = '';
  if (at && !Number.isNaN(at.getTime())) {
    const iso = at.toISOString();
    const sameDay = iso.slice(0, 10) === new Date(happenedAt).toISOString().slice(0, 10);
    when = `${sameDay ? '' : ` on ${iso.slice(0, 10)}`} at ${iso.slice(11, 16)} UTC`;
  }
  return reason.rule ? `: ${reason.rule.replace(/_/g, ' ')}${when}` : when;
}
