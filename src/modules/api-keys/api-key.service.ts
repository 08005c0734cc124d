/** API keys: create (shown once), list, revoke, rotate with overlap, authenticate. Each key chain is a tenant. */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import {
  isTouchDue,
  MAX_ROTATION_OVERLAP_MS,
  type SecretTokenStatus,
  secretTokenStatus,
} from '../../infra/crypto/secret-token.ts';
import type { Db } from '../../infra/db/index.ts';
import { parseCidr } from '../../infra/net/cidr.ts';
import { createApiKeyRepository } from './api-key.repository.ts';
import type { ApiKeyRow } from './api-key.table.ts';
import { apiKeyFormat } from './api-key.ts';

export interface CreatedKey {
  id: string;
  name: string;
  key: string;
  created_at: string;
}

export interface KeySummary {
  id: string;
  tenant_id: string;
  name: string;
  kid: string;
  status: SecretTokenStatus;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  rotated_from: string | null;
}

export interface AuthenticatedKey {
  keyId: string;
  tenantId: string;
  kid: string;
  ruleDefaults: Record<string, unknown> | null;
  allowedCidrs: string[] | null;
}

function validCidrs(list: string[]): string[] {
  const errors = list.flatMap((c, i) => {
    try {
      parseCidr(c);
      return [];
    } catch (err) {
      return [{ field: `allowed_cidrs.${i}`, message: (err as Error).message }];
    }
  });
  if (errors.length) throw new AppError('validation_failed', errors.map((e) => e.message).join('; '), { errors });
  return list.map((c) => c.trim());
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function createApiKeyService({ db, clock }: { db: Db; clock: Clock }) {
  const repo = createApiKeyRepository(db);

  function summarize(row: ApiKeyRow, now: number): KeySummary {
    return {
      id: row.id,
      tenant_id: row.tenant_id,
      name: row.name,
      kid: row.kid,
      status: secretTokenStatus(row, now),
      created_at: iso(row.created_at)!,
      expires_at: iso(row.expires_at),
      revoked_at: iso(row.revoked_at),
      last_used_at: iso(row.last_used_at),
      rotated_from: row.rotated_from,
    };
  }

  async function insertKey(name: string, tenantId: string | null, rotatedFrom: ApiKeyRow | null): Promise<CreatedKey> {
    const now = clock.now();
    const id = newId('key', 16);
    const issued = apiKeyFormat.issue();
    await repo.insert({
      id,
      tenant_id: tenantId ?? id,
      name,
      kid: issued.kid,
      secret_hash: issued.hash,
      created_at: now,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
      rotated_from: rotatedFrom?.id ?? null,
      rule_defaults: rotatedFrom?.rule_defaults ?? null,
      allowed_cidrs: rotatedFrom?.allowed_cidrs ?? null,
    });
    return { id, name, key: issued.token, created_at: new Date(now).toISOString() };
  }

  async function requireKey(id: string): Promise<ApiKeyRow> {
    const row = await repo.findById(id);
    if (!row) throw new AppError('not_found', `No API key with id ${id}`);
    return row;
  }

  return {
    async create(name: string, opts: { allowedCidrs?: string[] } = {}): Promise<CreatedKey> {
      const trimmed = name.trim();
      if (!trimmed || trimmed.length > 200)
        throw new AppError('validation_failed', 'name must be 1–200 characters', {
          errors: [{ field: 'name', message: 'must be 1–200 characters' }],
        });
      const cidrs = opts.allowedCidrs?.length ? validCidrs(opts.allowedCidrs) : null;
      const created = await insertKey(trimmed, null, null);
      if (cidrs) await repo.setAllowedCidrs(created.id, JSON.stringify(cidrs));
      return created;
    },

    /** Replaces the key's IP allowlist (CIDRs or single addresses); empty = anywhere. */
    async setAllowedCidrs(id: string, cidrs: string[]): Promise<string[]> {
      await requireKey(id);
      const list = cidrs.length ? validCidrs(cidrs) : [];
      await repo.setAllowedCidrs(id, list.length ? JSON.stringify(list) : null);
      return list;
    },

    async allowedCidrsOf(id: string): Promise<string[]> {
      const row = await requireKey(id);
      return row.allowed_cidrs ? (JSON.parse(row.allowed_cidrs) as string[]) : [];
    },

    async list(): Promise<KeySummary[]> {
      const now = clock.now();
      return (await repo.list()).map((r) => summarize(r, now));
    },

    async revoke(id: string): Promise<KeySummary> {
      await requireKey(id);
      await repo.revoke(id, clock.now());
      return summarize((await repo.findById(id))!, clock.now());
    },

    /** Issues a new key for the same tenant; the old one keeps working for `overlapMs`. */
    async rotate(id: string, overlapMs: number): Promise<{ created: CreatedKey; old: KeySummary }> {
      if (!Number.isFinite(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS) {
        throw new AppError('validation_failed', 'overlap must be between 0 and 7d', {
          errors: [{ field: 'overlap', message: 'must be between 0 and 7d' }],
        });
      }
      const old = await requireKey(id);
      if (secretTokenStatus(old, clock.now()) === 'revoked' || secretTokenStatus(old, clock.now()) === 'expired') {
        throw new AppError('conflict', `API key ${id} is no longer active`);
      }
      const created = await insertKey(old.name, old.tenant_id, old);
      const expiresAt = clock.now() + overlapMs;
      if (overlapMs === 0) await repo.revoke(id, clock.now());
      else await repo.setExpiry(id, old.expires_at === null ? expiresAt : Math.min(old.expires_at, expiresAt));
      return { created, old: summarize((await repo.findById(id))!, clock.now()) };
    },

    async setRuleDefaults(id: string, defaults: Record<string, unknown> | null): Promise<void> {
      const row = await requireKey(id);
      await repo.setRuleDefaults(row.tenant_id, defaults ? JSON.stringify(defaults) : null);
    },

    /** Returns the key's tenant, or null for a missing, malformed, revoked or expired key (one uniform answer). */
    async authenticate(raw: string | undefined): Promise<AuthenticatedKey | null> {
      if (!raw) return null;
      const presented = apiKeyFormat.read(raw.trim());
      if (!presented) return null;
      const row = await repo.findByKid(presented.kid);
      if (!row || !apiKeyFormat.matches(presented, row.secret_hash)) return null;
      const now = clock.now();
      const status = secretTokenStatus(row, now);
      if (status === 'revoked' || status === 'expired') return null;
      if (isTouchDue(row.last_used_at, now)) await repo.touch(row.id, now);
      return authenticated(row);
    },

    /**
     * The key with id `id` as its tenant's credential, for the operator's CLI acting for that
     * tenant (`brymix monitors … --key key_…`); an unknown, revoked or expired key is refused.
     */
    async actAs(id: string): Promise<AuthenticatedKey> {
      const row = await requireKey(id);
      const status = secretTokenStatus(row, clock.now());
      if (status === 'revoked' || status === 'expired') throw new AppError('conflict', `API key ${id} is ${status}`);
      return authenticated(row);
    },
  };
}

function authenticated(row: ApiKeyRow): AuthenticatedKey {
  return {
    keyId: row.id,
    tenantId: row.tenant_id,
    kid: row.kid,
    ruleDefaults: row.rule_defaults ? (JSON.parse(row.rule_defaults) as Record<string, unknown>) : null,
    allowedCidrs: row.allowed_cidrs ? (JSON.parse(row.allowed_cidrs) as string[]) : null,
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
