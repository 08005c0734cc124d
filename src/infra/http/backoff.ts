/**
 * Retries of one call to someone else's server within one job: each wait is what the server asked
 * for (Retry-After, a field of its answer) when it said, else an exponential backoff from `baseMs`,
 * doubling up to `maxMs` and optionally jittered. At most `maxRetries` retries, and no server-given
 * wait longer than `maxServerDelayMs`: past either the call gives up, so that the job queue tries
 * again later. Every wait ends early when the caller's signal aborts. Each attempt says what came of it; what an answer
 * means stays with the caller.
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface BackoffPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The first computed wait; it doubles with every retry, up to `maxMs`. */
  baseMs: number;
  maxMs: number;
  /** Longest wait a server may ask for; a longer one gives up at once (default: no limit). */
  maxServerDelayMs?: number;
  /**
   * Share of a computed wait taken off at random, so that callers failing together do not retry
   * together (0.5: between half and all of it). Default 0. A server-given wait is taken as given.
   */
  jitter?: number;
  random?: () => number;
  /** Default `abortableSleep`; tests pass one that records the waits. */
  sleep?: Sleep;
  signal?: AbortSignal;
}

/** What gave up: the wait that would have come next and the attempts made. */
interface GaveUp {
  waitMs: number;
  attempts: number;
}

/** What one attempt came to. */
export type Attempt<T> =
  | { kind: 'done'; value: T }
  /** A failure worth another try, after `serverDelayMs` when the server named a wait. */
  | { kind: 'retry'; serverDelayMs?: number | null; giveUp: (gaveUp: GaveUp) => Error }
  /** Not a failure (a fresh login, "still processing"): tried again after `afterMs`, using up no retry. */
  | { kind: 'repeat'; afterMs?: number };

export async function retryWithBackoff<T>(policy: BackoffPolicy, attempt: () => Promise<Attempt<T>>): Promise<T> {
  const sleep = policy.sleep ?? abortableSleep;
  for (let retries = 0; ; ) {
    const outcome = await attempt();
    if (outcome.kind === 'done') return outcome.value;
    if (outcome.kind === 'repeat') {
      if (outcome.afterMs) await sleep(outcome.afterMs, policy.signal);
      continue;
    }
    const serverDelayMs = outcome.serverDelayMs ?? null;
    const waitMs = serverDelayMs ?? backoffDelay(policy, retries);
    const tooLong = serverDelayMs !== null && serverDelayMs > (policy.maxServerDelayMs ?? Number.POSITIVE_INFINITY);
    if (retries >= policy.maxRetries || tooLong) {
      throw outcome.giveUp({ waitMs, attempts: retries + 1 });
    }
    retries++;
    await sleep(waitMs, policy.signal);
  }
}

/** The computed wait before retry number `retries + 1`. */
function backoffDelay(policy: BackoffPolicy, retries: number): number {
  const exact = Math.min(policy.baseMs * 2 ** retries, policy.maxMs);
  const jitter = policy.jitter ?? 0;
  return jitter > 0 ? Math.round(exact * (1 - jitter * (policy.random ?? Math.random)())) : exact;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
