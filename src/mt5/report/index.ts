/** Terminal report import (reference/mt5.md §4): `parseReport` and `reportToHistory`. */
export {
  parseReport,
  parseNumber,
  parseComposite,
  reportTime,
  ReportError,
  type ParsedReport,
  type ParseReportOptions,
  type ReportAccount,
  type ReportDeal,
  type ReportMismatch,
  type ReportOpenPosition,
  type ReportOrder,
  type ReportPosition,
  type ReportResults,
  type ReportSummary,
  type ReportWorkingOrder,
} from './parse.ts';
export { reportToHistory, serverTimeToUtc, type ReportToHistoryOptions } from './history.ts';
export { decodeText } from './rows.ts';
export { DEFAULT_ZIP_LIMITS, ReportTooLargeError, type ZipLimits } from './zip.ts';
export { createReportParser, type ReportParser, type ReportParserOptions } from './off-thread.ts';
