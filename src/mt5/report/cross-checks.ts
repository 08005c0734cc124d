/**
 * What the parser recomputes from the rows, and every disagreement with the report's own totals
 * (Results, Summary, the totals rows of the Deals and Open Positions blocks) as a mismatch.
 */
import { amountToCents, centsToAmount } from '../../infra/money.ts';
import type {
  ParsedReport,
  ReportDeal,
  ReportMismatch,
  ReportOpenPosition,
  ReportResults,
  ReportSummary,
} from './parsed-report.ts';
import type { Block } from './sections.ts';
import { optNum } from './values.ts';

const TRADE_TYPES = new Set(['buy', 'sell']);
const CLOSING = new Set(['out', 'in/out', 'out by']);

interface CrossCheckInput {
  deals: ReportDeal[];
  openPositions: ReportOpenPosition[];
  /** The Deals and Open Positions blocks, for their totals rows. */
  dealsBlock: Block | undefined;
  openPositionsBlock: Block | undefined;
  summary: ReportSummary;
  results: ReportResults;
}

/** The figures computed from the deals and the mismatches; a running Balance that does not add up is a warning. */
export function crossCheck(input: CrossCheckInput, warnings: string[]): Pick<ParsedReport, 'computed' | 'mismatches'> {
  const { deals, openPositions, summary, results } = input;
  const mismatches: ReportMismatch[] = [];
  const compare = (check: string, report: number | null | undefined, computed: number, message: string) => {
    if (report === null || report === undefined) return;
    const computedCents = amountToCents(computed);
    if (amountToCents(report) === computedCents) return;
    const difference = centsToAmount(amountToCents(computed - report));
    mismatches.push({ check, report, computed: centsToAmount(computedCents), difference, message });
  };

  let netCents = 0;
  let grossProfitCents = 0;
  let grossLossCents = 0;
  let trades = 0;
  let depositCents = 0;
  let withdrawalCents = 0;
  let creditCents = 0;
  const sums = { commission: 0, fee: 0, swap: 0, profit: 0 };
  let balanceBreaks = 0;
  let firstBreak: ReportDeal | null = null;
  let running: number | null = null;
  for (const d of deals) {
    const c = amountToCents(d.profit) + amountToCents(d.commission) + amountToCents(d.fee) + amountToCents(d.swap);
    sums.commission += amountToCents(d.commission);
    sums.fee += amountToCents(d.fee);
    sums.swap += amountToCents(d.swap);
    sums.profit += amountToCents(d.profit);
    if (TRADE_TYPES.has(d.type)) {
      netCents += c;
      if (CLOSING.has(d.direction)) {
        trades++;
        if (c > 0) grossProfitCents += c;
        else grossLossCents += c;
      } else if (c < 0) grossLossCents += c;
    } else if (d.type === 'balance') {
      if (c >= 0) depositCents += c;
      else withdrawalCents += c;
    } else if (d.type === 'credit') creditCents += c;
    if (running !== null && running + c !== amountToCents(d.balance)) {
      balanceBreaks++;
      firstBreak ??= d;
    }
    running = amountToCents(d.balance);
  }
  if (firstBreak) {
    warnings.push(
      `the running Balance column does not add up at ${balanceBreaks} deal(s), first at deal ${firstBreak.deal} (${firstBreak.time})`,
    );
  }

  const computed = {
    total_net_profit: netCents / 100,
    gross_profit: grossProfitCents / 100,
    gross_loss: grossLossCents / 100,
    total_trades: trades,
    final_balance: running === null ? null : running / 100,
    deposits: depositCents / 100,
    withdrawals: withdrawalCents / 100,
    credit: creditCents / 100,
  };

  if (deals.length > 0) {
    compare(
      'total_net_profit',
      results.total_net_profit,
      computed.total_net_profit,
      'Results "Total Net Profit" differs from the sum of profit, swap, commission and fee of the trading deals',
    );
    compare(
      'gross_profit',
      results.gross_profit,
      computed.gross_profit,
      'Results "Gross Profit" differs from the sum of the winning closing deals',
    );
    compare(
      'gross_loss',
      results.gross_loss,
      computed.gross_loss,
      'Results "Gross Loss" differs from the sum of the losing deals',
    );
    compare(
      'total_trades',
      results.total_trades,
      trades,
      'Results "Total Trades" differs from the number of closing deals (out, in/out, out by)',
    );
    if (summary.balance !== null && running !== null) {
      compare(
        'balance',
        summary.balance,
        (running - creditCents) / 100,
        'Summary "Balance" differs from the last running balance of the Deals block less credit',
      );
    }
  }
  const dealTotal = totalsReader(input.dealsBlock);
  if (dealTotal) {
    compare(
      'deals_commission',
      dealTotal('commission'),
      sums.commission / 100,
      'Deals totals row: Commission differs from the column sum',
    );
    compare('deals_fee', dealTotal('fee'), sums.fee / 100, 'Deals totals row: Fee differs from the column sum');
    compare('deals_swap', dealTotal('swap'), sums.swap / 100, 'Deals totals row: Swap differs from the column sum');
    compare(
      'deals_profit',
      dealTotal('profit'),
      sums.profit / 100,
      'Deals totals row: Profit differs from the column sum',
    );
    if (running !== null)
      compare(
        'deals_balance',
        dealTotal('balance'),
        running / 100,
        'Deals totals row: Balance differs from the last running balance',
      );
  }
  const openSwap = openPositions.reduce((s, p) => s + amountToCents(p.swap), 0);
  const openProfit = openPositions.reduce((s, p) => s + amountToCents(p.profit), 0);
  const openTotal = totalsReader(input.openPositionsBlock);
  if (openTotal) {
    compare(
      'open_positions_swap',
      openTotal('swap'),
      openSwap / 100,
      'Open Positions totals row: Swap differs from the column sum',
    );
    compare(
      'open_positions_profit',
      openTotal('profit'),
      openProfit / 100,
      'Open Positions totals row: Profit differs from the column sum',
    );
  }
  const floating = summary.floating_pl;
  if (
    floating !== null &&
    openPositions.length > 0 &&
    amountToCents(floating) !== openProfit &&
    amountToCents(floating) !== openProfit + openSwap
  ) {
    compare(
      'floating_pl',
      floating,
      openProfit / 100,
      'Summary "Floating P/L" differs from the profit of the open positions',
    );
  }
  if (summary.equity !== null && summary.balance !== null) {
    const base =
      amountToCents(summary.balance) + amountToCents(summary.credit ?? 0) + amountToCents(summary.floating_pl ?? 0);
    // Some builds show Floating P/L without the open positions' swap; equity includes it.
    if (amountToCents(summary.equity) !== base && amountToCents(summary.equity) !== base + openSwap) {
      compare('equity', summary.equity, base / 100, 'Summary "Equity" differs from Balance + Credit + Floating P/L');
    }
  }
  return { computed, mismatches };
}

/** A block's totals row by field (null for a column the block does not have), or null without a totals row. */
function totalsReader(block: Block | undefined): ((field: string) => number | null) | null {
  const totals = block?.totals;
  const slotOf = block?.layout?.slotOf;
  if (!totals || !slotOf) return null;
  return (field) => {
    const slot = slotOf[field];
    return slot === undefined ? null : optNum(totals[slot]);
  };
}
