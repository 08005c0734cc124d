/**
 * Bearer tokens of the service API. Format `bst_<kid>_<secret>`: the kid is the lookup id, the
 * secret (≈256 bits) is stored only as SHA-256 and compared in constant time. Created and rotated
 * with `brymix service-tokens create "<name>"`; SERVICE_API_TOKEN from the environment is accepted too.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId, safeEqual, sha256Hex } from '../../infra/crypto/index.ts';
import {
  isTouchDue,
  MAX_ROTATION_OVERLAP_MS,
  type SecretTokenStatus,
  secretTokenFormat,
  secretTokenStatus,
} from '../../infra/crypto/secret-token.ts';
import type { Db } from '../../infra/db/index.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { ServiceTokenRow } from './crm.table.ts';
import { createServiceTokenRepository } from './service-token.repository.ts';

export const serviceTokenFormat = secretTokenFormat({ prefix: 'bst', kidLength: 12, secretLength: 43 });

export interface ServiceCaller {
  tokenId: string;
  name: string;
}

export interface ServiceTokenSummary {
  id: string;
  name: string;
  kid: string;
  status: SecretTokenStatus;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function createServiceTokenService({
  db,
  clock,
  audit,
  envToken,
}: {
  db: Db;
  clock: Clock;
  audit: AuditService;
  envToken: string;
}) {
  const repo = createServiceTokenRepository(db);
  const envHash = sha256Hex(envToken);

  function summary(r: ServiceTokenRow, now: number): ServiceTokenSummary {
    return {
      id: r.id,
      name: r.name,
      kid: r.kid,
      status: secretTokenStatus(r, now),
      createdAt: iso(r.created_at)!,
      expiresAt: iso(r.expires_at),
      lastUsedAt: iso(r.last_used_at),
    };
  }

  return {
    /** New token; an active token of the same name is rotated: it keeps working for `overlapMs`. */
    async createOrRotate(
      nameRaw: string,
      overlapMs: number,
    ): Promise<{
      id: string;
      name: string;
      token: string;
      created_at: string;
      rotated: { oldId: string; oldExpiresAt: string } | null;
    }> {
      const name = nameRaw.trim();
      if (!name || name.length > 200) throw new AppError('validation_failed', 'name must be 1–200 characters');
      if (!Number.isFinite(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS)
        throw new AppError('validation_failed', 'overlap must be between 0 and 7d');
      const now = clock.now();
      const issued = serviceTokenFormat.issue();
      const id = newId('stk', 16);
      const previous = (await repo.unrevokedNamed(name)).filter((r) => secretTokenStatus(r, now) === 'active');
      await db.transaction().execute(async (tx) => {
        await repo.insert(
          {
            id,
            name,
            kid: issued.kid,
            secret_hash: issued.hash,
            created_at: now,
            expires_at: null,
            revoked_at: null,
            last_used_at: null,
            rotated_from: previous[0]?.id ?? null,
          },
          tx,
        );
        for (const p of previous) {
          if (overlapMs === 0) await repo.revoke(p.id, now, tx);
          else await repo.setExpiry(p.id, now + overlapMs, tx);
        }
      });
      await audit.record({
        actorType: 'system',
        actorId: 'cli',
        action: previous.length ? 'service_token.rotated' : 'service_token.created',
        targetType: 'service_token',
        targetId: id,
        meta: { name, kid: issued.kid, replaced: previous.map((p) => p.id) },
      });
      return {
        id,
        name,
        token: issued.token,
        created_at: new Date(now).toISOString(),
        rotated: previous[0] ? { oldId: previous[0].id, oldExpiresAt: new Date(now + overlapMs).toISOString() } : null,
      };
    },

    async list(): Promise<ServiceTokenSummary[]> {
      const now = clock.now();
      return (await repo.list()).map((r) => summary(r, now));
    },

    async revoke(id: string): Promise<ServiceTokenSummary> {
      const revoked = await repo.revoke(id, clock.now());
      const row = await repo.findById(id);
      if (!row) throw new AppError('not_found', `No service token ${id}`);
      if (revoked)
        await audit.record({
          actorType: 'system',
          actorId: 'cli',
          action: 'service_token.revoked',
          targetType: 'service_token',
          targetId: id,
        });
      return summary(row, clock.now());
    },

    /** The caller of a valid token, or null (one uniform answer for missing, malformed, unknown, revoked, expired). */
    async authenticate(raw: string | undefined): Promise<ServiceCaller | null> {
      if (!raw || raw.length > 512) return null;
      if (safeEqual(sha256Hex(raw), envHash)) return { tokenId: 'env', name: 'SERVICE_API_TOKEN' };
      const presented = serviceTokenFormat.read(raw);
      if (!presented) return null;
      const row = await repo.findByKid(presented.kid);
      if (!row || !serviceTokenFormat.matches(presented, row.secret_hash)) return null;
      const now = clock.now();
      const s = secretTokenStatus(row, now);
      if (s === 'revoked' || s === 'expired') return null;
      if (isTouchDue(row.last_used_at, now)) await repo.touch(row.id, now);
      return { tokenId: row.id, name: row.name };
    },
  };
}

export type ServiceTokenService = ReturnType<typeof createServiceTokenService>;
