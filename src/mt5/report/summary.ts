/**
 * The Summary and Results sections: label/value pairs read in the positional order of the
 * terminal's layout, with English labels as a hint (other languages are read by position).
 */
import type { ReportResults, ReportSummary } from './parsed-report.ts';
import type { Pair } from './sections.ts';
import { parseComposite, parseNumber } from './values.ts';

const SUMMARY_ORDER: (keyof ReportSummary)[] = [
  'balance',
  'free_margin',
  'credit',
  'margin',
  'floating_pl',
  'margin_level',
  'equity',
];
const SUMMARY_LABELS: Record<string, keyof ReportSummary> = {
  balance: 'balance',
  'free margin': 'free_margin',
  'credit facility': 'credit',
  credit: 'credit',
  margin: 'margin',
  'floating p/l': 'floating_pl',
  'margin level': 'margin_level',
  equity: 'equity',
};

/** Each entry: the first number's key and, for composite cells `a (b)`, the second's. */
const RESULTS_ORDER: Array<[string, string | null]> = [
  ['total_net_profit', null],
  ['gross_profit', null],
  ['gross_loss', null],
  ['profit_factor', null],
  ['expected_payoff', null],
  ['recovery_factor', null],
  ['sharpe_ratio', null],
  ['balance_drawdown_absolute', null],
  ['balance_drawdown_maximal', 'balance_drawdown_maximal_pct'],
  ['balance_drawdown_relative_pct', 'balance_drawdown_relative'],
  ['total_trades', null],
  ['short_trades', 'short_trades_won_pct'],
  ['long_trades', 'long_trades_won_pct'],
  ['profit_trades', 'profit_trades_pct'],
  ['loss_trades', 'loss_trades_pct'],
  ['largest_profit_trade', null],
  ['largest_loss_trade', null],
  ['average_profit_trade', null],
  ['average_loss_trade', null],
  ['max_consecutive_wins', 'max_consecutive_wins_money'],
  ['max_consecutive_losses', 'max_consecutive_losses_money'],
  ['maximal_consecutive_profit', 'maximal_consecutive_profit_count'],
  ['maximal_consecutive_loss', 'maximal_consecutive_loss_count'],
  ['average_consecutive_wins', null],
  ['average_consecutive_losses', null],
];
const RESULTS_LABELS: Record<string, number> = Object.fromEntries(
  [
    'total net profit',
    'gross profit',
    'gross loss',
    'profit factor',
    'expected payoff',
    'recovery factor',
    'sharpe ratio',
    'balance drawdown absolute',
    'balance drawdown maximal',
    'balance drawdown relative',
    'total trades',
    'short trades (won %)',
    'long trades (won %)',
    'profit trades (% of total)',
    'loss trades (% of total)',
    'largest profit trade',
    'largest loss trade',
    'average profit trade',
    'average loss trade',
    'maximum consecutive wins ($)',
    'maximum consecutive losses ($)',
    'maximal consecutive profit (count)',
    'maximal consecutive loss (count)',
    'average consecutive wins',
    'average consecutive losses',
  ].map((l, i) => [l, i]),
);

export function readSummary(list: Pair[], warnings: string[]): ReportSummary {
  const summary: ReportSummary = {
    balance: null,
    credit: null,
    floating_pl: null,
    equity: null,
    free_margin: null,
    margin: null,
    margin_level: null,
  };
  const valued = list.filter((p) => p.value !== '');
  const byLabel = valued.map((p) => SUMMARY_LABELS[p.label.toLowerCase()]);
  const english = byLabel.every((k) => k !== undefined) && valued.length > 0;
  if (english) {
    valued.forEach((p, i) => {
      summary[byLabel[i]!] = parseNumber(p.value);
    });
  } else if (valued.length === SUMMARY_ORDER.length) {
    valued.forEach((p, i) => {
      summary[SUMMARY_ORDER[i]!] = parseNumber(p.value);
    });
  } else if (valued.length > 0) {
    valued.forEach((p, i) => {
      const k = byLabel[i];
      if (k) summary[k] = parseNumber(p.value);
    });
    warnings.push(`summary: ${valued.length} values with unknown labels; only English labels were read`);
  }
  return summary;
}

export function readResults(list: Pair[], warnings: string[]): ReportResults {
  const results: ReportResults = {};
  for (const [a, b] of RESULTS_ORDER) {
    results[a] = null;
    if (b) results[b] = null;
  }
  const valued = list.filter((p) => p.value !== '');
  const indexes = valued.map((p) => RESULTS_LABELS[p.label.toLowerCase()]);
  const english = valued.length > 0 && indexes.every((i) => i !== undefined);
  const put = (slot: number, value: string) => {
    const [a, b] = RESULTS_ORDER[slot]!;
    const [x, y] = parseComposite(value);
    results[a] = x;
    if (b) results[b] = y;
  };
  if (english) {
    valued.forEach((p, i) => {
      put(indexes[i]!, p.value);
    });
  } else if (valued.length === RESULTS_ORDER.length) {
    valued.forEach((p, i) => {
      put(i, p.value);
    });
  } else if (valued.length > 0) {
    valued.forEach((p, i) => {
      if (indexes[i] !== undefined) put(indexes[i]!, p.value);
    });
    warnings.push(
      `results: ${valued.length} values where ${RESULTS_ORDER.length} were expected; only English labels were read`,
    );
  }
  return results;
}
