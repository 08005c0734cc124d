/**
 * Parses uploaded reports on worker threads, so that no upload delays any other request: the event
 * loop only copies the bytes across. Each parse has a time budget; a worker past it is terminated
 * (the parse is refused with a `ReportError` saying so) and replaced on the next parse. A small
 * fixed pool: parses beyond it wait their turn in order.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../infra/worker-thread.ts';
import { ReportError } from './errors.ts';
import type { ParseRequest } from './parse.worker.ts';
import type { ParsedReport, ParseReportOptions } from './parsed-report.ts';
import { ReportTooLargeError, type ZipLimits } from './zip.ts';

export interface ReportParser {
  parse(bytes: Uint8Array, opts?: ParseReportOptions): Promise<ParsedReport>;
  close(): Promise<void>;
}

export interface ReportParserOptions {
  /** Longest a parse may take before it is refused (the worker is terminated). */
  timeoutMs: number;
  /** Worker threads (default 1; each is started on first use). */
  threads?: number;
  /** Inflation limits for xlsx uploads, applied to every parse that does not give its own. */
  zipLimits?: Partial<ZipLimits>;
}

type Answer =
  | { id: number; ok: true; report: ParsedReport }
  | {
      id: number;
      ok: false;
      error: {
        kind: 'too_large' | 'report' | 'internal';
        message: string;
        limit?: 'entry' | 'total';
        limitBytes?: number;
        entry?: string;
      };
    };

interface Slot {
  worker: Worker | null;
  busy: boolean;
}

export function createReportParser(o: ReportParserOptions): ReportParser {
  const slots: Slot[] = Array.from({ length: Math.max(1, o.threads ?? 1) }, () => ({ worker: null, busy: false }));
  const waiting: Array<(slot: Slot) => void> = [];
  let nextId = 1;
  let closed = false;

  const acquire = (): Promise<Slot> => {
    const free = slots.find((s) => !s.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const release = (slot: Slot) => {
    const next = waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  };
  const kill = (slot: Slot) => {
    const w = slot.worker;
    slot.worker = null;
    if (w) void w.terminate();
  };

  function run(slot: Slot, bytes: Uint8Array, opts: ParseReportOptions): Promise<ParsedReport> {
    slot.worker ??= startModuleWorker(import.meta.url, './parse.worker');
    const worker = slot.worker;
    // A parked worker must not keep the process alive.
    worker.ref();
    const id = nextId++;
    return new Promise<ParsedReport>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.unref();
      };
      const onMessage = (a: Answer) => {
        if (a.id !== id) return;
        done();
        if (a.ok) return resolve(a.report);
        if (a.error.kind === 'too_large')
          return reject(new ReportTooLargeError(a.error.limit!, a.error.limitBytes!, a.error.entry!));
        if (a.error.kind === 'report') return reject(new ReportError(a.error.message));
        reject(new Error(`report parser failed: ${a.error.message}`));
      };
      const onError = (err: Error) => {
        done();
        kill(slot);
        reject(err);
      };
      const onExit = () => {
        done();
        slot.worker = null;
        reject(new Error('report parser thread exited'));
      };
      const timer = setTimeout(() => {
        done();
        kill(slot);
        reject(new ReportError(`the report took longer than ${o.timeoutMs} ms to read`));
      }, o.timeoutMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      // The bytes are copied (not transferred): the caller's Buffer may be a view of a pooled slab.
      const req: ParseRequest = {
        id,
        bytes,
        opts: o.zipLimits && !opts.zipLimits ? { ...opts, zipLimits: o.zipLimits } : opts,
      };
      worker.postMessage(req);
    });
  }

  return {
    async parse(bytes, opts = {}) {
      if (closed) throw new Error('report parser closed');
      const slot = await acquire();
      try {
        return await run(slot, bytes, opts);
      } finally {
        release(slot);
      }
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker?.terminate()));
      for (const s of slots) s.worker = null;
    },
  };
}
