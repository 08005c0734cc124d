/**
 * Tells a backing service that is away (PostgreSQL restarting or failing over, Redis down) from a
 * bug. Requests that meet one answer `503` with `Retry-After` instead of `500`: the caller's request
 * was fine and will work again when the service is back. Codes from the drivers' documentation:
 * PostgreSQL SQLSTATE class 08 (connection exception) and 57P01–57P03 (admin shutdown, crash
 * shutdown, cannot connect now; https://www.postgresql.org/docs/current/errcodes-appendix.html),
 * node-postgres' connection messages, socket errors, and ioredis' `MaxRetriesPerRequestError`
 * and "Connection is closed." (https://github.com/redis/ioredis#auto-reconnect).
 */
const PG_UNAVAILABLE = /^(08\d{3}|57P0[123])$/;
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
  'EAI_AGAIN',
]);
const MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'Connection is closed.',
  "Stream isn't writeable",
];

/** Seconds a client should wait before retrying while a backing service is away. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

export function isBackendUnavailable(err: unknown): boolean {
  for (
    let e: unknown = err, depth = 0;
    e && typeof e === 'object' && depth < 4;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof x.code === 'string' && (PG_UNAVAILABLE.test(x.code) || SOCKET_CODES.has(x.code))) return true;
    if (x.name === 'MaxRetriesPerRequestError') return true;
    if (typeof x.message === 'string' && MESSAGES.some((m) => (x.message as string).startsWith(m))) return true;
  }
  return false;
}
