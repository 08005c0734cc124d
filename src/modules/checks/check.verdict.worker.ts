/** Worker-thread side of check.verdict.pool.ts: judges one history per message, answers with the verdict or its error. */
import { parentPort } from 'node:worker_threads';
import type { AccountHistory } from '../../mt5/history.ts';
import type { CheckJobRow } from './check.table.ts';
import { judgeHistory } from './check.verdict.ts';

export interface VerdictRequest {
  id: number;
  /** The history as JSON text: one string crosses threads far cheaper than its object graph. */
  history: string;
  job: CheckJobRow;
  at: number;
  source: string;
}

parentPort!.on('message', (req: VerdictRequest) => {
  try {
    const history = JSON.parse(req.history) as AccountHistory;
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
