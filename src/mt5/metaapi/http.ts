/**
 * MetaApi HTTP: `auth-token` header, per-request timeout, and the retry policy of MetaApi's SDK
 * (metaapi.cloud-sdk 29.3.3 `lib/clients/httpClient.ts`; reference/mt5.md §1.5):
 * - 429 TooManyRequestsError waits for `metadata.recommendedRetryTime`
 *   (https://metaapi.cloud/docs/client/models/tooManyRequestsError/), else `Retry-After`, at most
 *   `maxRateLimitWaitMs` a time and `maxRetries` times;
 * - 202 Accepted ("still processing, come back later": account creation while broker settings are
 *   detected, data being loaded) waits for `Retry-After` (delay-seconds or an HTTP-date, RFC 9110
 *   §10.2.3), else `metadata.recommendedRetryTime`, and repeats the same request — same body, same
 *   headers, so createAccount's `transaction-id` is reused unchanged — until a final answer or the
 *   long-running deadline (`longRunningTimeoutMs`, the SDK's 10 minutes); these polls do not count
 *   as retries;
 * - 409, 5xx, network errors and timeouts back off exponentially (1 s doubling, capped at 30 s,
 *   5 retries by default).
 * Errors never contain the trader's password.
 */
import { ConnectorError } from '../connector.ts';

export interface MetaApiHttpOptions {
  token: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Longest wait a rate limit may ask for before we give up (and let the job queue retry later). */
  maxRateLimitWaitMs: number;
  /** How long a request answered 202 may be polled in all (the SDK's long-running request timeout). */
  longRunningTimeoutMs: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
}

export class MetaApiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string; details?: unknown; metadata?: Record<string, unknown> } | null,
  ) {
    super(`MetaApi answered ${status}${body?.message ? `: ${body.message}` : ''}`);
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Retry-After` in ms from `now`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null if absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** `metadata.recommendedRetryTime` (ISO instant) in ms from `now`; null if absent or unreadable. */
function recommendedRetryMs(body: MetaApiHttpError['body'], now: number): number | null {
  const rrt = body?.metadata?.recommendedRetryTime;
  if (typeof rrt !== 'string' || Number.isNaN(Date.parse(rrt))) return null;
  return Math.max(0, Date.parse(rrt) - now);
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err.name === 'AbortError' && /timeout/i.test(String(err.message))));
}

export function createMetaApiHttp(o: MetaApiHttpOptions) {
  /** One JSON request with retries. `signal` is the caller's (job) deadline. */
  async function request<T>(method: 'GET' | 'POST', url: string, init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; what: string }): Promise<T> {
    let backoff = o.retryBaseMs;
    let polledMs = 0;
    for (let attempt = 0; ; attempt++) {
      if (init.signal?.aborted) throw deadline(init.signal, init.what);
      const perRequest = AbortSignal.timeout(o.timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, perRequest]) : perRequest;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { ...init.headers, 'auth-token': o.token, accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
          signal,
          redirect: 'error',
        });
      } catch (err) {
        if (init.signal?.aborted) throw deadline(init.signal, init.what);
        const timedOut = perRequest.aborted || isTimeout(err);
        if (attempt >= o.maxRetries) {
          throw timedOut
            ? new ConnectorError('timeout', `MetaApi did not answer ${init.what} within ${o.timeoutMs} ms (${attempt + 1} attempts)`, true)
            : new ConnectorError('unreachable', `MetaApi could not be reached for ${init.what} (${(err as Error).message})`, true);
        }
        await o.sleep(backoff, init.signal);
        backoff = Math.min(backoff * 2, o.retryMaxMs);
        continue;
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      if (res.status >= 200 && res.status < 300 && res.status !== 202) return body as T;
      const errBody = (body && typeof body === 'object' ? body : null) as MetaApiHttpError['body'];
      if (res.status === 202) {
        // SDK: `res.headers['retry-after'] ?? res.data?.metadata?.recommendedRetryTime`, at least 1 s, until the
        // long-running deadline
        const now = o.now();
        const wait = Math.max(1000, retryAfterMs(res.headers.get('retry-after'), now) ?? recommendedRetryMs(errBody, now) ?? 0);
        polledMs += wait;
        if (polledMs > o.longRunningTimeoutMs) {
          throw new ConnectorError('timeout', `MetaApi was still processing ${init.what} after ${Math.round(o.longRunningTimeoutMs / 1000)} s${errBody?.message ? ` (${errBody.message})` : ''}`, true);
        }
        await o.sleep(wait, init.signal);
        attempt--; // a 202 is an answer, not a failure: it does not use up a retry
        continue;
      }
      if (res.status === 429) {
        const now = o.now();
        const wait = recommendedRetryMs(errBody, now) ?? retryAfterMs(res.headers.get('retry-after'), now) ?? backoff;
        if (attempt >= o.maxRetries || wait > o.maxRateLimitWaitMs) {
          throw new ConnectorError('unreachable', `MetaApi rate limit on ${init.what}; retry after ${Math.ceil(wait / 1000)} s`, true);
        }
        await o.sleep(wait, init.signal);
        continue;
      }
      if ((res.status === 409 || res.status >= 500) && attempt < o.maxRetries) {
        await o.sleep(backoff, init.signal);
        backoff = Math.min(backoff * 2, o.retryMaxMs);
        continue;
      }
      throw new MetaApiHttpError(res.status, errBody);
    }
  }

  function deadline(signal: AbortSignal, what: string): Error {
    const reason: unknown = signal.reason;
    if (isTimeout(reason)) return new ConnectorError('timeout', `MetaApi: reading ${what} took longer than the check allows`, true);
    return reason instanceof Error ? reason : new Error(String(reason));
  }

  return { request };
}

export type MetaApiHttp = ReturnType<typeof createMetaApiHttp>;
