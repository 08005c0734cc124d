/**
 * `apiKeyAuth` for hot read-only routes: a successful authentication is reused for AUTH_CACHE_MS
 * (1 s), so revocation and expiry still take effect within a second while the database is not read
 * (nor the key hashed) on every request. The cache is keyed by the presented key itself: it lives
 * only in this process's memory, expired entries leave on the following requests, and it is never
 * logged or stored. Failures are never cached.
 */
import type { ApiKeyService, AuthenticatedKey } from '../modules/api-keys/api-key.service.ts';
import type { Clock } from '../infra/clock.ts';
import { AUTH_CACHE_MS, TtlCache } from '../modules/accounts/account-access.ts';

export function cachingKeyService(keys: ApiKeyService, clock: Clock): ApiKeyService {
  const cache = new TtlCache<AuthenticatedKey>(AUTH_CACHE_MS, () => clock.now());
  return {
    ...keys,
    async authenticate(raw: string | undefined) {
      if (!raw) return null;
      const hit = cache.get(raw);
      if (hit) return hit;
      const auth = await keys.authenticate(raw);
      if (auth) cache.set(raw, auth);
      return auth;
    },
  };
}
