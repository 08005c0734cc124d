/**
 * Applying the trading platform's site events (the `crm.site-event` job): each received event once,
 * in its own transaction, writing the client, its accounts, transactions and KYC and the timeline.
 */

import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import { formatCents } from '../../infra/money.ts';
import type { JobContext } from '../../infra/queue/types.ts';
import type { SiteEventPayload } from '../../jobs.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { Actor } from '../audit/audit.ts';
import type { createCrmRepository } from './crm.repository.ts';
import type { ClientRow } from './crm.table.ts';
import type { createTimelineWriter } from './crm.timeline.ts';
import { challengeWhy, eventDataSchemas, type SiteEventData, type SiteEventName } from './crm.ts';

interface SiteEventDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  repo: ReturnType<typeof createCrmRepository>;
  timeline: ReturnType<typeof createTimelineWriter>;
}

const platformActor: Actor = { type: 'platform', id: 'trading-platform', label: 'trading platform' };

export function createSiteEventProcessor(deps: SiteEventDeps) {
  const { db, clock, audit, repo } = deps;
  const { activity, changeKyc } = deps.timeline;

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
            ? `${label} passed its challenge${challengeWhy(d.reason, happenedAt)}`
            : change === 'challenge_failed'
              ? `${label} failed its challenge${challengeWhy(d.reason, happenedAt)}`
              : change === 'created'
                ? `${label} opened`
                : `${label} ${d.status}`;
        const data = {
          accountId: d.accountId,
          status: d.status,
          change,
          ...(d.reason ? { reason: d.reason } : {}),
          eventId,
          ...superseded(applied),
        };
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
  };
}
