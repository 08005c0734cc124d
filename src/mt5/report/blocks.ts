/**
 * The report's five blocks as data (reference/mt5.md §4.3): for each, the widths it comes in and
 * its header cells in the terminal's order, each naming the record fields it fills and how its
 * text is read. Columns are read by position (the header texts are in the terminal's language),
 * so the English header names here are labels for people, not something the parser matches.
 */
import type {
  ReportDeal,
  ReportOpenPosition,
  ReportOrder,
  ReportPosition,
  ReportWorkingOrder,
} from './parsed-report.ts';
import { filledVolume, int, money, optNum, reportTime, requestedVolume } from './values.ts';

export type BlockKind = 'positions' | 'orders' | 'deals' | 'open_positions' | 'working_orders';

/** The record type of each block kind. */
export interface BlockRecords {
  positions: ReportPosition;
  orders: ReportOrder;
  deals: ReportDeal;
  open_positions: ReportOpenPosition;
  working_orders: ReportWorkingOrder;
}

type FieldReaders<R> = { [K in keyof R]?: (cell: string) => R[K] };

interface HeaderCell<R> {
  /** The English header, for people reading this table. */
  header: string;
  fields: FieldReaders<R>;
  /** A column some terminal builds leave out: its fields then take these values. */
  absentValues?: Partial<R>;
}

interface BlockDescriptor<R> {
  kind: BlockKind;
  /** Visible header cells a block of this kind has: the widest layout first. */
  widths: number[];
  cells: HeaderCell<R>[];
  /** The field that holds the row's hidden text (the Positions comment, an EA name or id). */
  hiddenTextField?: keyof R;
}

const text = (cell: string) => cell;
const lower = (cell: string) => cell.toLowerCase();
const time = (cell: string) => reportTime(cell);
const optionalTime = (cell: string) => (cell ? reportTime(cell) : null);

const POSITIONS: BlockDescriptor<ReportPosition> = {
  kind: 'positions',
  widths: [13],
  cells: [
    { header: 'Time', fields: { time } },
    { header: 'Position', fields: { position: int } },
    { header: 'Symbol', fields: { symbol: text } },
    { header: 'Type', fields: { type: lower } },
    { header: 'Volume', fields: { volume: money } },
    { header: 'Price', fields: { price: money } },
    { header: 'S / L', fields: { sl: optNum } },
    { header: 'T / P', fields: { tp: optNum } },
    { header: 'Time', fields: { close_time: time } },
    { header: 'Price', fields: { close_price: money } },
    { header: 'Commission', fields: { commission: money } },
    { header: 'Swap', fields: { swap: money } },
    { header: 'Profit', fields: { profit: money } },
  ],
  hiddenTextField: 'comment',
};

const ORDERS: BlockDescriptor<ReportOrder> = {
  kind: 'orders',
  widths: [11],
  cells: [
    { header: 'Open Time', fields: { open_time: time } },
    { header: 'Order', fields: { order: int } },
    { header: 'Symbol', fields: { symbol: text } },
    { header: 'Type', fields: { type: lower } },
    { header: 'Volume', fields: { volume_filled: filledVolume, volume_requested: requestedVolume } },
    { header: 'Price', fields: { price: optNum } },
    { header: 'S / L', fields: { sl: optNum } },
    { header: 'T / P', fields: { tp: optNum } },
    { header: 'Time', fields: { time: optionalTime } },
    { header: 'State', fields: { state: lower } },
    { header: 'Comment', fields: { comment: text } },
  ],
};

const DEALS: BlockDescriptor<ReportDeal> = {
  kind: 'deals',
  widths: [14, 13],
  cells: [
    { header: 'Time', fields: { time } },
    { header: 'Deal', fields: { deal: int } },
    { header: 'Symbol', fields: { symbol: text } },
    { header: 'Type', fields: { type: lower } },
    { header: 'Direction', fields: { direction: lower } },
    { header: 'Volume', fields: { volume: money } },
    { header: 'Price', fields: { price: money } },
    { header: 'Order', fields: { order: int } },
    { header: 'Commission', fields: { commission: money } },
    // Builds without the Fee column (13 wide) have Swap, Profit, Balance and Comment one cell to the left.
    { header: 'Fee', fields: { fee: money }, absentValues: { fee: 0 } },
    { header: 'Swap', fields: { swap: money } },
    { header: 'Profit', fields: { profit: money } },
    { header: 'Balance', fields: { balance: money } },
    { header: 'Comment', fields: { comment: text } },
  ],
};

const OPEN_POSITIONS: BlockDescriptor<ReportOpenPosition> = {
  kind: 'open_positions',
  widths: [12],
  cells: [
    { header: 'Time', fields: { time } },
    { header: 'Position', fields: { position: int } },
    { header: 'Symbol', fields: { symbol: text } },
    { header: 'Type', fields: { type: lower } },
    { header: 'Volume', fields: { volume: money } },
    { header: 'Price', fields: { price: money } },
    { header: 'S / L', fields: { sl: optNum } },
    { header: 'T / P', fields: { tp: optNum } },
    { header: 'Market Price', fields: { market_price: money } },
    { header: 'Swap', fields: { swap: money } },
    { header: 'Profit', fields: { profit: money } },
    { header: 'Comment', fields: { comment: text } },
  ],
};

const WORKING_ORDERS: BlockDescriptor<ReportWorkingOrder> = {
  kind: 'working_orders',
  widths: [11],
  cells: [
    { header: 'Open Time', fields: { open_time: time } },
    { header: 'Order', fields: { order: int } },
    { header: 'Symbol', fields: { symbol: text } },
    { header: 'Type', fields: { type: lower } },
    { header: 'Volume', fields: { volume_filled: filledVolume, volume_requested: requestedVolume } },
    { header: 'Price', fields: { price: optNum } },
    { header: 'S / L', fields: { sl: optNum } },
    { header: 'T / P', fields: { tp: optNum } },
    { header: 'Market Price', fields: { market_price: optNum } },
    { header: 'State', fields: { state: lower } },
    { header: 'Comment', fields: { comment: text } },
  ],
};

/** The blocks in the terminal's order; any of them may be missing from a report. */
const BLOCKS = [POSITIONS, ORDERS, DEALS, OPEN_POSITIONS, WORKING_ORDERS] as const;

/** One field of a record: read from the cell at `slot`, or `value` when its column is absent. */
interface FieldStep {
  field: string;
  slot: number;
  read: ((cell: string) => unknown) | null;
  value: unknown;
}

/** How a block of one kind and width is read. */
export interface BlockLayout {
  kind: BlockKind;
  /** Slot of each field read from a cell (for the totals row). */
  slotOf: Partial<Record<string, number>>;
  /** The record of one block row (values by header slot, the row's hidden text). */
  read(values: string[], hiddenText: string): Record<string, unknown>;
}

function layoutOf<R>(d: BlockDescriptor<R>, width: number): BlockLayout {
  // The narrower layouts leave out the optional columns.
  const present = d.cells.filter((c) => !c.absentValues || width === d.widths[0]);
  const steps: FieldStep[] = [];
  const slotOf: Partial<Record<string, number>> = {};
  for (const cell of d.cells) {
    const slot = present.indexOf(cell);
    for (const [field, read] of Object.entries(cell.fields) as Array<[string, (cell: string) => unknown]>) {
      if (slot >= 0) {
        steps.push({ field, slot, read, value: undefined });
        slotOf[field] = slot;
      } else {
        const absent = cell.absentValues as Record<string, unknown>;
        steps.push({ field, slot: -1, read: null, value: absent[field] });
      }
    }
  }
  return { kind: d.kind, slotOf, read: recordReader(steps, (d.hiddenTextField as string | undefined) ?? null) };
}

/**
 * A function returning one row's record as an object literal of the layout's fields, in order.
 * It is generated from the table because a loop of `record[field] = …` stores makes every record
 * a chain of megamorphic property additions: about 250 ns more per row, some 8 % of the parse of
 * the 3,500-row reference report (bench/report.ts).
 * The source holds only this file's field names (JSON-quoted) and indexes, never report text.
 */
function recordReader(steps: FieldStep[], hiddenTextField: string | null): BlockLayout['read'] {
  const props = steps.map((s, i) => {
    const value = s.read ? `read[${i}](values[${s.slot}])` : `absent[${i}]`;
    return `${JSON.stringify(s.field)}: ${value}`;
  });
  if (hiddenTextField) props.push(`${JSON.stringify(hiddenTextField)}: hiddenText`);
  const make = new Function('read', 'absent', `return (values, hiddenText) => ({ ${props.join(', ')} });`);
  return make(
    steps.map((s) => s.read),
    steps.map((s) => s.value),
  ) as BlockLayout['read'];
}

const LAYOUTS = new Map<string, BlockLayout>();
for (const d of BLOCKS) {
  for (const width of d.widths) LAYOUTS.set(`${d.kind}/${width}`, layoutOf<never>(d as BlockDescriptor<never>, width));
}

/** How many rows of a 13-wide block are looked at for a Direction. */
export const KIND_PROBE_ROWS = 20;
const DIRECTIONS = /^(in|out|in\/out|out by)$/i;
const DIRECTION_SLOT = 4;

/** Whether a block row has a Deals Direction (`in`, `out`, `in/out`, `out by`) where Deals have it. */
export function hasDirection(values: string[]): boolean {
  return DIRECTIONS.test(values[DIRECTION_SLOT] ?? '');
}

/**
 * The layout of a block, from its width and the kinds before it (blocks come in the terminal's
 * order, any of them may be missing). A 13-wide block is Positions, or Deals of a build without
 * the Fee column: told apart by a Direction in its first KIND_PROBE_ROWS rows. `cursor` is the
 * index in the terminal's order from which kinds may still come.
 */
export function blockLayout(
  width: number,
  cursor: number,
  looksLikeDeals: boolean,
  hasRows: boolean,
): { layout: BlockLayout; cursor: number } | null {
  for (let k = cursor; k < BLOCKS.length; k++) {
    const d = BLOCKS[k]!;
    if (!d.widths.includes(width)) continue;
    if (d.kind === 'deals' && width === 13 && !looksLikeDeals && hasRows) continue;
    if (d.kind === 'positions' && looksLikeDeals) continue;
    return { layout: LAYOUTS.get(`${d.kind}/${width}`)!, cursor: k + 1 };
  }
  return null;
}
