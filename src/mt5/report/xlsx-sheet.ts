/**
 * The worksheet of a terminal xlsx export → rows of cells for a `RowSink`, as the HTML export
 * would give them: a merged range becomes one cell with a span (the cells it covers are dropped),
 * hidden columns give hidden cells, a percent-formatted number is read as the percentage it shows,
 * and a run of missing rows becomes one empty row.
 */
import { decodeEntities, type RowSink } from './rows.ts';
import { attr, XmlScanner } from './xml-scanner.ts';

/** Excel's grid: 16,384 columns (A..XFD) and 1,048,576 rows. */
const MAX_COLS = 16_384;
const MAX_ROWS = 1_048_576;

/** `AB12` → { col: 27, row: 11 } (0-based), or null. */
function cellRef(ref: string): { col: number; row: number } | null {
  let col = 0;
  let i = 0;
  for (; i < ref.length; i++) {
    let c = ref.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c < 0x41 || c > 0x5a) break;
    col = col * 26 + (c - 64);
    if (col > MAX_COLS) return null;
  }
  if (i === 0 || i === ref.length || i > 3) return null;
  let row = 0;
  for (let j = i; j < ref.length; j++) {
    const c = ref.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return null;
    row = row * 10 + (c - 0x30);
    if (row > MAX_ROWS) return null;
  }
  if (row === 0) return null;
  return { col: col - 1, row: row - 1 };
}

/** Whitespace runs become one space, ends trimmed; a fast path for the usual clean text. */
function clean(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0xa0) return s.replace(/\s+/g, ' ').trim();
  }
  return s;
}

/** A numeric cell's text: a percent-formatted value as the percentage it shows (0.3304 → `33.04%`). */
function numberText(raw: string, percent: boolean): string {
  const v = raw.trim();
  if (!percent) return v;
  const n = Number(v);
  return Number.isFinite(n) ? `${Number((n * 100).toFixed(10))}%` : v;
}

/** Merged ranges of one row as flat [firstCol, lastCol, …] pairs. */
type Ranges = number[] & { sorted: boolean };

function sortRanges(ranges: Ranges): void {
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < ranges.length; k += 2) pairs.push([ranges[k]!, ranges[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  pairs.forEach(([a, b], i) => {
    ranges[2 * i] = a;
    ranges[2 * i + 1] = b;
  });
  ranges.sorted = true;
}

export function sheetRows(sheet: string, shared: string[], percent: Set<number>, sink: RowSink): void {
  const hidden = new Uint8Array(MAX_COLS);
  let anyHidden = false;
  /** Per row: merged ranges (a range taller than one row covers only its first row here; the terminal merges within rows only). */
  const merges = new Map<number, Ranges>();
  // Cells as read, before merges and hidden columns apply (those come after sheetData): flat arrays, one entry per row / cell.
  const rowNumbers: number[] = [];
  const rowFirstCell: number[] = [];
  const cellCols: number[] = [];
  const cellTexts: string[] = [];

  const s = new XmlScanner(sheet);
  let inRow = false;
  let nextRow = 0;
  let implicitCol = 0;
  // the cell being read
  let inCell = false;
  let cellCol = 0;
  let cellType = 'n';
  let cellStyle = 0;
  let value: string | null = null;
  let vStart = -1;
  let inline: string[] | null = null;
  let tStart = -1;
  let phonetic = 0;

  const finishCell = () => {
    inCell = false;
    if (!inRow) return;
    let text = '';
    if (cellType === 'inlineStr') text = decodeEntities((inline ?? []).join(''));
    else if (value !== null) {
      if (cellType === 's') text = shared[Number(value)] ?? '';
      else if (cellType === 'n' || cellType === '') text = numberText(value, percent.has(cellStyle));
      else if (cellType === 'b') text = value.trim() === '1' ? 'TRUE' : 'FALSE';
      else text = decodeEntities(value); // str, e, d
    }
    cellCols.push(cellCol);
    cellTexts.push(clean(text));
  };

  while (s.next()) {
    switch (s.name) {
      case 'row': {
        if (inCell) finishCell();
        if (s.closing) {
          inRow = false;
          break;
        }
        // an unclosed row ends where the next begins
        const r = Number(attr(s.attrs, 'r'));
        const index = Number.isInteger(r) && r >= 1 && r <= MAX_ROWS ? r - 1 : nextRow;
        nextRow = index + 1;
        implicitCol = 0;
        rowNumbers.push(index);
        rowFirstCell.push(cellCols.length);
        inRow = !s.selfClosing;
        break;
      }
      case 'c': {
        if (s.closing) {
          if (inCell) finishCell();
          break;
        }
        if (inCell) finishCell(); // an unclosed cell ends where the next begins
        const ref = attr(s.attrs, 'r');
        const at = ref ? cellRef(ref) : null;
        cellCol = at ? at.col : implicitCol;
        implicitCol = cellCol + 1;
        cellType = attr(s.attrs, 't') ?? 'n';
        cellStyle = Number(attr(s.attrs, 's') ?? 0);
        value = null;
        inline = null;
        phonetic = 0;
        if (cellCol >= MAX_COLS) break;
        inCell = true;
        if (s.selfClosing) finishCell();
        break;
      }
      case 'v':
        if (!inCell) break;
        if (s.closing) {
          if (vStart >= 0) value = sheet.slice(vStart, s.start);
          vStart = -1;
        } else if (!s.selfClosing) vStart = s.end;
        break;
      case 'is':
        if (inCell && !s.closing) inline = [];
        break;
      case 'rPh':
        if (inCell && !s.selfClosing) phonetic += s.closing ? -1 : 1;
        break;
      case 't':
        if (!inCell || !inline) break;
        if (s.closing) {
          if (tStart >= 0 && phonetic <= 0) inline.push(sheet.slice(tStart, s.start));
          tStart = -1;
        } else if (!s.selfClosing) tStart = s.end;
        break;
      case 'col': {
        if (s.closing) break;
        if (!/^(1|true)$/i.test(attr(s.attrs, 'hidden') ?? '')) break;
        const min = Math.max(1, Number(attr(s.attrs, 'min') ?? 0) || 1);
        const max = Math.min(MAX_COLS, Number(attr(s.attrs, 'max') ?? min) || min);
        for (let c = min; c <= max; c++) hidden[c - 1] = 1;
        anyHidden ||= max >= min;
        break;
      }
      case 'mergeCell': {
        if (s.closing) break;
        const [a, b] = (attr(s.attrs, 'ref') ?? '').split(':');
        const from = a ? cellRef(a) : null;
        const to = b ? cellRef(b) : from;
        if (!from || !to || to.col < from.col) break;
        let list = merges.get(from.row);
        if (!list) {
          list = Object.assign([] as number[], { sorted: false });
          merges.set(from.row, list);
        }
        list.push(from.col, to.col);
        break;
      }
    }
  }
  if (inCell) finishCell();
  rowFirstCell.push(cellCols.length);

  // Visible column of a grid column: hidden columns before it are not counted, as the HTML renders them.
  let hiddenBefore: Int32Array | null = null;
  if (anyHidden) {
    hiddenBefore = new Int32Array(MAX_COLS + 1);
    for (let c = 0; c < MAX_COLS; c++) hiddenBefore[c + 1] = hiddenBefore[c]! + hidden[c]!;
  }

  // Rows in sheet order (writers keep it; a file that does not is sorted).
  const order = rowNumbers.map((_r, i) => i);
  for (let i = 1; i < rowNumbers.length; i++)
    if (rowNumbers[i]! < rowNumbers[i - 1]!) {
      order.sort((x, y) => rowNumbers[x]! - rowNumbers[y]! || x - y);
      break;
    }
  let expected = 0;
  let lastEmpty = false; // a run of empty rows (or missing ones) is one empty row to the parser
  const emptyRow = () => {
    if (!lastEmpty) sink.endRow();
    lastEmpty = true;
  };
  const cols: number[] = [];
  const texts: string[] = [];
  for (const i of order) {
    const rowNumber = rowNumbers[i]!;
    if (rowNumber < expected) continue; // a repeated row number: the first wins
    if (rowNumber > expected) emptyRow(); // missing rows
    expected = rowNumber + 1;
    const from = rowFirstCell[i]!;
    const to = rowFirstCell[i + 1]!;
    if (from === to) {
      emptyRow();
      continue;
    }
    // the row's cells in column order
    cols.length = 0;
    texts.length = 0;
    let sorted = true;
    for (let k = from; k < to; k++) {
      if (k > from && cellCols[k]! <= cellCols[k - 1]!) sorted = false;
      cols.push(cellCols[k]!);
      texts.push(cellTexts[k]!);
    }
    if (!sorted) {
      const idx = cols.map((_c, k) => k).sort((x, y) => cols[x]! - cols[y]! || x - y);
      const c2 = idx.map((k) => cols[k]!);
      const t2 = idx.map((k) => texts[k]!);
      cols.splice(0, cols.length, ...c2);
      texts.splice(0, texts.length, ...t2);
    }
    const ranges = merges.get(rowNumber);
    if (ranges && !ranges.sorted) sortRanges(ranges);
    let lastCol = -1;
    let m = 0; // cells and ranges both ascend, so one pointer walks the ranges
    for (let k = 0; k < cols.length; k++) {
      const col = cols[k]!;
      if (col === lastCol) continue; // a repeated cell: the first wins
      lastCol = col;
      let span = 1;
      if (ranges) {
        while (m < ranges.length && ranges[m + 1]! < col) m += 2;
        if (m < ranges.length && ranges[m]! <= col) {
          if (col !== ranges[m]) continue; // a merged-away cell: the range's first cell stands for it
          span = ranges[m + 1]! - col + 1;
        }
      }
      const isHidden = hidden[col] === 1;
      if (hiddenBefore && !isHidden) span -= hiddenBefore[Math.min(MAX_COLS, col + span)]! - hiddenBefore[col]!;
      sink.cell(texts[k]!, hiddenBefore ? col - hiddenBefore[col]! : col, isHidden ? 0 : Math.max(1, span), isHidden);
    }
    sink.endRow();
    lastEmpty = false;
  }
}
