/** `X-API-Key` authentication: one uniform 401 for missing, malformed, unknown, revoked and expired keys. */
import type { FastifyRequest } from 'fastify';
import type { ApiKeyService, AuthenticatedKey } from '../modules/api-keys/api-key.service.ts';
import { AppError } from './errors.ts';
import { ipAllowed } from './ip-allowlist.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: AuthenticatedKey;
  }
}

export function apiKeyAuth(keys: ApiKeyService) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers['x-api-key'];
    const auth = await keys.authenticate(Array.isArray(header) ? header[0] : header);
    if (!auth) throw new AppError('unauthorized', 'Missing or invalid X-API-Key');
    request.apiKey = auth;
    // The key's IP allowlist, on the client address Fastify derived (socket, or trusted proxies only).
    if (!ipAllowed(request.ip, auth.allowedCidrs))
      throw new AppError('forbidden', 'This API key may not be used from your address');
  };
}

/** The authenticated key of a route behind `apiKeyAuth`. */
export function requireApiKey(request: FastifyRequest): AuthenticatedKey {
  if (!request.apiKey) throw new AppError('unauthorized', 'Missing or invalid X-API-Key');
  return request.apiKey;
}
