/**
 * CRM use cases: clients and their KYC (with history), accounts and subaccounts, deposits and
 * withdrawals, notes, one activity timeline per client, applying the platform's site events, and
 * SSO impersonation. Every change writes the timeline and the audit log in the same use case.
 */
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { formatCents } from '../../infra/money.ts';
import type { JobContext } from '../../infra/queue/types.ts';
import type { SiteEventPayload } from '../../jobs.ts';
import { AppError } from '../../http/errors.ts';
import type { Actor, RequestMeta } from '../audit/audit.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { eventDataSchemas, type KycStatus, type SiteEventData, type SiteEventName } from './crm.ts';
import { createCrmRepository, type ClientFilter } from './crm.repository.ts';
import type { ClientRow, CrmAccountRow } from './crm.table.ts';
import { signSsoToken, SSO_TTL_SECONDS } from './sso.ts';

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

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

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

function encodeCursor(at: number, id: string): string {
  return Buffer.from(`${at}:${id}`).toString('base64url');
}
function decodeCursor(c: string | undefined): { at: number; id: string } | null {
  if (!c) return null;
  const m = /^(\d{1,15}):([A-Za-z0-9_]{1,64})$/.exec(Buffer.from(c, 'base64url').toString());
  if (!m) throw new AppError('validation_failed', 'cursor is not valid', { errors: [{ field: 'query.cursor', message: 'is not valid' }] });
  return { at: Number(m[1]), id: m[2]! };
}

export interface CrmServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  ssoSecret: string;
  tradingPlatformUrl: string;
  /**
   * Whether the trading platform the SSO links open has a trader with this email (the platform
   * signs in by `clientEmail`). Null when that platform is another system the CRM cannot ask:
   * then a client counts as having an account once the platform has registered it (`clientId`).
   */
  tradingPlatformHasTrader: ((email: string) => Promise<boolean>) | null;
}

export function createCrmService(deps: CrmServiceDeps) {
  const { db, clock, audit } = deps;
  const repo = createCrmRepository(db);

  async function clientByEmail(email: string): Promise<ClientRow> {
    const row = await repo.findClientByEmail(email.trim().toLowerCase());
    if (!row) throw new AppError('not_found', `No client with email ${email}`);
    return row;
  }
  async function clientById(id: string): Promise<ClientRow> {
    const row = await repo.findClient(id);
    if (!row) throw new AppError('not_found', `No client ${id}`);
    return row;
  }

  function activity(tx: Db, clientId: string, type: string, summary: string, actor: Actor, data: Record<string, unknown> | null, at: number): Promise<unknown> {
    return repo.insertActivity({ id: newId('act', 20), client_id: clientId, type, summary, data: data ? JSON.stringify(data) : null, actor_type: actor.type, actor_id: actor.label ?? actor.id, at }, tx);
  }

  /** Finds the client of an event by email, creating a minimal one when an event outruns client.registered. */
  async function ensureClient(tx: Db, email: string, externalId: string | undefined, at: number): Promise<ClientRow> {
    const found = await repo.findClientByEmail(email, tx);
    if (found) {
      if (externalId && !found.external_id) await repo.updateClient(found.id, { external_id: externalId }, tx);
      return found;
    }
    const row: ClientRow = { id: newId('cli', 16), external_id: externalId ?? null, email, first_name: null, last_name: null, phone: null, country: null, status: 'active', kyc_status: 'not_started', kyc_notes: null, source: 'platform', created_at: at, updated_at: at };
    await repo.insertClient(row, tx);
    return row;
  }

  async function changeKyc(tx: Db, client: ClientRow, status: KycStatus, notes: string | null | undefined, actor: Actor, at: number): Promise<void> {
    await repo.updateClient(client.id, { kyc_status: status, ...(notes !== undefined ? { kyc_notes: notes } : {}), updated_at: at }, tx);
    await repo.insertKycHistory({ id: newId('kyc', 16), client_id: client.id, from_status: client.kyc_status, to_status: status, notes: notes ?? null, actor_type: actor.type, actor_id: actor.label ?? actor.id, at }, tx);
    await activity(tx, client.id, 'kyc.updated', `KYC ${client.kyc_status} → ${status}${notes ? `: ${notes}` : ''}`, actor, { from: client.kyc_status, to: status, notes: notes ?? null }, at);
  }

  const platformActor: Actor = { type: 'platform', id: 'trading-platform', label: 'trading platform' };

  /** Applies one site event inside `tx`. Idempotent by construction (upserts, unique transaction ids). */
  async function apply(tx: Db, event: SiteEventName, raw: unknown, happenedAt: number, eventId: string): Promise<string> {
    const now = clock.now();
    switch (event) {
      case 'client.registered': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'client.registered'>;
        const existing = await repo.findClientByEmail(d.email, tx);
        const values = { external_id: d.clientId, first_name: d.firstName ?? null, last_name: d.lastName ?? null, phone: d.phone ?? null, ...(d.country ? { country: d.country.toUpperCase() } : {}), updated_at: now };
        let client: ClientRow;
        if (existing) {
          await repo.updateClient(existing.id, values, tx);
          client = existing;
        } else {
          client = { id: newId('cli', 16), email: d.email, status: 'active', kyc_status: 'not_started', kyc_notes: null, source: 'platform', country: null, created_at: happenedAt, ...values };
          await repo.insertClient(client, tx);
        }
        await activity(tx, client.id, 'client.registered', `Registered on the trading platform as ${[d.firstName, d.lastName].filter(Boolean).join(' ') || d.email}`, platformActor, { clientId: d.clientId, eventId }, happenedAt);
        return client.id;
      }
      case 'deposit.completed':
      case 'withdrawal.completed': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'deposit.completed'>;
        const client = await ensureClient(tx, d.email, d.clientId, happenedAt);
        const type = event === 'deposit.completed' ? 'deposit' : 'withdrawal';
        const completedAt = d.completedAt ? Date.parse(d.completedAt) : happenedAt;
        const inserted = await repo.insertTransaction(
          { id: newId('txn', 16), client_id: client.id, external_id: `${type}:${d.transactionId}`, account_external_id: d.accountId ?? null, type, amount_cents: d.amount, currency: d.currency, method: d.method ?? null, completed_at: completedAt, created_at: now },
          tx,
        );
        if (inserted) {
          await activity(tx, client.id, event, `${type === 'deposit' ? 'Deposit' : 'Withdrawal'} of ${formatCents(d.amount)} ${d.currency}${d.method ? ` by ${d.method}` : ''}`, platformActor, { transactionId: d.transactionId, amount: formatCents(d.amount), currency: d.currency, accountId: d.accountId ?? null, eventId }, completedAt);
        }
        return client.id;
      }
      case 'kyc.updated': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'kyc.updated'>;
        const client = await ensureClient(tx, d.email, d.clientId, happenedAt);
        const fresh = (await repo.findClient(client.id, tx))!;
        await changeKyc(tx, fresh, d.kycStatus, d.kycNotes, platformActor, happenedAt);
        return client.id;
      }
      case 'account.updated': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'account.updated'>;
        const client = await ensureClient(tx, d.email, d.clientId, happenedAt);
        const found = await repo.findAccountByExternal(d.accountId, tx);
        const values = {
          ...(d.parentAccountId !== undefined ? { parent_external_id: d.parentAccountId } : {}),
          ...(d.login !== undefined ? { login: d.login } : {}),
          ...(d.server !== undefined ? { server: d.server } : {}),
          ...(d.type !== undefined ? { type: d.type } : {}),
          ...(d.phase !== undefined ? { phase: d.phase } : {}),
          status: d.status,
          ...(d.currency !== undefined ? { currency: d.currency } : {}),
          ...(d.balance !== undefined ? { balance_cents: d.balance } : {}),
          ...(d.equity !== undefined ? { equity_cents: d.equity } : {}),
          updated_at: now,
        };
        if (found) await repo.updateAccount(found.id, values, tx);
        else
          await repo.insertAccount(
            { id: newId('acc', 16), client_id: client.id, external_id: d.accountId, parent_external_id: null, login: null, server: null, type: null, phase: null, currency: null, balance_cents: null, equity_cents: null, created_at: happenedAt, ...values },
            tx,
          );
        const change = d.change ?? (found ? 'updated' : 'created');
        const label = `Account ${d.login ?? d.accountId}${d.phase ? ` (${d.phase})` : ''}`;
        const summary =
          change === 'challenge_passed' ? `${label} passed its challenge` : change === 'challenge_failed' ? `${label} failed its challenge` : change === 'created' ? `${label} opened` : `${label} ${d.status}`;
        await activity(tx, client.id, 'account.updated', summary, platformActor, { accountId: d.accountId, status: d.status, change, eventId }, happenedAt);
        return client.id;
      }
    }
  }

  return {
    /** Queue handler of `crm.site-event`: applies a received event once. */
    async processSiteEvent(payload: SiteEventPayload, ctx: JobContext): Promise<void> {
      const row = await repo.findEvent(payload.event_id);
      if (!row || row.status !== 'received') return;
      try {
        const body = JSON.parse(row.payload) as { event: SiteEventName; data: unknown; timestamp: string };
        const happenedAt = Date.parse(body.timestamp);
        const clientId = await db.transaction().execute(async (tx) => {
          if ((await repo.eventStatus(row.id, tx)) !== 'received') return null; // a concurrent run finished it
          const id = await apply(tx, body.event, body.data, happenedAt, row.id);
          await repo.finishEvent(row.id, { status: 'processed', processed_at: clock.now() }, tx);
          return id;
        });
        if (clientId) await audit.tryRecord({ actorType: 'platform', actorId: 'site-webhook', action: 'webhook.processed', targetType: 'client', targetId: clientId, meta: { event: body.event, eventId: row.id } });
      } catch (err) {
        if (ctx.attempt < ctx.maxAttempts) throw err;
        await repo.finishEvent(row.id, { status: 'failed', error: (err as Error).message.slice(0, 500), processed_at: clock.now() });
        await audit.tryRecord({ actorType: 'platform', actorId: 'site-webhook', action: 'webhook.processed', outcome: 'failure', meta: { event: row.event, eventId: row.id, error: (err as Error).message.slice(0, 200) } });
      }
    },

    /** Received events whose queue job was lost, and dedupe keys past their keep time. */
    async stuckEvents(olderThanMs: number): Promise<string[]> {
      return (await repo.stuckEvents(clock.now() - olderThanMs, 500)).map((r) => r.id);
    },
    pruneEvents(keepMs: number): Promise<unknown> {
      return repo.pruneEvents(clock.now() - keepMs);
    },

    async listClients(filter: ClientFilter, page: number, pageSize: number): Promise<{ items: ClientView[]; total: number; page: number; pageSize: number }> {
      const { rows, total } = await repo.listClients(filter, pageSize, (page - 1) * pageSize);
      return { items: rows.map(clientView), total, page, pageSize };
    },

    async getClient(id: string): Promise<ClientView & { kycHistory: Array<{ from: string | null; to: string; notes: string | null; by: string; at: string }> }> {
      const row = await clientById(id);
      const history = await repo.kycHistory(row.id);
      return { ...clientView(row), kycHistory: history.map((h) => ({ from: h.from_status, to: h.to_status, notes: h.notes, by: `${h.actor_type}:${h.actor_id ?? ''}`, at: iso(h.at)! })) };
    },

    async getClientByEmail(email: string): Promise<ClientView> {
      return clientView(await clientByEmail(email));
    },

    /** Resolves a client given by id (console) or email (service API). */
    async resolve(ref: { id: string } | { email: string }): Promise<ClientView> {
      return clientView('id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email));
    },

    async accounts(ref: { id: string } | { email: string }): Promise<{ clientId: string; clientEmail: string; accounts: AccountView[] }> {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      return { clientId: client.id, clientEmail: client.email, accounts: nestAccounts(await repo.accounts(client.id)) };
    },

    async transactions(id: string) {
      const client = await clientById(id);
      return {
        items: (await repo.transactions(client.id)).map((t) => ({ id: t.id, transactionId: t.external_id.replace(/^(deposit|withdrawal):/, ''), type: t.type, amount: formatCents(Number(t.amount_cents)), currency: t.currency, accountId: t.account_external_id, method: t.method, completedAt: iso(t.completed_at)! })),
      };
    },

    async updateKyc(ref: { id: string } | { email: string }, input: { kycStatus: KycStatus; kycNotes?: string | undefined }, actor: Actor, meta: RequestMeta): Promise<ClientView> {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      const at = clock.now();
      await db.transaction().execute((tx) => changeKyc(tx, client, input.kycStatus, input.kycNotes, actor, at));
      await audit.record({ actorType: actor.type, actorId: actor.id, action: 'client.kyc_updated', targetType: 'client', targetId: client.id, ip: meta.ip, requestId: meta.requestId, meta: { from: client.kyc_status, to: input.kycStatus } });
      return clientView((await repo.findClient(client.id))!);
    },

    async addNote(ref: { id: string } | { email: string }, comment: string, actor: Actor, meta: RequestMeta) {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      const at = clock.now();
      const id = newId('note', 16);
      await db.transaction().execute(async (tx) => {
        await repo.insertNote({ id, client_id: client.id, body: comment, author_type: actor.type, author_id: actor.label ?? actor.id, created_at: at }, tx);
        await activity(tx, client.id, 'note.added', comment.length > 140 ? `${comment.slice(0, 139)}…` : comment, actor, { noteId: id }, at);
      });
      await audit.record({ actorType: actor.type, actorId: actor.id, action: 'client.note_added', targetType: 'client', targetId: client.id, ip: meta.ip, requestId: meta.requestId, meta: { noteId: id } });
      return { id, clientId: client.id, comment, author: { type: actor.type, id: actor.label ?? actor.id }, createdAt: iso(at)! };
    },

    async notes(id: string) {
      const client = await clientById(id);
      return { items: (await repo.notes(client.id)).map((n) => ({ id: n.id, comment: n.body, author: { type: n.author_type, id: n.author_id }, createdAt: iso(n.created_at)! })) };
    },

    async activity(ref: { id: string } | { email: string }, limit: number, cursor: string | undefined): Promise<{ clientId: string; clientEmail: string; items: ActivityView[]; nextCursor: string | null }> {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      const rows = await repo.activity(client.id, limit + 1, decodeCursor(cursor));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        clientId: client.id,
        clientEmail: client.email,
        items: page.map((a) => ({ id: a.id, type: a.type, summary: a.summary, data: a.data ? (JSON.parse(a.data) as Record<string, unknown>) : null, actor: { type: a.actor_type, id: a.actor_id }, at: iso(a.at)! })),
        nextCursor: rows.length > limit && last ? encodeCursor(Number(last.at), last.id) : null,
      };
    },

    /** Admin impersonation: a 15-minute single-use SSO token into the trading platform. */
    async impersonate(clientId: string, staff: { id: string; email: string }, reason: string, meta: RequestMeta): Promise<{ ssoToken: string; ssoUrl: string; expiresIn: number }> {
      const client = await clientById(clientId);
      // A link for someone the platform does not know could only answer 401 there: refuse here, saying why.
      const hasAccount = deps.tradingPlatformHasTrader ? await deps.tradingPlatformHasTrader(client.email) : client.external_id !== null;
      if (!hasAccount) {
        await audit.record({ actorType: 'staff', actorId: staff.id, action: 'client.impersonate', outcome: 'denied', targetType: 'client', targetId: client.id, ip: meta.ip, requestId: meta.requestId, meta: { reason, clientEmail: client.email, refused: 'no_platform_account' } });
        throw new AppError(
          'conflict',
          `${client.email} has no account on the trading platform, so there is no dashboard to open: impersonation signs in to a trader's existing account. Ask the client to sign up on the trading platform first.`,
        );
      }
      const signed = await signSsoToken(deps.ssoSecret, { clientEmail: client.email, impersonatedBy: staff.email, reason, nowMs: clock.now() });
      await db.transaction().execute((tx) => activity(tx, client.id, 'impersonation.started', `${staff.email} opened the trader's dashboard: ${reason}`, { type: 'staff', id: staff.id, label: staff.email }, { reason, jti: signed.jti }, clock.now()));
      await audit.record({ actorType: 'staff', actorId: staff.id, action: 'client.impersonate', targetType: 'client', targetId: client.id, ip: meta.ip, requestId: meta.requestId, meta: { reason, jti: signed.jti, clientEmail: client.email, expiresAt: new Date(signed.exp * 1000).toISOString() } });
      return { ssoToken: signed.token, ssoUrl: `${deps.tradingPlatformUrl}/sso/impersonate?token=${encodeURIComponent(signed.token)}`, expiresIn: SSO_TTL_SECONDS };
    },

  };
}

export type CrmService = ReturnType<typeof createCrmService>;
