/** Terminal report import (reference/mt5.md §4): `parseReport` and `reportToHistory`. */
export { parseReport } from './parse.ts';
export { parseNumber, parseComposite, reportTime } from './values.ts';
export { ReportError } from './errors.ts';
export type {
  ParsedReport,
  ParseReportOptions,
  ReportAccount,
  ReportDeal,
  ReportMismatch,
  ReportOpenPosition,
  ReportOrder,
  ReportPosition,
  ReportResults,
  ReportSummary,
  ReportWorkingOrder,
} from './parsed-report.ts';
export { reportToHistory, serverTimeToUtc, type ReportToHistoryOptions } from './history.ts';
export { decodeText } from './rows.ts';
export { DEFAULT_ZIP_LIMITS, ReportTooLargeError, type ZipLimits } from './zip.ts';
export { createReportParser, type ReportParser, type ReportParserOptions } from './off-thread.ts';
