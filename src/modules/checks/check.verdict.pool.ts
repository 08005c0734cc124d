/**
 * Judges checks on worker threads, so that the embedded default's one process works on every core:
 * the event loop keeps the HTTP API, the queue and the deliveries, and hands each history read to a
 * thread in its wire form, check.verdict.wire.ts (a frozen history, as the simulator shares, is
 * encoded once).
 * Each request goes to the thread with the fewest in flight; a thread starts on first use and
 * does not keep the process alive while idle. With no threads, checks are judged in the caller.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../infra/worker-thread.ts';
import { ConnectorError, type ConnectorErrorCode } from '../../mt5/connector.ts';
import type { AccountHistory } from '../../mt5/history.ts';
import type { CheckJobRow } from './check.table.ts';
import { judgeHistory, type Verdict } from './check.verdict.ts';
import { type HistoryWire, toWire } from './check.verdict.wire.ts';
import type { VerdictRequest } from './check.verdict.worker.ts';

export interface VerdictPool {
  judge(history: AccountHistory, job: CheckJobRow, at: number, source: string): Promise<Verdict>;
  close(): Promise<void>;
}

type Answer =
  | { id: number; ok: true; verdict: Verdict }
  | { id: number; ok: false; error: { name: string; message: string; code?: ConnectorErrorCode; retryable?: boolean } };

interface Pending {
  resolve(v: Verdict): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker | null;
  pending: Map<number, Pending>;
}

export function createVerdictPool(o: { threads: number }): VerdictPool {
  if (o.threads <= 0) {
    return {
      judge: async (history, job, at, source) => judgeHistory(history, job, at, source),
      close: async () => undefined,
    };
  }
  const slots: Slot[] = Array.from({ length: o.threads }, () => ({ worker: null, pending: new Map() }));
  const serialized = new WeakMap<AccountHistory, HistoryWire>();
  let nextId = 1;
  let closed = false;

  function fail(slot: Slot, err: Error): void {
    slot.worker = null;
    for (const p of slot.pending.values()) p.reject(err);
    slot.pending.clear();
  }

  function start(slot: Slot): Worker {
    const worker = startModuleWorker(import.meta.url, './check.verdict.worker');
    worker.on('message', (a: Answer) => {
      const p = slot.pending.get(a.id);
      if (!p) return;
      slot.pending.delete(a.id);
      if (slot.pending.size === 0) worker.unref();
      if (a.ok) return p.resolve(a.verdict);
      const e = a.error;
      p.reject(
        e.name === 'ConnectorError'
          ? new ConnectorError(e.code!, e.message, e.retryable ?? false)
          : new Error(`judging the check failed: ${e.message}`),
      );
    });
    worker.on('error', (err) => {
      if (slot.worker === worker) fail(slot, err);
    });
    worker.on('exit', () => {
      if (slot.worker === worker) fail(slot, new Error('the check verdict thread exited'));
    });
    return worker;
  }

  function wire(history: AccountHistory): HistoryWire {
    if (!Object.isFrozen(history)) return toWire(history);
    let w = serialized.get(history);
    if (w === undefined) {
      w = toWire(history);
      serialized.set(history, w);
    }
    return w;
  }

  return {
    judge(history, job, at, source) {
      if (closed) return Promise.reject(new Error('check verdict pool closed'));
      let slot = slots[0]!;
      for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
      slot.worker ??= start(slot);
      const worker = slot.worker;
      const id = nextId++;
      // The sealed credentials stay in this thread.
      const req: VerdictRequest = { id, history: wire(history), job: { ...job, credentials_enc: null }, at, source };
      return new Promise<Verdict>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage(req);
      });
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker?.terminate()));
      for (const s of slots) fail(s, new Error('check verdict pool closed'));
    },
  };
}
