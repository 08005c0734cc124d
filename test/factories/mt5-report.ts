/**
 * Builds MT5 "Trade History Report" files in code (reference/mt5.md §4): the terminal's HTML
 * template in any language and encoding, and the Open XML (xlsx) export with UTF-16LE parts.
 * One small account exercises what real reports contain: a deposit, a credit, a partial close
 * (volume-weighted close price), a thousands separator in a price, an open position, a working
 * order, a withdrawal, and the Results block.
 */

export { reportHtml, utf16leWithBom } from './mt5-report-html.ts';
export { BULGARIAN, ENGLISH, JAPANESE } from './mt5-report-labels.ts';
export { EXPECTED, MODEL } from './mt5-report-model.ts';
export { reportXlsx } from './mt5-report-xlsx.ts';
