/**
 * What every account-API request goes through, in order: X-API-Key (401, one uniform answer for
 * missing/unknown/revoked/expired), the key's IP allowlist (403), the per-key rate limit, the
 * account lookup restricted to the key's linked accounts (404 for anything else), the per-account
 * per-key rate limit (429 with Retry-After and RateLimit headers), and an access-log row.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../infra/clock.ts';
import type { Mt5AccountRow } from '../../infra/db/accounts-schema.ts';
import type { GcraPolicy, GcraResult, RateLimiter } from '../../infra/ratelimit/gcra.ts';
import { AppError } from '../../http/errors.ts';
import { requireApiKey } from '../../http/api-key-auth.ts';
import type { AccessLog } from './access-log.service.ts';
import type { AccountService, KeyLimits } from './account.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    accountId?: string;
    /** Set once the route wrote its own access-log row (SSE). */
    accessLogged?: boolean;
    /** The per-key limit's answer for this request (headers combine it with the per-account one). */
    keyRate?: GcraResult;
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
    const e = this.map.get(key);
    if (!e) return undefined;
    if (this.now() - e.at >= this.ttlMs || this.now() < e.at) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V): void {
    this.map.set(key, { at: this.now(), value });
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  clear(): void {
    this.map.clear();
  }
}

export function createAccountAccess(d: { accounts: AccountService; limiter: RateLimiter; clock: Clock; accessLog: AccessLog }) {
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

  function headers(reply: FastifyReply, l: KeyLimits, key: GcraResult, account: GcraResult | null): void {
    const secs = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
    const wAccount = Number(l.account_interval_seconds.toFixed(3));
    reply.header('ratelimit-policy', `"per-key";q=${l.per_minute};w=60, "per-account";q=1;w=${wAccount}`);
    // RateLimit names the policy closest to its limit (draft-ietf-httpapi-ratelimit-headers).
    const tight = account && account.remaining <= key.remaining ? { name: 'per-account', r: account } : { name: 'per-key', r: key };
    reply.header('ratelimit', `"${tight.name}";r=${tight.r.remaining};t=${secs(tight.r.allowed ? tight.r.resetMs : tight.r.retryAfterMs)}`);
  }

  function limited(r: GcraResult, which: string): AppError {
    const retry = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    return new AppError('rate_limited', `Rate limit of this ${which} reached; retry in ${retry} s`, { retryAfterSeconds: retry });
  }

  return {
    /** onRequest hook after apiKeyAuth: the per-key limit. */
    async keyLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const key = requireApiKey(request);
      const l = await limitsOf(key.tenantId);
      const r = await d.limiter.hit(`key:${key.keyId}`, keyPolicy(l), d.clock.now());
      request.keyRate = r;
      headers(reply, l, r, null);
      if (!r.allowed) throw limited(r, 'API key');
    },

    /** In the handler: the linked account (404 otherwise), then the per-account per-key limit. */
    async account(request: FastifyRequest, reply: FastifyReply, idOrLogin: string): Promise<Mt5AccountRow> {
      const key = requireApiKey(request);
      const cacheKey = `${key.tenantId}\n${idOrLogin}`;
      let row = accountCache.get(cacheKey);
      if (!row) {
        row = await d.accounts.resolveForTenant(key.tenantId, idOrLogin);
        accountCache.set(cacheKey, row);
      }
      request.accountId = row.id;
      const l = await limitsOf(key.tenantId);
      const now = d.clock.now();
      const r = await d.limiter.hit(`acct:${key.keyId}:${row.id}`, accountPolicy(l), now);
      headers(reply, l, request.keyRate ?? { allowed: true, remaining: l.per_minute, resetMs: 0, retryAfterMs: 0 }, r);
      if (!r.allowed) throw limited(r, 'account for this API key');
      return row;
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
