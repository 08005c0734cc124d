/** Domain of the trading platform: a trader's session, and the events the CRM hears of. */

import { AppError } from '../../http/errors.ts';
import { formatCents } from '../../infra/money.ts';
import type { AuthenticatedKey } from '../api-keys/api-key.service.ts';
import type { PlatformAccountRow, PlatformTraderRow } from './platform.table.ts';

/** The checker is used through its service, as the platform's own tenant. */
export const PLATFORM_TENANT: AuthenticatedKey = {
  keyId: 'platform',
  tenantId: 'platform',
  kid: 'platform',
  ruleDefaults: null,
  allowedCidrs: null,
};

export interface Session {
  tokenHash: string;
  trader: PlatformTraderRow;
  impersonatedBy: string | null;
  expiresAt: number;
}

export function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}

/** Staff signed in through an SSO link may look, but not change money or credentials. */
export function refuseWhileImpersonating(session: Session, what: string): void {
  if (session.impersonatedBy)
    throw new AppError(
      'forbidden',
      `${what} is not allowed while ${session.impersonatedBy} is impersonating this trader`,
    );
}

/** The `client.registered` event's data. */
export function traderEventData(t: PlatformTraderRow) {
  return {
    clientId: t.id,
    email: t.email,
    firstName: t.first_name,
    lastName: t.last_name,
    ...(t.phone ? { phone: t.phone } : {}),
  };
}

/** The `account.updated` event's data; `change` says what happened to the account. */
export function accountEventData(t: PlatformTraderRow, a: PlatformAccountRow, change: string) {
  return {
    clientId: t.id,
    email: t.email,
    accountId: a.id,
    parentAccountId: a.parent_id,
    login: a.login,
    server: a.server,
    type: a.type,
    phase: a.phase,
    status: a.status,
    currency: a.currency,
    balance: formatCents(Number(a.balance_cents)),
    change,
  };
}

/** A rule's name as people read it: `maximum_daily_loss` → "maximum daily loss". */
export const ruleLabel = (rule: string) => rule.replace(/_/g, ' ');

/**
 * Why a challenge ended, for the CRM (`account.updated` data.reason): what decided it (the live
 * monitor or the one-off check), the first hard rule broken with its time, or the time it passed.
 */
export interface ChallengeReason {
  source: 'monitor' | 'check';
  rule: string | null;
  description: string | null;
  at: string;
}

/** The first hard violation by its first breach, or null (a pass). */
export function firstBreach(
  violations: ReadonlyArray<Record<string, unknown>>,
): { rule: string; description: string | null; at: string | null } | null {
  let first: { rule: string; description: string | null; at: string | null } | null = null;
  for (const v of violations) {
    if (v.severity !== undefined && v.severity !== 'hard') continue;
    if (typeof v.rule !== 'string') continue;
    const at = typeof v.first_breach_time === 'string' ? v.first_breach_time : null;
    if (!first || (at !== null && (first.at === null || Date.parse(at) < Date.parse(first.at))))
      first = { rule: v.rule, description: typeof v.description === 'string' ? v.description : null, at };
  }
  return first;
}

export function challengeReason(
  source: ChallengeReason['source'],
  violations: ReadonlyArray<Record<string, unknown>>,
  decidedAt: number,
): ChallengeReason {
  const b = firstBreach(violations);
  return {
    source,
    rule: b?.rule ?? null,
    description: b?.description ?? null,
    at: b?.at ?? new Date(decidedAt).toISOString(),
  };
}
