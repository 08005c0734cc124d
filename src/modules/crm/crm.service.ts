/**
 * CRM use cases: clients and their KYC (with history), accounts and subaccounts, deposits and
 * withdrawals, notes, one activity timeline per client, applying the platform's site events, and
 * SSO impersonation. Every change writes the timeline and the audit log in the same use case.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { formatCents } from '../../infra/money.ts';
import type { JobContext } from '../../infra/queue/types.ts';
import type { SiteEventPayload } from '../../jobs.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor, RequestMeta } from '../audit/audit.ts';
import { type ClientFilter, createCrmRepository } from './crm.repository.ts';
import type { ClientRow } from './crm.table.ts';
import { eventDataSchemas, type KycStatus, type SiteEventData, type SiteEventName } from './crm.ts';
import {
  type AccountView,
  type ActivityView,
  type ClientView,
  clientView,
  decodeCursor,
  encodeCursor,
  iso,
  nestAccounts,
} from './crm.views.ts';
import { SSO_TTL_SECONDS, signSsoToken } from './sso.ts';

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

  function activity(
    tx: Db,
    clientId: string,
    type: string,
    summary: string,
    actor: Actor,
    data: Record<string, unknown> | null,
    at: number,
  ): Promise<unknown> {
    return repo.insertActivity(
      {
        id: newId('act', 20),
        client_id: clientId,
        type,
        summary,
        data: data ? JSON.stringify(data) : null,
        actor_type: actor.type,
        actor_id: actor.label ?? actor.id,
        at,
      },
      tx,
    );
  }

  /** A client known only by email: what an event creates when it outruns client.registered. */
  function newClient(email: string, createdAt: number, updatedAt: number): ClientRow {
    return {
      id: newId('cli', 16),
      external_id: null,
      email,
      first_name: null,
      last_name: null,
      phone: null,
      country: null,
      status: 'active',
      kyc_status: 'not_started',
      kyc_notes: null,
      source: 'platform',
      created_at: createdAt,
      updated_at: updatedAt,
      kyc_state_at: null,
      profile_state_at: null,
    };
  }

  /**
   * Finds the client of an event by email, creating a minimal one when an event outruns
   * client.registered. Events for one new client may be applied at the same time: all end with one client.
   */
  async function ensureClient(tx: Db, email: string, externalId: string | undefined, at: number): Promise<ClientRow> {
    const row = { ...newClient(email, at, at), external_id: externalId ?? null };
    const { client, inserted } = await repo.findOrInsertClient(row, tx);
    if (!inserted && externalId && !client.external_id) {
      await repo.setClientExternalIdIfMissing(client.id, externalId, tx);
    }
    return client;
  }

  /**
   * Sets a client's KYC under its row lock (so `from` is the status replaced) and records the change;
   * returns the status before. A site event older than the KYC state held (`kyc_state_at`) only joins
   * the timeline; a staff change is the newest state when it is made.
   */
  async function changeKyc(
    tx: Db,
    clientId: string,
    change: { status: KycStatus; notes: string | null | undefined; fromSiteEvent: boolean },
    actor: Actor,
    at: number,
  ): Promise<string> {
    const client = await repo.lockClient(clientId, tx);
    if (!client) throw new AppError('not_found', `No client ${clientId}`);
    const { status, notes } = change;
    const from = client.kyc_status;
    const heldAt = client.kyc_state_at === null ? null : Number(client.kyc_state_at);
    const noted = notes ? `: ${notes}` : '';
    if (change.fromSiteEvent && heldAt !== null && at < heldAt) {
      const summary = `KYC ${status}${noted} (superseded by a later change)`;
      const data = { to: status, notes: notes ?? null, superseded: true };
      await activity(tx, clientId, 'kyc.updated', summary, actor, data, at);
      return from;
    }
    const kycNotes = notes !== undefined ? { kyc_notes: notes } : {};
    const stateAt = Math.max(at, heldAt ?? at);
    await repo.updateClient(clientId, { kyc_status: status, ...kycNotes, updated_at: at, kyc_state_at: stateAt }, tx);
    await repo.insertKycHistory(
      {
        id: newId('kyc', 16),
        client_id: clientId,
        from_status: from,
        to_status: status,
        notes: notes ?? null,
        actor_type: actor.type,
        actor_id: actor.label ?? actor.id,
        at,
      },
      tx,
    );
    const data = { from, to: status, notes: notes ?? null };
    await activity(tx, clientId, 'kyc.updated', `KYC ${from} → ${status}${noted}`, actor, data, at);
    return from;
  }

  const platformActor: Actor = { type: 'platform', id: 'trading-platform', label: 'trading platform' };

  /**
   * Applies one site event inside `tx`. Idempotent by construction (upserts, unique transaction ids).
   * Events are retried and may arrive out of order: one older than the state a client or account
   * holds (`*_state_at`, the time of the event that set it) joins the timeline, marked `superseded`,
   * and changes nothing; of two events of the same time, the one applied last wins.
   */
  async function apply(
    tx: Db,
    event: SiteEventName,
    raw: unknown,
    happenedAt: number,
    eventId: string,
  ): Promise<string> {
    const now = clock.now();
    const superseded = (applied: boolean) => (applied ? {} : { superseded: true });
    switch (event) {
      case 'client.registered': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'client.registered'>;
        const profile = {
          external_id: d.clientId,
          first_name: d.firstName ?? null,
          last_name: d.lastName ?? null,
          phone: d.phone ?? null,
          ...(d.country ? { country: d.country.toUpperCase() } : {}),
          updated_at: now,
        };
        const registered = { ...newClient(d.email, happenedAt, now), ...profile, profile_state_at: happenedAt };
        const { client, inserted } = await repo.findOrInsertClient(registered, tx);
        const applied = inserted || (await repo.updateClientProfileUnlessNewer(client.id, profile, happenedAt, tx));
        if (!applied) await repo.setClientExternalIdIfMissing(client.id, d.clientId, tx);
        const name = [d.firstName, d.lastName].filter(Boolean).join(' ') || d.email;
        const data = { clientId: d.clientId, eventId, ...superseded(applied) };
        const summary = `Registered on the trading platform as ${name}`;
        await activity(tx, client.id, 'client.registered', summary, platformActor, data, happenedAt);
        return client.id;
      }
      case 'deposit.completed':
      case 'withdrawal.completed': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'deposit.completed'>;
        const client = await ensureClient(tx, d.email, d.clientId, happenedAt);
        const type = event === 'deposit.completed' ? 'deposit' : 'withdrawal';
        const completedAt = d.completedAt ? Date.parse(d.completedAt) : happenedAt;
        const inserted = await repo.insertTransaction(
          {
            id: newId('txn', 16),
            client_id: client.id,
            external_id: `${type}:${d.transactionId}`,
            account_external_id: d.accountId ?? null,
            type,
            amount_cents: d.amount,
            currency: d.currency,
            method: d.method ?? null,
            completed_at: completedAt,
            created_at: now,
          },
          tx,
        );
        if (inserted) {
          await activity(
            tx,
            client.id,
            event,
            `${type === 'deposit' ? 'Deposit' : 'Withdrawal'} of ${formatCents(d.amount)} ${d.currency}${d.method ? ` by ${d.method}` : ''}`,
            platformActor,
            {
              transactionId: d.transactionId,
              amount: formatCents(d.amount),
              currency: d.currency,
              accountId: d.accountId ?? null,
              eventId,
            },
            completedAt,
          );
        }
        return client.id;
      }
      case 'kyc.updated': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'kyc.updated'>;
        const client = await ensureClient(tx, d.email, d.clientId, happenedAt);
        const change = { status: d.kycStatus, notes: d.kycNotes, fromSiteEvent: true };
        await changeKyc(tx, client.id, change, platformActor, happenedAt);
        return client.id;
      }
      case 'account.updated': {
        const d = eventDataSchemas[event].parse(raw) as SiteEventData<'account.updated'>;
        const client = await ensureClient(tx, d.email, d.clientId, happenedAt);
        const state = {
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
          state_at: happenedAt,
        };
        const inserted = await repo.insertAccountIfNew(
          {
            id: newId('acc', 16),
            client_id: client.id,
            external_id: d.accountId,
            parent_external_id: null,
            login: null,
            server: null,
            type: null,
            phase: null,
            currency: null,
            balance_cents: null,
            equity_cents: null,
            created_at: happenedAt,
            ...state,
          },
          tx,
        );
        const applied = inserted || (await repo.updateAccountUnlessNewer(d.accountId, state, tx));
        const change = d.change ?? (inserted ? 'created' : 'updated');
        const label = `Account ${d.login ?? d.accountId}${d.phase ? ` (${d.phase})` : ''}`;
        const summary =
          change === 'challenge_passed'
            ? `${label} passed its challenge`
            : change === 'challenge_failed'
              ? `${label} failed its challenge`
              : change === 'created'
                ? `${label} opened`
                : `${label} ${d.status}`;
        const data = { accountId: d.accountId, status: d.status, change, eventId, ...superseded(applied) };
        await activity(tx, client.id, 'account.updated', summary, platformActor, data, happenedAt);
        return client.id;
      }
    }
  }

  return {
    /** Queue handler of `crm.site-event`: applies a received event once. */
    async processSiteEvent(payload: SiteEventPayload, ctx: JobContext): Promise<void> {
      const row = await repo.findEvent(payload.event_id);
      if (row?.status !== 'received') return;
      try {
        const body = JSON.parse(row.payload) as { event: SiteEventName; data: unknown; timestamp: string };
        const happenedAt = Date.parse(body.timestamp);
        const clientId = await db.transaction().execute(async (tx) => {
          if ((await repo.eventStatus(row.id, tx)) !== 'received') return null; // a concurrent run finished it
          const id = await apply(tx, body.event, body.data, happenedAt, row.id);
          await repo.finishEvent(row.id, { status: 'processed', processed_at: clock.now() }, tx);
          return id;
        });
        if (clientId)
          await audit.tryRecord({
            actorType: 'platform',
            actorId: 'site-webhook',
            action: 'webhook.processed',
            targetType: 'client',
            targetId: clientId,
            meta: { event: body.event, eventId: row.id },
          });
      } catch (err) {
        if (ctx.attempt < ctx.maxAttempts) throw err;
        await repo.finishEvent(row.id, {
          status: 'failed',
          error: (err as Error).message.slice(0, 500),
          processed_at: clock.now(),
        });
        await audit.tryRecord({
          actorType: 'platform',
          actorId: 'site-webhook',
          action: 'webhook.processed',
          outcome: 'failure',
          meta: { event: row.event, eventId: row.id, error: (err as Error).message.slice(0, 200) },
        });
      }
    },

    /** Received events whose queue job was lost, and dedupe keys past their keep time. */
    async stuckEvents(olderThanMs: number): Promise<string[]> {
      return (await repo.stuckEvents(clock.now() - olderThanMs, 500)).map((r) => r.id);
    },
    pruneEvents(keepMs: number): Promise<unknown> {
      return repo.pruneEvents(clock.now() - keepMs);
    },

    async listClients(
      filter: ClientFilter,
      page: number,
      pageSize: number,
    ): Promise<{ items: ClientView[]; total: number; page: number; pageSize: number }> {
      const { rows, total } = await repo.listClients(filter, pageSize, (page - 1) * pageSize);
      return { items: rows.map(clientView), total, page, pageSize };
    },

    async getClient(id: string): Promise<
      ClientView & {
        kycHistory: Array<{ from: string | null; to: string; notes: string | null; by: string; at: string }>;
      }
    > {
      const row = await clientById(id);
      const history = await repo.kycHistory(row.id);
      return {
        ...clientView(row),
        kycHistory: history.map((h) => ({
          from: h.from_status,
          to: h.to_status,
          notes: h.notes,
          by: `${h.actor_type}:${h.actor_id ?? ''}`,
          at: iso(h.at)!,
        })),
      };
    },

    async getClientByEmail(email: string): Promise<ClientView> {
      return clientView(await clientByEmail(email));
    },

    /** Resolves a client given by id (console) or email (service API). */
    async resolve(ref: { id: string } | { email: string }): Promise<ClientView> {
      return clientView('id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email));
    },

    async accounts(
      ref: { id: string } | { email: string },
    ): Promise<{ clientId: string; clientEmail: string; accounts: AccountView[] }> {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      return { clientId: client.id, clientEmail: client.email, accounts: nestAccounts(await repo.accounts(client.id)) };
    },

    async transactions(id: string) {
      const client = await clientById(id);
      return {
        items: (await repo.transactions(client.id)).map((t) => ({
          id: t.id,
          transactionId: t.external_id.replace(/^(deposit|withdrawal):/, ''),
          type: t.type,
          amount: formatCents(Number(t.amount_cents)),
          currency: t.currency,
          accountId: t.account_external_id,
          method: t.method,
          completedAt: iso(t.completed_at)!,
        })),
      };
    },

    async updateKyc(
      ref: { id: string } | { email: string },
      input: { kycStatus: KycStatus; kycNotes?: string | undefined },
      actor: Actor,
      meta: RequestMeta,
    ): Promise<ClientView> {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      const at = clock.now();
      const change = { status: input.kycStatus, notes: input.kycNotes, fromSiteEvent: false };
      const from = await db.transaction().execute((tx) => changeKyc(tx, client.id, change, actor, at));
      await audit.record({
        actorType: actor.type,
        actorId: actor.id,
        action: 'client.kyc_updated',
        targetType: 'client',
        targetId: client.id,
        ip: meta.ip,
        requestId: meta.requestId,
        meta: { from, to: input.kycStatus },
      });
      return clientView((await repo.findClient(client.id))!);
    },

    async addNote(ref: { id: string } | { email: string }, comment: string, actor: Actor, meta: RequestMeta) {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      const at = clock.now();
      const id = newId('note', 16);
      await db.transaction().execute(async (tx) => {
        await repo.insertNote(
          {
            id,
            client_id: client.id,
            body: comment,
            author_type: actor.type,
            author_id: actor.label ?? actor.id,
            created_at: at,
          },
          tx,
        );
        await activity(
          tx,
          client.id,
          'note.added',
          comment.length > 140 ? `${comment.slice(0, 139)}…` : comment,
          actor,
          { noteId: id },
          at,
        );
      });
      await audit.record({
        actorType: actor.type,
        actorId: actor.id,
        action: 'client.note_added',
        targetType: 'client',
        targetId: client.id,
        ip: meta.ip,
        requestId: meta.requestId,
        meta: { noteId: id },
      });
      return {
        id,
        clientId: client.id,
        comment,
        author: { type: actor.type, id: actor.label ?? actor.id },
        createdAt: iso(at)!,
      };
    },

    async notes(id: string) {
      const client = await clientById(id);
      return {
        items: (await repo.notes(client.id)).map((n) => ({
          id: n.id,
          comment: n.body,
          author: { type: n.author_type, id: n.author_id },
          createdAt: iso(n.created_at)!,
        })),
      };
    },

    async activity(
      ref: { id: string } | { email: string },
      limit: number,
      cursor: string | undefined,
    ): Promise<{ clientId: string; clientEmail: string; items: ActivityView[]; nextCursor: string | null }> {
      const client = 'id' in ref ? await clientById(ref.id) : await clientByEmail(ref.email);
      const rows = await repo.activity(client.id, limit + 1, decodeCursor(cursor));
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        clientId: client.id,
        clientEmail: client.email,
        items: page.map((a) => ({
          id: a.id,
          type: a.type,
          summary: a.summary,
          data: a.data ? (JSON.parse(a.data) as Record<string, unknown>) : null,
          actor: { type: a.actor_type, id: a.actor_id },
          at: iso(a.at)!,
        })),
        nextCursor: rows.length > limit && last ? encodeCursor(Number(last.at), last.id) : null,
      };
    },

    /** Admin impersonation: a 15-minute single-use SSO token into the trading platform. */
    async impersonate(
      clientId: string,
      staff: { id: string; email: string },
      reason: string,
      meta: RequestMeta,
    ): Promise<{ ssoToken: string; ssoUrl: string; expiresIn: number }> {
      const client = await clientById(clientId);
      // A link for someone the platform does not know could only answer 401 there: refuse here, saying why.
      const hasAccount = deps.tradingPlatformHasTrader
        ? await deps.tradingPlatformHasTrader(client.email)
        : client.external_id !== null;
      if (!hasAccount) {
        await audit.record({
          actorType: 'staff',
          actorId: staff.id,
          action: 'client.impersonate',
          outcome: 'denied',
          targetType: 'client',
          targetId: client.id,
          ip: meta.ip,
          requestId: meta.requestId,
          meta: { reason, clientEmail: client.email, refused: 'no_platform_account' },
        });
        throw new AppError(
          'conflict',
          `${client.email} has no account on the trading platform, so there is no dashboard to open: impersonation signs in to a trader's existing account. Ask the client to sign up on the trading platform first.`,
        );
      }
      const signed = await signSsoToken(deps.ssoSecret, {
        clientEmail: client.email,
        impersonatedBy: staff.email,
        reason,
        nowMs: clock.now(),
      });
      await db
        .transaction()
        .execute((tx) =>
          activity(
            tx,
            client.id,
            'impersonation.started',
            `${staff.email} opened the trader's dashboard: ${reason}`,
            { type: 'staff', id: staff.id, label: staff.email },
            { reason, jti: signed.jti },
            clock.now(),
          ),
        );
      await audit.record({
        actorType: 'staff',
        actorId: staff.id,
        action: 'client.impersonate',
        targetType: 'client',
        targetId: client.id,
        ip: meta.ip,
        requestId: meta.requestId,
        meta: {
          reason,
          jti: signed.jti,
          clientEmail: client.email,
          expiresAt: new Date(signed.exp * 1000).toISOString(),
        },
      });
      return {
        ssoToken: signed.token,
        ssoUrl: `${deps.tradingPlatformUrl}/sso/impersonate?token=${encodeURIComponent(signed.token)}`,
        expiresIn: SSO_TTL_SECONDS,
      };
    },
  };
}

export type CrmService = ReturnType<typeof createCrmService>;
