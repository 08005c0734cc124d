import { afterEach, describe, expect, it, vi } from 'vitest';
import { deadline, withDeadline } from './deadline.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('deadline', () => {
  it('aborts after its time with a TimeoutError, as AbortSignal.timeout does', async () => {
    vi.useFakeTimers();
    const d = deadline(1_000);
    vi.advanceTimersByTime(999);
    expect(d.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('never fires once cleared, and leaves no timer behind', () => {
    vi.useFakeTimers();
    const d = deadline(1_000);
    expect(vi.getTimerCount()).toBe(1);
    d.clear();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(d.signal.aborted).toBe(false);
  });

  it('withDeadline ends its timer whether the work succeeds or fails', async () => {
    vi.useFakeTimers();
    await expect(withDeadline(1_000, async () => 7)).resolves.toBe(7);
    await expect(
      withDeadline(1_000, async () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('withDeadline aborts work that overruns', async () => {
    vi.useFakeTimers();
    const seen = withDeadline(
      500,
      (signal) =>
        new Promise<string>((resolve) =>
          signal.addEventListener('abort', () => resolve(String((signal.reason as Error).name))),
        ),
    );
    vi.advanceTimersByTime(500);
    await expect(seen).resolves.toBe('TimeoutError');
  });
});
