/**
 * The terminal's "Trade History Report" (reference/mt5.md §4): rows → blocks → typed records,
 * in any terminal language. Blocks are found by shape (a one-cell title row followed by a wide
 * header row) and told apart by their column count and order; columns are read by position.
 * English labels are used only as a hint for the summary and Results label/value pairs.
 * The parser recomputes what it can from the deals and reports every disagreement with the
 * report's own totals as a mismatch.
 */
import { ReportError } from './errors.ts';
import { decodeText, scanHtml, type RowSink } from './rows.ts';
import { isZip, XlsxError, xlsxRows } from './xlsx.ts';
import type { ZipLimits } from './zip.ts';

export { ReportError };

export interface ReportAccount {
  login: string;
  currency: string;
  server: string;
  name: string;
  company: string;
  /** `demo` | `real` | `contest` as the report writes it, or null. */
  trade_mode: string | null;
  margin_mode: 'hedging' | 'netting' | null;
  /** When the report was made, server clock `YYYY-MM-DD HH:mm[:ss]`. */
  generated_at: string | null;
}

/** Times below are server-clock wall times `YYYY-MM-DD HH:mm:ss` (no zone), as the report shows them. */
export interface ReportPosition {
  time: string;
  position: number;
  symbol: string;
  type: string;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  close_time: string;
  /** Volume-weighted for partially closed positions (§4.5). */
  close_price: number;
  commission: number;
  swap: number;
  profit: number;
  /** The hidden cell after Type (EA name or id). */
  comment: string;
}

export interface ReportOrder {
  open_time: string;
  order: number;
  symbol: string;
  type: string;
  volume_filled: number;
  volume_requested: number;
  /** null for `market`. */
  price: number | null;
  sl: number | null;
  tp: number | null;
  time: string | null;
  state: string;
  comment: string;
}

export interface ReportDeal {
  time: string;
  deal: number;
  symbol: string;
  /** `buy`, `sell`, `balance`, `credit`, … (English in every language, §4.4). */
  type: string;
  /** `in`, `out`, `in/out`, `out by`, or '' for balance operations. */
  direction: string;
  volume: number;
  price: number;
  order: number;
  commission: number;
  fee: number;
  swap: number;
  profit: number;
  /** Running balance after the deal (includes credit deals). */
  balance: number;
  comment: string;
}

export interface ReportOpenPosition {
  time: string;
  position: number;
  symbol: string;
  type: string;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  market_price: number;
  swap: number;
  profit: number;
  comment: string;
}

export interface ReportWorkingOrder {
  open_time: string;
  order: number;
  symbol: string;
  type: string;
  volume_filled: number;
  volume_requested: number;
  price: number | null;
  sl: number | null;
  tp: number | null;
  market_price: number | null;
  state: string;
  comment: string;
}

export interface ReportSummary {
  balance: number | null;
  credit: number | null;
  floating_pl: number | null;
  equity: number | null;
  free_margin: number | null;
  margin: number | null;
  /** Percent, e.g. 917.63. */
  margin_level: number | null;
}

export type ReportResults = Record<string, number | null>;

export interface ReportMismatch {
  check: string;
  /** What the report states. */
  report: number;
  /** What the parser computed from the rows. */
  computed: number;
  difference: number;
  message: string;
}

export interface ParsedReport {
  format: 'html' | 'xlsx';
  account: ReportAccount;
  positions: ReportPosition[];
  orders: ReportOrder[];
  deals: ReportDeal[];
  open_positions: ReportOpenPosition[];
  working_orders: ReportWorkingOrder[];
  summary: ReportSummary;
  results: ReportResults;
  /** What the parser computed from the deals (the other side of every cross-check). */
  computed: {
    total_net_profit: number;
    gross_profit: number;
    gross_loss: number;
    total_trades: number;
    final_balance: number | null;
    deposits: number;
    withdrawals: number;
    credit: number;
  };
  mismatches: ReportMismatch[];
  warnings: string[];
}

export interface ParseReportOptions {
  /** File name, used only to pick the format when the bytes are ambiguous. */
  filename?: string;
  /** Inflation limits for xlsx uploads (defaults: `DEFAULT_ZIP_LIMITS`); past one, `ReportTooLargeError`. */
  zipLimits?: Partial<ZipLimits>;
}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * The plain shape of a report number (`-1 019.60`, `0.00`, `1771882106`): optional sign, digits
 * with single spaces between groups, optional fraction. Read without a regex; anything else goes
 * the general way.
 */
function plainNumber(raw: string): number | null {
  const n = raw.length;
  if (n === 0 || n > 40) return null;
  let i = 0;
  let negative = false;
  if (raw.charCodeAt(0) === 0x2d) {
    negative = true;
    i = 1;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      if (dot) decimals++;
    } else if (c === 0x20 && !dot && digits > 0 && i + 1 < n && raw.charCodeAt(i + 1) !== 0x20) {
      // a thousands separator
    } else if (c === 0x2e && !dot && digits > 0) dot = true;
    else return null;
  }
  if (digits === 0 || raw.charCodeAt(n - 1) === 0x2e) return null;
  // Up to 15 digits the mantissa is exact and m / 10^k is the correctly rounded value, as Number() gives.
  if (digits > 15) return Number(raw.replaceAll(' ', ''));
  const value = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
  return negative ? -value : value;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Locale-free number: space/NBSP thousands separators, optional %, `-` sign; '' → null. */
export function parseNumber(raw: string): number | null {
  const fast = plainNumber(raw);
  if (fast !== null) return fast;
  let s = raw.replace(/[\s\u00a0\u2009\u202f']/g, '');
  if (s === '' || s === '-') return null;
  if (s.endsWith('%')) s = s.slice(0, -1);
  if (s.includes(',') && s.includes('.')) s = s.replace(/,/g, '');
  else if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return null;
  return Number(s);
}

/** `58.44 (0.58%)` → [58.44, 0.58]; `658` → [658, null]. */
export function parseComposite(raw: string): [number | null, number | null] {
  const m = /^(.*?)\s*\(([^)]*)\)\s*$/.exec(raw);
  if (!m) return [parseNumber(raw), null];
  return [parseNumber(m[1]!), parseNumber(m[2]!)];
}

const money = (s: string | undefined): number => parseNumber(s ?? '') ?? 0;
const optNum = (s: string | undefined): number | null => parseNumber(s ?? '');
const int = (s: string | undefined): number => {
  const n = parseNumber(s ?? '');
  return n === null ? 0 : Math.trunc(n);
};

/** `2023.06.23 07:53:00` (or an Excel serial from xlsx) → `2023-06-23 07:53:00`. */
export function reportTime(raw: string | undefined): string {
  const r = raw ?? '';
  // the usual `YYYY.MM.DD HH:MM:SS`, without a regex
  if (r.length === 19 && r.charCodeAt(4) === 0x2e && r.charCodeAt(7) === 0x2e && r.charCodeAt(10) === 0x20 && r.charCodeAt(13) === 0x3a && r.charCodeAt(16) === 0x3a)
    return `${r.slice(0, 4)}-${r.slice(5, 7)}-${r.slice(8)}`;
  const s = r.trim();
  const m = /^(\d{4})[.\-/](\d\d)[.\-/](\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}`;
  if (/^\d{4,6}(\.\d+)?$/.test(s)) {
    // Excel serial day number (1900 system); wall time, no zone.
    const ms = Math.round((Number(s) - 25569) * 86_400_000);
    return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  }
  return s;
}

/** A block row's first cell: `2023.06.23 07:53:00`, or an Excel serial date from a re-saved xlsx. */
function isTime(text: string): boolean {
  const c = text.charCodeAt(0);
  if (text.length >= 10 && text.charCodeAt(4) === 0x2e && text.charCodeAt(7) === 0x2e && c >= 0x30 && c <= 0x39) return true;
  return /^\d{4}[.\-/]\d\d[.\-/]\d\d/.test(text) || /^\d{4,6}(\.\d+)?$/.test(text);
}

const cents = (n: number) => Math.round(n * 100);
const round2 = (n: number) => cents(n) / 100;

// ---------------------------------------------------------------------------------------------
// Rows → sections

/** A block (Positions, Orders, …): its title, header slots, kind and totals row (values by slot). */
interface Block {
  title: string;
  /** Visible start column of each header cell. */
  starts: number[];
  /** Column → slot. */
  slotOf: Int32Array;
  /** undefined while undecided (a 13-wide block waits for its first rows), null when ignored. */
  kind: BlockKind | null | undefined;
  /** Rows (values by slot, hidden text) held until the kind is decided. */
  pending: Array<{ values: string[]; hidden: string }>;
  looksLikeDeals: boolean;
  rowCount: number;
  totals: string[] | null;
}

/** Column → header slot of a block: the slot whose columns a cell starts in (cells past the last slot join it). */
function slotTable(starts: number[]): Int32Array {
  const width = (starts[starts.length - 1] ?? 0) + 1;
  const table = new Int32Array(width);
  let k = 0;
  for (let col = 0; col < width; col++) {
    while (k + 1 < starts.length && starts[k + 1]! <= col) k++;
    table[col] = k;
  }
  return table;
}

interface Pair {
  label: string;
  value: string;
}

const isLabel = (t: string) => {
  const c = t.charCodeAt(t.length - 1);
  return c === 0x3a /* : */ || c === 0xff1a; /* ： */
};

/** Label/value pairs of header, summary and Results rows (their visible texts in order): a label ends with a colon. */
function pairs(texts: string[], out: Pair[]): void {
  for (let i = 0; i < texts.length; i++) {
    const t = texts[i]!;
    if (!isLabel(t)) continue;
    const next = texts[i + 1];
    const value = next !== undefined && !isLabel(next) ? next : '';
    out.push({ label: t.replace(/\s*[:：]$/, ''), value });
    if (value !== '') i++;
  }
}

/**
 * Rows → sections, as the rows arrive: header pairs, then blocks (a one-cell title row, a wide
 * header row, rows that start with a time, an optional totals row), then the summary pairs, then a
 * title row and the Results pairs. Cells are kept only as the values of block rows.
 */
class Sections implements RowSink {
  docTitle = '';
  readonly head: Pair[] = [];
  readonly summary: Pair[] = [];
  readonly results: Pair[] = [];
  readonly blocks: Block[] = [];
  /** Records of each block kind, built as the rows arrive. */
  readonly records = {
    positions: [] as ReportPosition[],
    orders: [] as ReportOrder[],
    deals: [] as ReportDeal[],
    open_positions: [] as ReportOpenPosition[],
    working_orders: [] as ReportWorkingOrder[],
  };
  readonly blockOf: Partial<Record<BlockKind, Block>> = {};
  readonly blockWarnings: string[] = [];
  private cursor = 0;
  // the current row's cells
  private texts: string[] = [];
  private cols: number[] = [];
  private hid: boolean[] = [];
  private n = 0;
  private phase: 'head' | 'blocks' | 'summary' | 'results' = 'head';
  private sawDocTitle = false;
  private current: Block | null = null;
  /** A title row waits for the next row: a header row opens a block, anything else starts the Results. */
  private pendingTitle: string | null = null;
  private lastHidden = '';

  cell(text: string, col: number, _span: number, hidden: boolean): void {
    const i = this.n++;
    this.texts[i] = text;
    this.cols[i] = col;
    this.hid[i] = hidden;
  }

  endRow(): void {
    this.row();
    this.n = 0;
  }

  finish(): void {
    if (this.pendingTitle !== null) this.phase = 'results';
    this.pendingTitle = null;
    this.endBlock();
  }

  /** The current block ends: an undecided kind is decided on the rows it has. */
  private endBlock(): void {
    const block = this.current;
    this.current = null;
    if (block && block.kind === undefined) this.decide(block);
  }

  private decide(block: Block): void {
    const picked = blockKind(block.starts.length, this.cursor, block.looksLikeDeals, block.rowCount > 0);
    if (picked) {
      block.kind = picked.kind;
      this.cursor = picked.cursor;
      this.blockOf[picked.kind] = block;
    } else {
      block.kind = null;
      this.blockWarnings.push(`ignored a block "${block.title}" with ${block.starts.length} columns`);
    }
    for (const { values, hidden } of block.pending) this.record(block, values, hidden);
    block.pending = [];
  }

  private record(block: Block, v: string[], hidden: string): void {
    switch (block.kind) {
      case 'positions':
        this.records.positions.push(toPosition(v, hidden));
        break;
      case 'orders':
        this.records.orders.push(toOrder(v));
        break;
      case 'deals':
        this.records.deals.push(toDeal(v, block.starts.length >= 14));
        break;
      case 'open_positions':
        this.records.open_positions.push(toOpenPosition(v));
        break;
      case 'working_orders':
        this.records.working_orders.push(toWorkingOrder(v));
        break;
    }
  }

  /** A row of the current block: recorded at once when the kind is known, else held until it is. */
  private blockRow(block: Block, values: string[], hidden: string): void {
    block.rowCount++;
    if (block.kind !== undefined) {
      this.record(block, values, hidden);
      return;
    }
    block.pending.push({ values, hidden });
    if (block.rowCount <= KIND_PROBE_ROWS && DIRECTIONS.test(values[4] ?? '')) block.looksLikeDeals = true;
    if (block.looksLikeDeals || block.rowCount >= KIND_PROBE_ROWS) this.decide(block);
  }

  private row(): void {
    const { texts, hid, n } = this;
    let visible = 0;
    let nonEmpty = 0;
    let first = -1;
    for (let i = 0; i < n; i++) {
      if (hid[i]) continue;
      visible++;
      if (texts[i] === '') continue;
      nonEmpty++;
      if (first < 0) first = i;
    }

    if (this.pendingTitle !== null) {
      const title = this.pendingTitle;
      this.pendingTitle = null;
      if (nonEmpty >= 10) {
        const starts: number[] = [];
        for (let i = 0; i < n; i++) if (!hid[i]) starts.push(this.cols[i]!);
        const block: Block = { title, starts, slotOf: slotTable(starts), kind: undefined, pending: [], looksLikeDeals: false, rowCount: 0, totals: null };
        this.blocks.push(block);
        this.current = block;
        // only a 13-wide block needs its rows to tell Positions from Deals
        if (starts.length !== 13) this.decide(block);
        this.phase = 'blocks';
        return;
      }
      this.phase = 'results';
    }

    if (nonEmpty === 1 && visible === 1 && parseNumber(texts[first]!) === null) {
      this.endBlock();
      const title = texts[first]!;
      if (this.phase === 'head' && !this.sawDocTitle && this.head.length === 0) {
        this.sawDocTitle = true;
        if (!this.docTitle) this.docTitle = title;
        return;
      }
      this.pendingTitle = title;
      return;
    }

    const block = this.current;
    if (block) {
      // A block row starts with its time in the first column; a row starting further right is the
      // totals row; anything else (an empty row, or the summary right after the last block, as in
      // xlsx exports that have no spacer rows) ends the block.
      if (first >= 0 && this.cols[first] === 0 && isTime(texts[first]!)) {
        const values = this.values(block);
        this.blockRow(block, values, this.lastHidden);
        return;
      }
      this.endBlock();
      this.phase = 'summary';
      if (first < 0) return;
      if (this.cols[first]! > 0) {
        block.totals = this.values(block);
        return;
      }
    }

    const shown: string[] = [];
    for (let i = 0; i < n; i++) if (!hid[i]) shown.push(texts[i]!);
    pairs(shown, this.phase === 'head' ? this.head : this.phase === 'results' ? this.results : this.summary);
  }

  /** Values of the current row by header slot: the visible cell starting in the slot's columns; hidden cells join the slot before them. */
  private values(block: Block): string[] {
    const width = block.starts.length;
    const table = block.slotOf;
    const values: string[] = new Array(width).fill('');
    let slot3 = '';
    let all = '';
    for (let i = 0; i < this.n; i++) {
      const col = this.cols[i]!;
      const text = this.texts[i]!;
      if (this.hid[i]) {
        if (text === '' || col === 0) continue;
        const k = col - 1 < table.length ? table[col - 1]! : width - 1;
        if (k === 3) slot3 = slot3 === '' ? text : `${slot3} ${text}`;
        all = all === '' ? text : `${all} ${text}`;
        continue;
      }
      const k = col < table.length ? table[col]! : width - 1;
      if (values[k] === '') values[k] = text;
    }
    // the Positions comment is the hidden cell after Type (slot 3), else whatever hidden text there is
    this.lastHidden = slot3 || all;
    return values;
  }
}

// ---------------------------------------------------------------------------------------------
// Blocks by shape

type BlockKind = 'positions' | 'orders' | 'deals' | 'open_positions' | 'working_orders';
const ORDER: BlockKind[] = ['positions', 'orders', 'deals', 'open_positions', 'working_orders'];
const WIDTHS: Record<BlockKind, number[]> = { positions: [13], orders: [11], deals: [14, 13], open_positions: [12], working_orders: [11] };
const DIRECTIONS = /^(in|out|in\/out|out by)$/i;

/**
 * The kind of a block, from its width and the kinds before it (blocks come in the terminal's
 * order, any of them may be missing). A 13-wide block is Positions, or Deals of a build without
 * the Fee column: told apart by a Direction (`in`, `out`, …) in its first 20 rows.
 */
function blockKind(width: number, cursor: number, looksLikeDeals: boolean, hasRows: boolean): { kind: BlockKind; cursor: number } | null {
  for (let k = cursor; k < ORDER.length; k++) {
    const kind = ORDER[k]!;
    if (!WIDTHS[kind].includes(width)) continue;
    if (kind === 'deals' && width === 13 && !looksLikeDeals && hasRows) continue;
    if (kind === 'positions' && looksLikeDeals) continue;
    return { kind, cursor: k + 1 };
  }
  return null;
}

/** How many rows of a 13-wide block are looked at for a Direction. */
const KIND_PROBE_ROWS = 20;

function toPosition(v: string[], comment: string): ReportPosition {
  return {
    time: reportTime(v[0]),
    position: int(v[1]),
    symbol: v[2]!,
    type: v[3]!.toLowerCase(),
    volume: money(v[4]),
    price: money(v[5]),
    sl: optNum(v[6]),
    tp: optNum(v[7]),
    close_time: reportTime(v[8]),
    close_price: money(v[9]),
    commission: money(v[10]),
    swap: money(v[11]),
    profit: money(v[12]),
    comment,
  };
}

function toOrder(v: string[]): ReportOrder {
  const [filled, requested] = volumePair(v[4]!);
  return {
    open_time: reportTime(v[0]),
    order: int(v[1]),
    symbol: v[2]!,
    type: v[3]!.toLowerCase(),
    volume_filled: filled,
    volume_requested: requested,
    price: optNum(v[5]),
    sl: optNum(v[6]),
    tp: optNum(v[7]),
    time: v[8] ? reportTime(v[8]) : null,
    state: v[9]!.toLowerCase(),
    comment: v[10]!,
  };
}

/** `hasFee`: 14 columns; without the Fee column (13) Swap, Profit, Balance and Comment sit one slot to the left. */
function toDeal(v: string[], hasFee: boolean): ReportDeal {
  const shift = hasFee ? 0 : 1;
  return {
    time: reportTime(v[0]),
    deal: int(v[1]),
    symbol: v[2]!,
    type: v[3]!.toLowerCase(),
    direction: v[4]!.toLowerCase(),
    volume: money(v[5]),
    price: money(v[6]),
    order: int(v[7]),
    commission: money(v[8]),
    fee: hasFee ? money(v[9]) : 0,
    swap: money(v[10 - shift]),
    profit: money(v[11 - shift]),
    balance: money(v[12 - shift]),
    comment: v[13 - shift] ?? '',
  };
}

function toOpenPosition(v: string[]): ReportOpenPosition {
  return {
    time: reportTime(v[0]),
    position: int(v[1]),
    symbol: v[2]!,
    type: v[3]!.toLowerCase(),
    volume: money(v[4]),
    price: money(v[5]),
    sl: optNum(v[6]),
    tp: optNum(v[7]),
    market_price: money(v[8]),
    swap: money(v[9]),
    profit: money(v[10]),
    comment: v[11]!,
  };
}

function toWorkingOrder(v: string[]): ReportWorkingOrder {
  const [filled, requested] = volumePair(v[4]!);
  return {
    open_time: reportTime(v[0]),
    order: int(v[1]),
    symbol: v[2]!,
    type: v[3]!.toLowerCase(),
    volume_filled: filled,
    volume_requested: requested,
    price: optNum(v[5]),
    sl: optNum(v[6]),
    tp: optNum(v[7]),
    market_price: optNum(v[8]),
    state: v[9]!.toLowerCase(),
    comment: v[10]!,
  };
}

/** `0.1 / 0.1` → [filled, requested]; a single number is both. */
function volumePair(s: string): [number, number] {
  const slash = s.indexOf('/');
  if (slash < 0) {
    const filled = parseNumber(s.trim()) ?? 0;
    return [filled, filled];
  }
  return [parseNumber(s.slice(0, slash).trim()) ?? 0, parseNumber(s.slice(slash + 1).trim()) ?? 0];
}

// ---------------------------------------------------------------------------------------------
// Summary and Results: positional order of the terminal's layout, English labels as a hint

const SUMMARY_ORDER: (keyof ReportSummary)[] = ['balance', 'free_margin', 'credit', 'margin', 'floating_pl', 'margin_level', 'equity'];
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

function readSummary(list: Pair[], warnings: string[]): ReportSummary {
  const summary: ReportSummary = { balance: null, credit: null, floating_pl: null, equity: null, free_margin: null, margin: null, margin_level: null };
  const valued = list.filter((p) => p.value !== '');
  const byLabel = valued.map((p) => SUMMARY_LABELS[p.label.toLowerCase()]);
  const english = byLabel.every((k) => k !== undefined) && valued.length > 0;
  if (english) valued.forEach((p, i) => (summary[byLabel[i]!] = parseNumber(p.value)));
  else if (valued.length === SUMMARY_ORDER.length) valued.forEach((p, i) => (summary[SUMMARY_ORDER[i]!] = parseNumber(p.value)));
  else if (valued.length > 0) {
    valued.forEach((p, i) => {
      const k = byLabel[i];
      if (k) summary[k] = parseNumber(p.value);
    });
    warnings.push(`summary: ${valued.length} values with unknown labels; only English labels were read`);
  }
  return summary;
}

function readResults(list: Pair[], warnings: string[]): ReportResults {
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
  if (english) valued.forEach((p, i) => put(indexes[i]!, p.value));
  else if (valued.length === RESULTS_ORDER.length) valued.forEach((p, i) => put(i, p.value));
  else if (valued.length > 0) {
    valued.forEach((p, i) => indexes[i] !== undefined && put(indexes[i]!, p.value));
    warnings.push(`results: ${valued.length} values where ${RESULTS_ORDER.length} were expected; only English labels were read`);
  }
  return results;
}

function readAccount(list: Pair[], title: string, warnings: string[]): ReportAccount {
  const account: ReportAccount = { login: '', currency: '', server: '', name: '', company: '', trade_mode: null, margin_mode: null, generated_at: null };
  const valued = list.filter((p) => p.value !== '');
  const accountPattern = /^(\d+)\s*\((.*)\)\s*$/;
  const accountPair = valued.find((p) => accountPattern.test(p.value));
  const datePair = valued.find((p) => /^\d{4}[.\-]\d\d[.\-]\d\d/.test(p.value));
  if (valued.length >= 4) {
    account.name = valued[0]!.value;
    account.company = valued[2]!.value;
  }
  if (accountPair) {
    const m = accountPattern.exec(accountPair.value)!;
    account.login = m[1]!;
    const parts = m[2]!.split(',').map((s) => s.trim());
    account.currency = parts[0] ?? '';
    let serverParts = parts.slice(1);
    const last = serverParts[serverParts.length - 1]?.toLowerCase();
    if (last && /^(hedge|hedging|netting|exchange)$/.test(last)) {
      account.margin_mode = last.startsWith('hedg') ? 'hedging' : 'netting';
      serverParts = serverParts.slice(0, -1);
    }
    const mode = serverParts[serverParts.length - 1]?.toLowerCase();
    if (mode && /^(demo|real|contest|preliminary)$/.test(mode)) {
      account.trade_mode = mode;
      serverParts = serverParts.slice(0, -1);
    }
    account.server = serverParts.join(', ');
  } else {
    const login = /^(\d+)\s*:/.exec(title)?.[1];
    if (login) account.login = login;
    warnings.push('no Account line (login, currency, server) found in the report header');
  }
  if (datePair) account.generated_at = reportTime(datePair.value).slice(0, 16);
  return account;
}

// ---------------------------------------------------------------------------------------------

const TRADE_TYPES = new Set(['buy', 'sell']);
const CLOSING = new Set(['out', 'in/out', 'out by']);

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
  const { blocks, head: headPairs, summary: summaryPairs, results: resultPairs, docTitle } = sections;
  if (blocks.length === 0) throw new ReportError('not an MT5 trade history report: no Positions/Orders/Deals blocks found');

  const account = readAccount(headPairs, docTitle, warnings);
  warnings.push(...sections.blockWarnings);
  const { positions, orders, deals, open_positions, working_orders } = sections.records;
  const db = sections.blockOf.deals;
  const opb = sections.blockOf.open_positions;

  const summary = readSummary(summaryPairs, warnings);
  const results = readResults(resultPairs, warnings);

  // ---- cross-checks
  const mismatches: ReportMismatch[] = [];
  const compare = (check: string, report: number | null | undefined, computed: number, message: string) => {
    if (report === null || report === undefined) return;
    if (cents(report) !== cents(computed)) mismatches.push({ check, report, computed: round2(computed), difference: round2(computed - report), message });
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
    const c = cents(d.profit) + cents(d.commission) + cents(d.fee) + cents(d.swap);
    sums.commission += cents(d.commission);
    sums.fee += cents(d.fee);
    sums.swap += cents(d.swap);
    sums.profit += cents(d.profit);
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
    if (running !== null && running + c !== cents(d.balance)) {
      balanceBreaks++;
      firstBreak ??= d;
    }
    running = cents(d.balance);
  }
  if (firstBreak)
    warnings.push(`the running Balance column does not add up at ${balanceBreaks} deal(s), first at deal ${firstBreak.deal} (${firstBreak.time})`);

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
    compare('total_net_profit', results.total_net_profit, computed.total_net_profit, 'Results "Total Net Profit" differs from the sum of profit, swap, commission and fee of the trading deals');
    compare('gross_profit', results.gross_profit, computed.gross_profit, 'Results "Gross Profit" differs from the sum of the winning closing deals');
    compare('gross_loss', results.gross_loss, computed.gross_loss, 'Results "Gross Loss" differs from the sum of the losing deals');
    compare('total_trades', results.total_trades, trades, 'Results "Total Trades" differs from the number of closing deals (out, in/out, out by)');
    if (summary.balance !== null && running !== null)
      compare('balance', summary.balance, (running - creditCents) / 100, 'Summary "Balance" differs from the last running balance of the Deals block less credit');
  }
  if (db?.totals) {
    const t = db.totals;
    const hasFee = db.starts.length >= 14;
    const at = (k: number) => t[hasFee || k < 9 ? k : k - 1];
    compare('deals_commission', optNum(t[8]), sums.commission / 100, 'Deals totals row: Commission differs from the column sum');
    if (hasFee) compare('deals_fee', optNum(t[9]), sums.fee / 100, 'Deals totals row: Fee differs from the column sum');
    compare('deals_swap', optNum(at(10)), sums.swap / 100, 'Deals totals row: Swap differs from the column sum');
    compare('deals_profit', optNum(at(11)), sums.profit / 100, 'Deals totals row: Profit differs from the column sum');
    if (running !== null) compare('deals_balance', optNum(at(12)), running / 100, 'Deals totals row: Balance differs from the last running balance');
  }
  const openSwap = open_positions.reduce((s, p) => s + cents(p.swap), 0);
  const openProfit = open_positions.reduce((s, p) => s + cents(p.profit), 0);
  if (opb?.totals) {
    const t = opb.totals;
    compare('open_positions_swap', optNum(t[9]), openSwap / 100, 'Open Positions totals row: Swap differs from the column sum');
    compare('open_positions_profit', optNum(t[10]), openProfit / 100, 'Open Positions totals row: Profit differs from the column sum');
  }
  if (summary.floating_pl !== null && open_positions.length > 0 && cents(summary.floating_pl) !== openProfit && cents(summary.floating_pl) !== openProfit + openSwap)
    compare('floating_pl', summary.floating_pl, openProfit / 100, 'Summary "Floating P/L" differs from the profit of the open positions');
  if (summary.equity !== null && summary.balance !== null) {
    const base = cents(summary.balance) + cents(summary.credit ?? 0) + cents(summary.floating_pl ?? 0);
    // Some builds show Floating P/L without the open positions' swap; equity includes it.
    if (cents(summary.equity) !== base && cents(summary.equity) !== base + openSwap)
      compare('equity', summary.equity, base / 100, 'Summary "Equity" differs from Balance + Credit + Floating P/L');
  }

  return { format: xlsx ? 'xlsx' : 'html', account, positions, orders, deals, open_positions, working_orders, summary, results, computed, mismatches, warnings };
}
