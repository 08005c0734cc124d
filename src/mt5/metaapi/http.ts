/**
 * MetaApi HTTP: `auth-token` header, per-request timeout, and the SDK's retry policy
 * (reference/mt5.md §1.5): 429 and 202 wait for `metadata.recommendedRetryTime` or
 * `Retry-After`; 409, 5xx, network errors and timeouts back off exponentially (1 s doubling,
 * capped at 30 s, 5 retries by default). Errors never contain the trader's password.
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

function waitHint(res: Response, body: MetaApiHttpError['body'], now: number): number | null {
  const rrt = body?.metadata?.recommendedRetryTime;
  if (typeof rrt === 'string' && !Number.isNaN(Date.parse(rrt))) return Math.max(0, Date.parse(rrt) - now);
  const ra = res.headers.get('retry-after');
  if (ra) {
    const secs = Number(ra);
    if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return null;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err.name === 'AbortError' && /timeout/i.test(String(err.message))));
}

export function createMetaApiHttp(o: MetaApiHttpOptions) {
  /** One JSON request with retries. `signal` is the caller's (job) deadline. */
  async function request<T>(method: 'GET' | 'POST', url: string, init: { body?: unknown; signal?: AbortSignal; what: string }): Promise<T> {
    let backoff = o.retryBaseMs;
    for (let attempt = 0; ; attempt++) {
      if (init.signal?.aborted) throw deadline(init.signal, init.what);
      const perRequest = AbortSignal.timeout(o.timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, perRequest]) : perRequest;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: { 'auth-token': o.token, accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
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
      if (res.status === 429 || res.status === 202) {
        const wait = waitHint(res, errBody, o.now()) ?? backoff;
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
