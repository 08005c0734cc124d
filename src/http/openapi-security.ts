/**
 * How each family of routes authenticates, for the OpenAPI document: one table by path prefix,
 * applied to every route that does not state its own `security`, so /docs shows the right
 * "Authorize" scheme for the checker, the account API, the admin and staff APIs, the service API,
 * the site webhook and the widget feeds.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';

export const SECURITY_SCHEMES = {
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'A tenant API key (`bmx_…`), created with `brymix keys create`.',
  },
  staffJwt: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Staff access token from `POST /api/auth/login` (audience `staff`, 15 minutes). The console sends it as an HttpOnly cookie instead.',
  },
  serviceToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'Service API token (`brymix service-tokens create`, or `SERVICE_API_TOKEN`).',
  },
  siteSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'x-webhook-signature',
    description: 'Hex HMAC-SHA256 of the exact request body with `SITE_WEBHOOK_SECRET`.',
  },
  widgetToken: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'A revocable read-only widget token (`wgt_…`).',
  },
  platformSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'brymix_trader',
    description: "The trader's session on the trading platform.",
  },
} as const;

type Scheme = keyof typeof SECURITY_SCHEMES;

const BY_PREFIX: Array<[string, Scheme]> = [
  ['/api/v1/', 'apiKey'],
  ['/api/account/', 'apiKey'],
  ['/api/admin/', 'staffJwt'],
  ['/api/clients', 'staffJwt'],
  ['/api/audit', 'staffJwt'],
  ['/api/auth/me', 'staffJwt'],
  ['/api/auth/logout', 'staffJwt'],
  ['/api/service/', 'serviceToken'],
  ['/api/webhooks/site', 'siteSignature'],
  ['/api/widgets/', 'widgetToken'],
  ['/api/platform/', 'platformSession'],
];

function schemeFor(url: string): Scheme | null {
  for (const [prefix, scheme] of BY_PREFIX) if (url.startsWith(prefix)) return scheme;
  return null;
}

/** Call before registering the modules: later routes get their `security` from the table. */
export function documentSecurity(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const scheme = schemeFor(route.url);
    if (!scheme) return;
    route.schema ??= {};
    const schema = route.schema as { security?: unknown };
    schema.security ??= [{ [scheme]: [] }];
  });
}
