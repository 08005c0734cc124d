/**
 * The terminal's "Trade History Report" (reference/mt5.md §4): rows → blocks → typed records,
 * in any terminal language. Blocks are found by shape (a one-cell title row followed by a wide
 * header row) and told apart by their column count and order; columns are read by position.
 * English labels are used only as a hint for the summary and Results label/value pairs.
 * The parser recomputes what it can from the deals and reports every disagreement with the
 * report's own totals as a mismatch.
 *
 *   rows.ts, xlsx.ts   bytes → rows of cells (HTML or xlsx)
 *   sections.ts        rows → header, blocks, summary and Results
 *   blocks.ts          the five blocks as data: widths, header cells, field readers
 *   account.ts, summary.ts   the label/value sections
 *   cross-checks.ts    the report's totals against the rows
 */
import { readAccount } from './account.ts';
import { crossCheck } from './cross-checks.ts';
import { ReportError } from './errors.ts';
import type { ParsedReport, ParseReportOptions } from './parsed-report.ts';
import { decodeText, scanHtml } from './rows.ts';
import { Sections } from './sections.ts';
import { readResults, readSummary } from './summary.ts';
import { isZip, XlsxError, xlsxRows } from './xlsx.ts';

/** Parses a `ReportHistory-*.html` or `.xlsx` export. Throws `ReportError` when it is not one. */
export function parseReport(bytes: Buffer | Uint8Array, opts: ParseReportOptions = {}): ParsedReport {
  const warnings: string[] = [];
  const xlsx = isZip(bytes) || /\.xlsx$/i.test(opts.filename ?? '');
  const sections = new Sections();
  if (xlsx) {
    try {
      xlsxRows(bytes, sections, opts.zipLimits);
    } catch (err) {
      if (err instanceof XlsxError) throw new ReportError(err.message);
      throw err;
    }
  } else {
    const table = scanHtml(decodeText(bytes), sections);
    if (table.cells === 0) throw new ReportError('not an MT5 trade history report: no table found');
    if (table.title) sections.docTitle = table.title; // else the first title row's text
  }
  sections.finish();
  if (sections.blocks.length === 0) {
    throw new ReportError('not an MT5 trade history report: no Positions/Orders/Deals blocks found');
  }

  const account = readAccount(sections.head, sections.docTitle, warnings);
  warnings.push(...sections.blockWarnings);
  const { positions, orders, deals, open_positions, working_orders } = sections.records;
  const summary = readSummary(sections.summary, warnings);
  const results = readResults(sections.results, warnings);
  const { computed, mismatches } = crossCheck(
    {
      deals,
      openPositions: open_positions,
      dealsBlock: sections.blockOf.deals,
      openPositionsBlock: sections.blockOf.open_positions,
      summary,
      results,
    },
    warnings,
  );
  return {
    format: xlsx ? 'xlsx' : 'html',
    account,
    positions,
    orders,
    deals,
    open_positions,
    working_orders,
    summary,
    results,
    computed,
    mismatches,
    warnings,
  };
}
