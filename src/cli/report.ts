/**
 * `brymix report parse <file> [--json]`: reads a terminal's ReportHistory-*.html / .xlsx and
 * prints what it contains, with the parser's cross-check of its own totals against the report's
 * Results. Exit 0 when parsed (mismatches are findings, not failures), 2 when the file is not a
 * report. `loadReportHistory` is what `check --report` uses to evaluate a report like a history.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { AccountHistory } from '../mt5/history.ts';
import {
  type ParsedReport,
  parseReport,
  ReportError,
  type ReportToHistoryOptions,
  reportToHistory,
} from '../mt5/report/index.ts';
import { InvalidInput } from './invalid-input.ts';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

function loadReport(path: string, what = 'report'): ParsedReport {
  if (!existsSync(path)) throw new InvalidInput(`${what}: no such file ${path}`);
  try {
    return parseReport(readFileSync(path), { filename: path });
  } catch (err) {
    if (err instanceof ReportError) throw new InvalidInput(`${what}: ${path}: ${err.message}`);
    throw err;
  }
}

/** A report file as the normalized history the rule engine reads (for `check --report`). */
export function loadReportHistory(path: string, opts: ReportToHistoryOptions = {}, what = '--report'): AccountHistory {
  const report = loadReport(path, what);
  try {
    return reportToHistory(report, opts);
  } catch (err) {
    if (err instanceof ReportError) throw new InvalidInput(`${what}: ${path}: ${err.message}`);
    throw err;
  }
}

/** The JSON of `report parse --json`: numbers as numbers. */
function reportJson(r: ParsedReport): Record<string, unknown> {
  return {
    account: r.account,
    positions: r.positions,
    orders: r.orders,
    deals: r.deals,
    open_positions: r.open_positions,
    working_orders: r.working_orders,
    summary: r.summary,
    results: r.results,
    computed: r.computed,
    mismatches: r.mismatches,
    warnings: r.warnings,
  };
}

const fmt = (n: number | null | undefined) =>
  n === null || n === undefined
    ? '-'
    : n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function reportText(r: ParsedReport): string[] {
  const a = r.account;
  const lines = [
    `Account ${a.login} (${a.currency}, ${a.server}${a.trade_mode ? `, ${a.trade_mode}` : ''}${a.margin_mode ? `, ${a.margin_mode}` : ''})${a.name ? ` — ${a.name}` : ''}`,
    `Report of ${a.generated_at ?? 'unknown date'} (server time), ${r.format}`,
    `Blocks: ${r.positions.length} positions, ${r.orders.length} orders, ${r.deals.length} deals, ${r.open_positions.length} open positions, ${r.working_orders.length} working orders`,
    `Summary: balance ${fmt(r.summary.balance)}, credit ${fmt(r.summary.credit)}, equity ${fmt(r.summary.equity)}, margin ${fmt(r.summary.margin)}, free margin ${fmt(r.summary.free_margin)}, margin level ${r.summary.margin_level === null ? '-' : `${fmt(r.summary.margin_level)}%`}`,
    `Results: total net profit ${fmt(r.results.total_net_profit)}, total trades ${r.results.total_trades ?? '-'}, balance drawdown maximal ${fmt(r.results.balance_drawdown_maximal)} (${fmt(r.results.balance_drawdown_maximal_pct)}%)`,
    `Computed from deals: net profit ${fmt(r.computed.total_net_profit)}, trades ${r.computed.total_trades}, final balance ${fmt(r.computed.final_balance)}`,
  ];
  if (r.mismatches.length === 0) lines.push('Cross-check: the report’s totals match its rows.');
  else
    for (const m of r.mismatches)
      lines.push(`MISMATCH ${m.check}: report ${m.report}, computed ${m.computed} (${m.message})`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines;
}

export function registerReportCommands(program: Command, io: Io): void {
  const report = program.command('report').description('terminal trade history reports (ReportHistory-*.html / .xlsx)');
  report
    .command('parse')
    .description('parse a report exported by an MT5 terminal (any language, HTML or xlsx) and cross-check its totals')
    .argument('<file>', 'ReportHistory-<login>.html or .xlsx')
    .option('--json', 'print {account, positions, orders, deals, open_positions, summary, results, mismatches, …}')
    .action((file: string, opts: { json?: boolean }) => {
      const parsed = loadReport(file);
      if (opts.json) io.out(JSON.stringify(reportJson(parsed)));
      else for (const line of reportText(parsed)) io.out(line);
    });
}
