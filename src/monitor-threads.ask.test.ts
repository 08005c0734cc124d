import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MonitorRow } from './modules/monitors/monitor.table.ts';
import type { LiveFigures } from './modules/monitors/monitor.ts';
import { liveQuestions } from './monitor-threads.ask.ts';

const row = { id: 'mon_1' } as MonitorRow;
const figures = { metrics: { balance: 1 } } as unknown as LiveFigures;

/** A thread that records what it was asked. */
const thread = () => {
  const asked: number[] = [];
  return { asked, postMessage: (m: { req: number }) => void asked.push(m.req) };
};

describe('the API asking the monitor threads for live figures', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('takes the answer of the thread that holds the monitor, without waiting for the others', async () => {
    const q = liveQuestions(1_000);
    const [a, b] = [thread(), thread()];
    const answer = q.ask([a, b], row)!;
    expect(a.asked).toEqual([1]);
    expect(b.asked).toEqual([1]);
    q.answer(1, figures);
    await expect(answer).resolves.toBe(figures);
    expect(q.pending()).toBe(0);
  });

  it('answers null once every thread said it does not hold the monitor', async () => {
    const q = liveQuestions(1_000);
    const answer = q.ask([thread(), thread()], row)!;
    q.answer(1, null);
    expect(q.pending()).toBe(1);
    q.answer(1, null);
    await expect(answer).resolves.toBeNull();
  });

  it('answers null after the timeout when a thread is too busy to answer, and ignores its late answer', async () => {
    const q = liveQuestions(1_000);
    let settled: LiveFigures | null | undefined;
    void q.ask([thread(), thread()], row)!.then((f) => {
      settled = f;
    });
    q.answer(1, null);
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBeNull();
    expect(q.pending()).toBe(0);
    q.answer(1, figures);
    expect(settled).toBeNull();
  });

  it('answers null when the threads that did not answer exit, and asks nobody when none runs', async () => {
    const q = liveQuestions(1_000);
    const answer = q.ask([thread(), thread()], row)!;
    q.answer(1, null);
    q.threadGone();
    await expect(answer).resolves.toBeNull();
    expect(q.ask([], row)).toBeNull();
  });
});
