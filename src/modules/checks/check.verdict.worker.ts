/** Worker-thread side of check.verdict.pool.ts: judges one history per message, answers with the verdict or its error. */
import { parentPort } from 'node:worker_threads';
import type { CheckJobRow } from './check.table.ts';
import { judgeHistory } from './check.verdict.ts';
import { fromWire, type HistoryWire } from './check.verdict.wire.ts';

export interface VerdictRequest {
  id: number;
  /** The history in its wire form (check.verdict.wire.ts): a string and buffers cross threads far cheaper than an object graph. */
  history: HistoryWire;
  job: CheckJobRow;
  at: number;
  source: string;
}

parentPort!.on('message', (req: VerdictRequest) => {
  try {
    const history = fromWire(req.history);
    parentPort!.postMessage({ id: req.id, ok: true, verdict: judgeHistory(history, req.job, req.at, req.source) });
  } catch (err) {
    const e = err as Error & { code?: unknown; retryable?: unknown };
    parentPort!.postMessage({
      id: req.id,
      ok: false,
      error: {
        name: e.name,
        message: e.message,
        ...(e.name === 'ConnectorError' ? { code: e.code, retryable: e.retryable } : {}),
      },
    });
  }
});
