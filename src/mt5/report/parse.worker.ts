/** Worker-thread side of `off-thread.ts`: parses one report per message and answers with it or its error. */
import { parentPort } from 'node:worker_threads';
import { ReportError } from './errors.ts';
import { parseReport } from './parse.ts';
import type { ParseReportOptions } from './parsed-report.ts';
import { ReportTooLargeError } from './zip.ts';

export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  opts: ParseReportOptions;
}

parentPort!.on('message', (req: ParseRequest) => {
  try {
    parentPort!.postMessage({ id: req.id, ok: true, report: parseReport(req.bytes, req.opts) });
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({
      id: req.id,
      ok: false,
      error: {
        kind: err instanceof ReportTooLargeError ? 'too_large' : err instanceof ReportError ? 'report' : 'internal',
        message: e.message,
        ...(err instanceof ReportTooLargeError
          ? { limit: err.limit, limitBytes: err.limitBytes, entry: err.entry }
          : {}),
      },
    });
  }
});
