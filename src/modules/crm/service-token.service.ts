/**
 * Bearer tokens of the service API. Format `bst_<kid>_<secret>`: the kid is the lookup id, the
 * secret (≈256 bits) is stored only as SHA-256 and compared in constant time. Created and rotated
 * with `brymix service-tokens create "<name>"`; SERVICE_API_TOKEN from the environment is accepted too.
 */
import type { Clock } from '../../infra/clock.ts';
import { newId, randomBase62, safeEqual, sha256Hex } from '../../infra/crypto/index.ts';
import type { Db } from '../../infra/db/index.ts';
import { crmDb, type ServiceTokensTable } from '../../infra/db/crm-schema.ts';
import type { Selectable } from 'kysely';
import { AppError } from '../../http/errors.ts';
import type { AuditService } from '../audit/audit.service.ts';

const TOKEN_PATTERN = /^bst_([0-9A-Za-z]{12})_([0-9A-Za-z]{43})$/;
const MAX_OVERLAP_MS = 7 * 86_400_000;
const TOUCH_EVERY_MS = 60_000;

type Row = Selectable<ServiceTokensTable>;

export interface ServiceCaller {
  tokenId: string;
  name: string;
}

export interface ServiceTokenSummary {
  id: string;
  name: string;
  kid: string;
  status: 'active' | 'expiring' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

export function createServiceTokenService({ db, clock, audit, envToken }: { db: Db; clock: Clock; audit: AuditService; envToken: string }) {
  const cdb = crmDb(db);
  const envHash = sha256Hex(envToken);

  function status(r: Row, now: number): ServiceTokenSummary['status'] {
    if (r.revoked_at !== null) return 'revoked';
    if (r.expires_at !== null) return Number(r.expires_at) <= now ? 'expired' : 'expiring';
    return 'active';
  }
  function summary(r: Row, now: number): ServiceTokenSummary {
    return { id: r.id, name: r.name, kid: r.kid, status: status(r, now), createdAt: iso(r.created_at)!, expiresAt: iso(r.expires_at), lastUsedAt: iso(r.last_used_at) };
  }

  return {
    /** New token; an active token of the same name is rotated: it keeps working for `overlapMs`. */
    async createOrRotate(nameRaw: string, overlapMs: number): Promise<{ id: string; name: string; token: string; created_at: string; rotated: { oldId: string; oldExpiresAt: string } | null }> {
      const name = nameRaw.trim();
      if (!name || name.length > 200) throw new AppError('validation_failed', 'name must be 1–200 characters');
      if (!Number.isFinite(overlapMs) || overlapMs < 0 || overlapMs > MAX_OVERLAP_MS) throw new AppError('validation_failed', 'overlap must be between 0 and 7d');
      const now = clock.now();
      const kid = randomBase62(12);
      const secret = randomBase62(43);
      const id = newId('stk', 16);
      const previous = (await cdb.selectFrom('service_tokens').selectAll().where('name', '=', name).where('revoked_at', 'is', null).execute()).filter((r) => status(r, now) === 'active');
      await cdb.transaction().execute(async (tx) => {
        await tx.insertInto('service_tokens').values({ id, name, kid, secret_hash: sha256Hex(secret), created_at: now, expires_at: null, revoked_at: null, last_used_at: null, rotated_from: previous[0]?.id ?? null }).execute();
        for (const p of previous) {
          if (overlapMs === 0) await tx.updateTable('service_tokens').set({ revoked_at: now }).where('id', '=', p.id).execute();
          else await tx.updateTable('service_tokens').set({ expires_at: now + overlapMs }).where('id', '=', p.id).execute();
        }
      });
      await audit.record({ actorType: 'system', actorId: 'cli', action: previous.length ? 'service_token.rotated' : 'service_token.created', targetType: 'service_token', targetId: id, meta: { name, kid, replaced: previous.map((p) => p.id) } });
      return { id, name, token: `bst_${kid}_${secret}`, created_at: new Date(now).toISOString(), rotated: previous[0] ? { oldId: previous[0].id, oldExpiresAt: new Date(now + overlapMs).toISOString() } : null };
    },

    async list(): Promise<ServiceTokenSummary[]> {
      const now = clock.now();
      return (await cdb.selectFrom('service_tokens').selectAll().orderBy('created_at').execute()).map((r) => summary(r, now));
    },

    async revoke(id: string): Promise<ServiceTokenSummary> {
      const r = await cdb.updateTable('service_tokens').set({ revoked_at: clock.now() }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      const row = await cdb.selectFrom('service_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new AppError('not_found', `No service token ${id}`);
      if (Number(r.numUpdatedRows) === 1) await audit.record({ actorType: 'system', actorId: 'cli', action: 'service_token.revoked', targetType: 'service_token', targetId: id });
      return summary(row, clock.now());
    },

    /** The caller of a valid token, or null (one uniform answer for missing, malformed, unknown, revoked, expired). */
    async authenticate(raw: string | undefined): Promise<ServiceCaller | null> {
      if (!raw || raw.length > 512) return null;
      if (safeEqual(sha256Hex(raw), envHash)) return { tokenId: 'env', name: 'SERVICE_API_TOKEN' };
      const m = TOKEN_PATTERN.exec(raw);
      if (!m) return null;
      const row = await cdb.selectFrom('service_tokens').selectAll().where('kid', '=', m[1]!).executeTakeFirst();
      if (!row || !safeEqual(sha256Hex(m[2]!), row.secret_hash)) return null;
      const now = clock.now();
      const s = status(row, now);
      if (s === 'revoked' || s === 'expired') return null;
      if (row.last_used_at === null || now - Number(row.last_used_at) > TOUCH_EVERY_MS) await cdb.updateTable('service_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      return { tokenId: row.id, name: row.name };
    },
  };
}

export type ServiceTokenService = ReturnType<typeof createServiceTokenService>;
