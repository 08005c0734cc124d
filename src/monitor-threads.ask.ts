/**
 * The API's questions to the monitor threads: "the figures of this monitor as of your last
 * reading?" Each question goes to every live thread; the first that holds the monitor answers it,
 * every thread answering null (or exiting) answers null, and a question not answered within the
 * timeout answers null too, so the API shows the saved figures instead of waiting on a busy thread.
 */

import type { MonitorRow } from './modules/monitors/monitor.table.ts';
import type { LiveFigures } from './modules/monitors/monitor.ts';

/** A thread a question can be posted to. */
interface Asked {
  postMessage(m: { type: 'live'; req: number; row: MonitorRow }): void;
}

export function liveQuestions(timeoutMs: number) {
  const pending = new Map<number, { waiting: number; resolve(f: LiveFigures | null): void }>();
  let nextReq = 1;
  return {
    /** Asks `threads` (the live ones) about `row`. */
    ask(threads: readonly Asked[], row: MonitorRow): Promise<LiveFigures | null> | null {
      if (threads.length === 0) return null;
      const req = nextReq++;
      return new Promise<LiveFigures | null>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(req);
          resolve(null);
        }, timeoutMs);
        pending.set(req, {
          waiting: threads.length,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
        for (const t of threads) t.postMessage({ type: 'live', req, row });
      });
    },
    /** A thread's answer to question `req`. */
    answer(req: number, figures: LiveFigures | null): void {
      const q = pending.get(req);
      if (!q) return;
      if (figures || --q.waiting === 0) {
        pending.delete(req);
        q.resolve(figures);
      }
    },
    /** A thread exited: the questions it was asked will not be answered by it. */
    threadGone(): void {
      for (const [req, q] of pending)
        if (--q.waiting === 0) {
          pending.delete(req);
          q.resolve(null);
        }
    },
    /** Questions still waiting (tests, metrics). */
    pending: () => pending.size,
  };
}
