/**
 * The writes staff use cases and site events share: an entry on a client's activity timeline, and a
 * KYC change with its history (which writes the timeline too).
 */

import { AppError } from '../../http/errors.ts';
import { newId } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import type { Actor } from '../audit/audit.ts';
import type { createCrmRepository } from './crm.repository.ts';
import type { KycStatus } from './crm.ts';

export function createTimelineWriter(repo: ReturnType<typeof createCrmRepository>) {
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

  return { activity, changeKyc };
}
