/** pino with redaction of every header, field and query parameter that can carry a secret. */
import pino, { type Logger } from 'pino';

const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'req.headers["x-webhook-signature"]',
  'req.headers["webhook-signature"]',
  'headers["x-api-key"]',
  'headers.authorization',
  '*.mt5_password',
  '*.password',
  '*.credentials',
  '*.secret',
  '*.key',
  '*.token',
  'mt5_password',
  'password',
  'body',
];

/**
 * Query parameters whose values are credentials: SSO links (`/sso/impersonate?token=…`), widget
 * URLs (`?token=…`) and API keys passed as `?api_key=`/`?key=` by clients that cannot set headers.
 * Matched on the parameter name, case-insensitively, anywhere in the name.
 */
const SECRET_PARAM = /token|key|secret|signature|sig$|password|passwd|auth|code|jwt|session/i;

/**
 * The request URL as it may be logged: the path as sent, every secret-named query value replaced
 * by `[redacted]`. Parameter names stay, so a log still tells which link was used. Works on the raw
 * text (no URL parsing that could re-encode or throw on a hostile URL).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // A malformed escape: judge the raw name.
      }
      return SECRET_PARAM.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer, with the query's secrets redacted (pino's `redact` cannot see inside a string). */
function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { req: serializeRequest },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'brymix' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
