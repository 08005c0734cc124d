import { describe, expect, it } from 'vitest';
import { type Attempt, abortableSleep, type BackoffPolicy, retryWithBackoff } from './backoff.ts';

/** A policy whose sleeps are recorded, not slept. */
function recording(over: Partial<BackoffPolicy> = {}) {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const policy: BackoffPolicy = { maxRetries: 4, baseMs: 100, maxMs: 1000, sleep, ...over };
  return { waits, policy };
}

/** Attempts that answer from `outcomes` in turn, then `done`. */
function script(outcomes: Array<Attempt<string>>): () => Promise<Attempt<string>> {
  let next = 0;
  return async () => outcomes[next++] ?? { kind: 'done', value: 'answer' };
}

const failure = (serverDelayMs: number | null = null): Attempt<string> => ({
  kind: 'retry',
  serverDelayMs,
  giveUp: ({ waitMs, attempts }) => new Error(`gave up after ${attempts} attempts, next wait ${waitMs} ms`),
});

describe('retryWithBackoff', () => {
  it('doubles the wait from baseMs up to maxMs, then answers', async () => {
    const { waits, policy } = recording({ maxRetries: 6 });
    await expect(retryWithBackoff(policy, script(Array.from({ length: 6 }, () => failure())))).resolves.toBe('answer');
    expect(waits).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('waits what the server asked for instead of the backoff, and keeps doubling behind it', async () => {
    const { waits, policy } = recording();
    await retryWithBackoff(policy, script([failure(3000), failure(), failure(0)]));
    expect(waits).toEqual([3000, 200, 0]);
  });

  it('gives up after maxRetries retries with the caller’s error', async () => {
    const { waits, policy } = recording({ maxRetries: 2 });
    await expect(retryWithBackoff(policy, script([failure(), failure(), failure()]))).rejects.toThrow(
      'gave up after 3 attempts, next wait 400 ms',
    );
    expect(waits).toEqual([100, 200]);
  });

  it('gives up at once when the server asks for longer than maxServerDelayMs, for the job queue', async () => {
    const { waits, policy } = recording({ maxServerDelayMs: 10_000 });
    await expect(retryWithBackoff(policy, script([failure(10_000), failure(60_000)]))).rejects.toThrow(
      'gave up after 2 attempts, next wait 60000 ms',
    );
    expect(waits).toEqual([10_000]);
  });

  it('never gives up on its own backoff for being long: maxMs caps it', async () => {
    const { waits, policy } = recording({ baseMs: 20_000, maxMs: 30_000, maxServerDelayMs: 10_000 });
    await retryWithBackoff(policy, script([failure(), failure()]));
    expect(waits).toEqual([20_000, 30_000]);
  });

  it('repeats an attempt that was not a failure without using up a retry', async () => {
    const { waits, policy } = recording({ maxRetries: 1 });
    const repeat: Attempt<string> = { kind: 'repeat', afterMs: 1000 };
    const outcomes = [repeat, repeat, failure(), { kind: 'repeat' } as const, repeat];
    await expect(retryWithBackoff(policy, script(outcomes))).resolves.toBe('answer');
    expect(waits).toEqual([1000, 1000, 100, 1000]);
  });

  it('takes up to the jitter share off a computed wait, never off a server-given one', async () => {
    const { waits, policy } = recording({ jitter: 0.5, random: () => 1 });
    await retryWithBackoff(policy, script([failure(), failure(), failure(3000)]));
    expect(waits).toEqual([50, 100, 3000]);
  });

  it('stops waiting when the caller’s signal aborts', async () => {
    const controller = new AbortController();
    const policy: BackoffPolicy = { maxRetries: 3, baseMs: 60_000, maxMs: 60_000, signal: controller.signal };
    const retrying = retryWithBackoff(policy, script([failure()]));
    controller.abort(new Error('job cancelled'));
    await expect(retrying).rejects.toThrow('job cancelled');
  });
});

describe('abortableSleep', () => {
  it('resolves after the time, and rejects at once on a signal already aborted', async () => {
    await expect(abortableSleep(1)).resolves.toBeUndefined();
    await expect(abortableSleep(60_000, AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
  });
});
