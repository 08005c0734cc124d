/**
 * What every account-API request goes through, in order: X-API-Key (401, one uniform answer for
 * missing/unknown/revoked/expired), the key's IP allowlist (403), the per-key rate limit, the
 * account lookup restricted to the key's linked accounts (404 for anything else), the per-account
 * per-key rate limit (429 with Retry-After and RateLimit headers), and an access-log row.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireApiKey } from '../../http/api-key-auth.ts';
import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import type { GcraPolicy, GcraResult, RateLimiter } from '../../infra/ratelimit/gcra.ts';
import type { AccessLog } from './access-log.service.ts';
import type { AccountService, KeyLimits } from './account.service.ts';
import type { Mt5AccountRow } from './account.table.ts';

declare module 'fastify' {
  interface FastifyRequest {
    accountId?: string;
    /** Set once the route wrote its own access-log row (SSE). */
    accessLogged?: boolean;
  }
}

const LIMITS_CACHE_MS = 10_000;
/**
 * Hot-path caches. A key's authentication and a tenant's account lookup are reused for at most
 * this long, so a revoked key, an expired overlap or a removed link takes effect within a second
 * (on every process); the database is not queried on each of thousands of requests a second.
 */
export const AUTH_CACHE_MS = 1_000;

/** A tiny TTL map with a size cap (oldest entries dropped first). */
export class TtlCache<V> {
  private readonly map = new Map<string, { at: number; value: V }>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 50_000,
  ) {}
  get(key: string): V | undefined {
    this.pruneOldest();
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.now() - e.at >= this.ttlMs || this.now() < e.at) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V): void {
    this.pruneOldest();
    this.map.delete(key);
    this.map.set(key, { at: this.now(), value });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  clear(): void {
    this.map.clear();
  }
  /** Entries are kept in insertion order: expired ones leave from the front, a few per call. */
  private pruneOldest(): void {
    const now = this.now();
    for (let i = 0; i < 4; i++) {
      const first = this.map.entries().next();
      if (first.done || now - first.value[1].at < this.ttlMs) return;
      this.map.delete(first.value[0]);
    }
  }
}

export function createAccountAccess(d: {
  accounts: AccountService;
  limiter: RateLimiter;
  clock: Clock;
  accessLog: AccessLog;
}) {
  const limitsCache = new Map<string, { at: number; limits: KeyLimits }>();
  const accountCache = new TtlCache<Mt5AccountRow>(AUTH_CACHE_MS, () => d.clock.now());

  async function limitsOf(tenantId: string): Promise<KeyLimits> {
    const now = Date.now();
    const c = limitsCache.get(tenantId);
    if (c && now - c.at < LIMITS_CACHE_MS) return c.limits;
    const limits = await d.accounts.limitsOf(tenantId);
    limitsCache.set(tenantId, { at: now, limits });
    return limits;
  }

  function keyPolicy(l: KeyLimits): GcraPolicy {
    return { intervalMs: 60_000 / l.per_minute, burst: l.per_minute };
  }
  function accountPolicy(l: KeyLimits): GcraPolicy {
    return { intervalMs: l.account_interval_seconds * 1000, burst: l.account_burst };
  }

  /** Set once per request, when both limits (or the one that stopped it) are known. */
  function headers(reply: FastifyReply, l: KeyLimits, key: GcraResult, account: GcraResult | null): void {
    reply.header(
      'ratelimit-policy',
      `"per-key";q=${l.per_minute};w=60, "per-account";q=1;w=${Number(l.account_interval_seconds.toFixed(3))}`,
    );
    // RateLimit names the policy closest to its limit (draft-ietf-httpapi-ratelimit-headers).
    const perAccount = account !== null && account.remaining <= key.remaining;
    const r = perAccount ? account : key;
    reply.header(
      'ratelimit',
      `"${perAccount ? 'per-account' : 'per-key'}";r=${r.remaining};t=${Math.max(0, Math.ceil((r.allowed ? r.resetMs : r.retryAfterMs) / 1000))}`,
    );
  }

  function limited(r: GcraResult, which: string): AppError {
    const retry = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    return new AppError('rate_limited', `Rate limit of this ${which} reached; retry in ${retry} s`, {
      retryAfterSeconds: retry,
    });
  }

  return {
    /**
     * In the handler, after apiKeyAuth: the per-key limit, the linked account (404 otherwise) and
     * the per-account per-key limit. For an account already resolved both limits are one step (one
     * Redis round trip); otherwise the key's limit is taken before the database is asked.
     */
    async account(request: FastifyRequest, reply: FastifyReply, idOrLogin: string): Promise<Mt5AccountRow> {
      const key = requireApiKey(request);
      const l = await limitsOf(key.tenantId);
      // Keys share the key id as a hash tag: one Redis Cluster slot for both buckets.
      const keyHit = { key: `{${key.keyId}}:key`, policy: keyPolicy(l) };
      const cacheKey = `${key.tenantId}\n${idOrLogin}`;
      let row = accountCache.get(cacheKey);
      let keyRate: GcraResult;
      let accountRate: GcraResult | null;
      if (row) {
        [keyRate, accountRate] = await d.limiter.hitBoth(
          keyHit,
          { key: `{${key.keyId}}:acct:${row.id}`, policy: accountPolicy(l) },
          d.clock.now(),
        );
      } else {
        keyRate = await d.limiter.hit(keyHit.key, keyHit.policy, d.clock.now());
        accountRate = null;
        if (keyRate.allowed) {
          try {
            row = await d.accounts.resolveForTenant(key.tenantId, idOrLogin);
          } catch (err) {
            headers(reply, l, keyRate, null);
            throw err;
          }
          accountCache.set(cacheKey, row);
          accountRate = await d.limiter.hit(`{${key.keyId}}:acct:${row.id}`, accountPolicy(l), d.clock.now());
        }
      }
      headers(reply, l, keyRate, accountRate);
      if (!keyRate.allowed) throw limited(keyRate, 'API key');
      request.accountId = row!.id;
      if (!accountRate!.allowed) throw limited(accountRate!, 'account for this API key');
      return row!;
    },

    invalidateLimits(tenantId?: string): void {
      if (tenantId) limitsCache.delete(tenantId);
      else limitsCache.clear();
      accountCache.clear();
    },

    /** onResponse: one access-log row (metadata only). */
    log(request: FastifyRequest, status: number, latencyMs: number, reason: string | null = null): void {
      if (request.accessLogged) return;
      request.accessLogged = true;
      const xff = request.headers['x-forwarded-for'];
      d.accessLog.record({
        at: d.clock.now(),
        request_id: request.id,
        actor: request.apiKey ? 'api_key' : 'anonymous',
        key_id: request.apiKey?.keyId ?? null,
        tenant_id: request.apiKey?.tenantId ?? null,
        widget_id: null,
        account_id: request.accountId ?? null,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status,
        ip: request.ip,
        forwarded_for: typeof xff === 'string' ? xff : Array.isArray(xff) ? xff.join(', ') : null,
        latency_ms: Math.round(latencyMs * 100) / 100,
        reason,
      });
    },
  };
}

export type AccountAccess = ReturnType<typeof createAccountAccess>;
