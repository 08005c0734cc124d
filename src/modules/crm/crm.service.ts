/**
 * CRM use cases: clients and their KYC (with history), accounts and subaccounts, deposits and
 * withdrawals, notes, one activity timeline per client, and SSO impersonation; applying the
 * platform's site events is crm.site-events.ts. Every change writes the timeline and the audit log
 * in the same use case.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import { formatCents } from '../../infra/money.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor, RequestMeta } from '../audit/audit.ts';
import { type ClientFilter, createCrmRepository } from './crm.repository.ts';
import { createSiteEventProcessor } from './crm.site-events.ts';
import type { ClientRow } from './crm.table.ts';
import { createTimelineWriter } from './crm.timeline.ts';
import type { KycStatus } from './crm.ts';
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
  const timeline = createTimelineWriter(repo);
  const { activity, changeKyc } = timeline;
  const siteEvents = createSiteEventProcessor({ db, clock, audit, repo, timeline });

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

  return {
    /** Queue handler of `crm.site-event`: applies a received event once. */
    processSiteEvent: siteEvents.processSiteEvent,
    /** Received events whose queue job was lost, and dedupe keys past their keep time. */
    stuckEvents: siteEvents.stuckEvents,
    pruneEvents: siteEvents.pruneEvents,

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
          `${client.email} has no account on the trading platform, so there is no dashboard to open: ` +
            "impersonation signs in to a trader's existing account. Ask the client to sign up on the trading platform first.",
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
