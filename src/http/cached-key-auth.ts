/**
 * `apiKeyAuth` for hot read-only routes: a successful authentication is reused for AUTH_CACHE_MS
 * (1 s), so revocation and expiry still take effect within a second while the database is not read
 * on every request. The cache is keyed by the SHA-256 of the presented key, like the database:
 * no key is held in memory beyond its request. Failures are never cached.
 */

import type { Clock } from '../infra/clock.ts';
import { sha256Hex } from '../infra/crypto/index.ts';
import { AUTH_CACHE_MS, TtlCache } from '../modules/accounts/account-access.ts';
import type { ApiKeyService, AuthenticatedKey } from '../modules/api-keys/api-key.service.ts';

export function cachingKeyService(keys: ApiKeyService, clock: Clock): ApiKeyService {
  const cache = new TtlCache<AuthenticatedKey>(AUTH_CACHE_MS, () => clock.now());
  return {
    ...keys,
    async authenticate(raw: string | undefined) {
      if (!raw) return null;
      const id = sha256Hex(raw);
      const hit = cache.get(id);
      if (hit) return hit;
      const auth = await keys.authenticate(raw);
      if (auth) cache.set(id, auth);
      return auth;
    },
  };
}
