/** Terminal report import (reference/mt5.md §4): `parseReport` and `reportToHistory`. */
export { parseReport } from './parse.ts';
export { ReportError } from './errors.ts';
export type { ParsedReport } from './parsed-report.ts';
export { reportToHistory, type ReportToHistoryOptions } from './history.ts';
export { ReportTooLargeError } from './zip.ts';
export { createReportParser, type ReportParser } from './off-thread.ts';
