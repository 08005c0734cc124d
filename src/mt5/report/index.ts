/** Terminal report import (reference/mt5.md §4): `parseReport` and `reportToHistory`. */

export { ReportError } from './errors.ts';
export { type ReportToHistoryOptions, reportToHistory } from './history.ts';
export { createReportParser, type ReportParser } from './off-thread.ts';
export { parseReport } from './parse.ts';
export type { ParsedReport } from './parsed-report.ts';
export { ReportTooLargeError } from './zip.ts';
