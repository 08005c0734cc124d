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
 * The waits and retries are infra/http/backoff.ts's; Retry-After is read by infra/http/retry-after.ts.
 * Errors never contain the trader's password.
 */
import { type Attempt, retryWithBackoff, type Sleep } from '../../infra/http/backoff.ts';
import { parseRetryAfter } from '../../infra/http/retry-after.ts';
import { ConnectorError } from '../connector.ts';

interface MetaApiHttpOptions {
  token: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Longest wait a rate limit may ask for before we give up (and let the job queue retry later). */
  maxRateLimitWaitMs: number;
  /** How long a request answered 202 may be polled in all (the SDK's long-running request timeout). */
  longRunningTimeoutMs: number;
  sleep: Sleep;
  now: () => number;
}

/** MetaApi's error body (SDK lib/clients/errorHandler.ts): `{id, error, message, details?, metadata?}`. */
type MetaApiErrorBody = {
  error?: string;
  message?: string;
  details?: unknown;
  metadata?: Record<string, unknown>;
} | null;

export class MetaApiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: MetaApiErrorBody,
  ) {
    super(`MetaApi answered ${status}${body?.message ? `: ${body.message}` : ''}`);
  }
}

/** `metadata.recommendedRetryTime` (ISO instant) in ms from `now`; null if absent or unreadable. */
function recommendedRetryMs(body: MetaApiErrorBody, now: number): number | null {
  const recommended = body?.metadata?.recommendedRetryTime;
  if (typeof recommended !== 'string' || Number.isNaN(Date.parse(recommended))) return null;
  return Math.max(0, Date.parse(recommended) - now);
}

function isTimeout(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return err.name === 'TimeoutError' || (err.name === 'AbortError' && /timeout/i.test(String(err.message)));
}

interface MetaApiRequest {
  body?: unknown;
  headers?: Record<string, string>;
  /** The caller's (job's) deadline. */
  signal?: AbortSignal;
  /** What is read, for messages: "the account list". */
  what: string;
}

export function createMetaApiHttp(o: MetaApiHttpOptions) {
  /** One JSON request with the SDK's retries and 202 polling. */
  function request<T>(method: 'GET' | 'POST', url: string, init: MetaApiRequest): Promise<T> {
    let polledMs = 0;
    const policy = {
      maxRetries: o.maxRetries,
      baseMs: o.retryBaseMs,
      maxMs: o.retryMaxMs,
      maxServerDelayMs: o.maxRateLimitWaitMs,
      sleep: o.sleep,
      ...(init.signal ? { signal: init.signal } : {}),
    };
    return retryWithBackoff(policy, async (): Promise<Attempt<T>> => {
      if (init.signal?.aborted) throw deadline(init.signal, init.what);
      const perRequest = AbortSignal.timeout(o.timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, perRequest]) : perRequest;
      const hasBody = init.body !== undefined;
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers: {
            ...init.headers,
            'auth-token': o.token,
            accept: 'application/json',
            ...(hasBody ? { 'content-type': 'application/json' } : {}),
          },
          ...(hasBody ? { body: JSON.stringify(init.body) } : {}),
          signal,
          redirect: 'error',
        });
      } catch (err) {
        if (init.signal?.aborted) throw deadline(init.signal, init.what);
        const timedOut = perRequest.aborted || isTimeout(err);
        const giveUp = ({ attempts }: { attempts: number }) => {
          if (!timedOut) {
            const message = `MetaApi could not be reached for ${init.what} (${(err as Error).message})`;
            return new ConnectorError('unreachable', message, true);
          }
          const message = `MetaApi did not answer ${init.what} within ${o.timeoutMs} ms (${attempts} attempts)`;
          return new ConnectorError('timeout', message, true);
        };
        return { kind: 'retry', giveUp };
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      if (res.status >= 200 && res.status < 300 && res.status !== 202) return { kind: 'done', value: body as T };
      const errBody = (body && typeof body === 'object' ? body : null) as MetaApiErrorBody;
      const retryAfter = res.headers.get('retry-after');
      if (res.status === 202) {
        // SDK: `res.headers['retry-after'] ?? res.data?.metadata?.recommendedRetryTime`, at least 1 s, until the
        // long-running deadline; a 202 is an answer, not a failure, so it uses up no retry
        const now = o.now();
        const wait = Math.max(1000, parseRetryAfter(retryAfter, now) ?? recommendedRetryMs(errBody, now) ?? 0);
        polledMs += wait;
        if (polledMs > o.longRunningTimeoutMs) {
          const seconds = Math.round(o.longRunningTimeoutMs / 1000);
          const detail = errBody?.message ? ` (${errBody.message})` : '';
          const message = `MetaApi was still processing ${init.what} after ${seconds} s${detail}`;
          throw new ConnectorError('timeout', message, true);
        }
        return { kind: 'repeat', afterMs: wait };
      }
      if (res.status === 429) {
        const now = o.now();
        return {
          kind: 'retry',
          serverDelayMs: recommendedRetryMs(errBody, now) ?? parseRetryAfter(retryAfter, now),
          giveUp: ({ waitMs }) => {
            const message = `MetaApi rate limit on ${init.what}; retry after ${Math.ceil(waitMs / 1000)} s`;
            return new ConnectorError('unreachable', message, true);
          },
        };
      }
      const status = res.status;
      if (status === 409 || status >= 500) {
        return { kind: 'retry', giveUp: () => new MetaApiHttpError(status, errBody) };
      }
      throw new MetaApiHttpError(status, errBody);
    });
  }

  function deadline(signal: AbortSignal, what: string): Error {
    const reason: unknown = signal.reason;
    if (isTimeout(reason)) {
      return new ConnectorError('timeout', `MetaApi: reading ${what} took longer than the check allows`, true);
    }
    return reason instanceof Error ? reason : new Error(String(reason));
  }

  return { request };
}

export type MetaApiHttp = ReturnType<typeof createMetaApiHttp>;
