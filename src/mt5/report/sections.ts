/**
 * Rows → sections, as the rows arrive (reference/mt5.md §4.3): header pairs, then blocks (a
 * one-cell title row, a wide header row, rows that start with a time, an optional totals row),
 * then the summary pairs, then a title row and the Results pairs. Block rows become records
 * (blocks.ts) as they arrive; nothing else of a row is kept.
 */
import {
  type BlockKind,
  type BlockLayout,
  type BlockRecords,
  blockLayout,
  hasDirection,
  KIND_PROBE_ROWS,
} from './blocks.ts';
import type { RowSink } from './rows.ts';
import { isTime, parseNumber } from './values.ts';

/** A block (Positions, Orders, …): its title, header slots, layout and totals row (values by slot). */
export interface Block {
  title: string;
  /** Visible start column of each header cell. */
  starts: number[];
  /** Column → slot. */
  slotOf: Int32Array;
  /** undefined while undecided (a 13-wide block waits for its first rows), null when ignored. */
  layout: BlockLayout | null | undefined;
  /** Rows (values by slot, hidden text) held until the kind is decided. */
  pending: Array<{ values: string[]; hidden: string }>;
  /** Where the block's records go, once its kind is decided. */
  records: unknown[] | null;
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

export interface Pair {
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
export class Sections implements RowSink {
  docTitle = '';
  readonly head: Pair[] = [];
  readonly summary: Pair[] = [];
  readonly results: Pair[] = [];
  readonly blocks: Block[] = [];
  /** Records of each block kind, built as the rows arrive. */
  readonly records: { [K in BlockKind]: BlockRecords[K][] } = {
    positions: [],
    orders: [],
    deals: [],
    open_positions: [],
    working_orders: [],
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
    if (block && block.layout === undefined) this.decide(block);
  }

  private decide(block: Block): void {
    const picked = blockLayout(block.starts.length, this.cursor, block.looksLikeDeals, block.rowCount > 0);
    if (picked) {
      block.layout = picked.layout;
      block.records = this.records[picked.layout.kind];
      this.cursor = picked.cursor;
      this.blockOf[picked.layout.kind] = block;
    } else {
      block.layout = null;
      this.blockWarnings.push(`ignored a block "${block.title}" with ${block.starts.length} columns`);
    }
    for (const { values, hidden } of block.pending) this.record(block, values, hidden);
    block.pending = [];
  }

  private record(block: Block, values: string[], hidden: string): void {
    const layout = block.layout;
    if (layout) block.records!.push(layout.read(values, hidden));
  }

  /** A row of the current block: recorded at once when the kind is known, else held until it is. */
  private blockRow(block: Block, values: string[], hidden: string): void {
    block.rowCount++;
    if (block.layout !== undefined) {
      this.record(block, values, hidden);
      return;
    }
    block.pending.push({ values, hidden });
    if (block.rowCount <= KIND_PROBE_ROWS && hasDirection(values)) block.looksLikeDeals = true;
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
        const block: Block = {
          title,
          starts,
          slotOf: slotTable(starts),
          layout: undefined,
          pending: [],
          records: null,
          looksLikeDeals: false,
          rowCount: 0,
          totals: null,
        };
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
