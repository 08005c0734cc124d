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
