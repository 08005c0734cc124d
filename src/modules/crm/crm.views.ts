/**
 * What the CRM's routes answer for clients, accounts (subaccounts nested under their parent) and the
 * activity timeline, made from table rows; and the timeline's keyset cursor. Pure: no I/O.
 */
import { AppError } from '../../http/errors.ts';
import { formatCents } from '../../infra/money.ts';
import type { ClientRow, CrmAccountRow } from './crm.table.ts';

export type ClientView = {
  id: string;
  clientId: string | null;
  email: string;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  country: string | null;
  status: string;
  kycStatus: string;
  kycNotes: string | null;
  source: string;
  createdAt: string;
  updatedAt: string;
};

export type AccountView = {
  id: string;
  accountId: string;
  parentAccountId: string | null;
  login: string | null;
  server: string | null;
  type: string | null;
  phase: string | null;
  status: string | null;
  currency: string | null;
  balance: string | null;
  equity: string | null;
  createdAt: string;
  updatedAt: string;
  subaccounts: AccountView[];
};

export type ActivityView = {
  id: string;
  type: string;
  summary: string;
  data: Record<string, unknown> | null;
  actor: { type: string; id: string | null };
  at: string;
};

export const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function clientView(r: ClientRow): ClientView {
  return {
    id: r.id,
    clientId: r.external_id,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    phone: r.phone,
    country: r.country,
    status: r.status,
    kycStatus: r.kyc_status,
    kycNotes: r.kyc_notes,
    source: r.source,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

function accountView(r: CrmAccountRow): AccountView {
  return {
    id: r.id,
    accountId: r.external_id,
    parentAccountId: r.parent_external_id,
    login: r.login,
    server: r.server,
    type: r.type,
    phase: r.phase,
    status: r.status,
    currency: r.currency,
    balance: r.balance_cents === null ? null : formatCents(Number(r.balance_cents)),
    equity: r.equity_cents === null ? null : formatCents(Number(r.equity_cents)),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    subaccounts: [],
  };
}

/** Accounts with their subaccounts nested under the parent (orphans stay at the top level). */
export function nestAccounts(rows: CrmAccountRow[]): AccountView[] {
  const views = rows.map(accountView);
  const byExternal = new Map(views.map((v) => [v.accountId, v]));
  const top: AccountView[] = [];
  for (const v of views) {
    const parent = v.parentAccountId ? byExternal.get(v.parentAccountId) : undefined;
    if (parent && parent !== v) parent.subaccounts.push(v);
    else top.push(v);
  }
  return top;
}

export function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}
export function decodeCursor(c: string | undefined): { at: number; id: string } | null {
  if (!c) return null;
  const m = /^(\d{1,15}):([A-Za-z0-9_]{1,64})$/.exec(Buffer.from(c, 'base64url').toString());
  if (!m)
    throw new AppError('validation_failed', 'cursor is not valid', {
      errors: [{ field: 'query.cursor', message: 'is not valid' }],
    });
  return { at: Number(m[1]), id: m[2]! };
}
