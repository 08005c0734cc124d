/**
 * The terminal's "Open XML" export (reference/mt5.md §4.2): an OOXML zip with one sheet whose XML
 * parts are UTF-16LE with a BOM. Reduced to the same rows as the HTML export.
 *
 * What the terminal writes (a real export, HFM demo, 2025): every row carries all its 15 cells
 * (A..O); every cell of a merged range is present as an empty styled `<c r=".." s=".."/>`; text is
 * in sharedStrings.xml (`t="s"`); prices, tickets and money are numeric cells; Margin Level is a
 * ratio shown through a `0.00%` number format; there is no hidden comment or Cost column; the
 * layout comes from `<mergeCells>`. So a merged range becomes one cell with a span (the cells it
 * covers are dropped, as the HTML has no cell there), a percent-formatted number is read as the
 * percentage it shows, hidden columns give hidden cells, and a run of missing rows becomes one
 * empty row.
 *
 * Every part is read by a single forward scan (no regex that searches ahead from each match), so
 * time is linear in the inflated size whatever the markup.
 */
import { decodeEntities, decodeText, type RowSink } from './rows.ts';
import { DEFAULT_ZIP_LIMITS, readZip, ZipError, zipEntryNames, type ZipLimits } from './zip.ts';

export class XlsxError extends Error {}

/** Excel's grid: 16,384 columns (A..XFD) and 1,048,576 rows. */
const MAX_COLS = 16_384;
const MAX_ROWS = 1_048_576;

/** True for a zip (xlsx) file. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

// ---------------------------------------------------------------------------------------------
// A forward-only XML tag scanner

/**
 * Walks the tags of an XML text in order. Each `<` starts markup that ends at the next `>` (or
 * `-->`, `]]>`, `?>`); the cursor only moves forward, so a scan is linear in the text. Text between
 * tags is `xml.slice(prevEnd, start)`. Malformed markup (a `<` with no `>`) ends the scan.
 */
class XmlScanner {
  /** Local name (prefix dropped), e.g. `row`, `c`, `v`. Empty for comments, PIs and CDATA. */
  name = '';
  attrs = '';
  closing = false;
  selfClosing = false;
  /** Index of the tag's `<`. */
  start = 0;
  /** Index just after the tag's `>`. */
  end = 0;
  private pos = 0;

  constructor(private readonly xml: string) {}

  next(): boolean {
    const xml = this.xml;
    const lt = xml.indexOf('<', this.pos);
    if (lt < 0) return false;
    this.start = lt;
    const c1 = xml.charCodeAt(lt + 1);
    if (c1 === 0x21 /* ! */ || c1 === 0x3f /* ? */) {
      const closer = xml.startsWith('<!--', lt) ? '-->' : xml.startsWith('<![CDATA[', lt) ? ']]>' : c1 === 0x3f ? '?>' : '>';
      const e = xml.indexOf(closer, lt + 2);
      if (e < 0) return false;
      this.name = '';
      this.attrs = '';
      this.closing = false;
      this.selfClosing = true;
      this.end = this.pos = e + closer.length;
      return true;
    }
    const gt = xml.indexOf('>', lt + 1);
    if (gt < 0) return false;
    this.end = this.pos = gt + 1;
    this.closing = c1 === 0x2f; /* / */
    let i = this.closing ? lt + 2 : lt + 1;
    const nameStart = i;
    let colon = -1;
    for (; i < gt; i++) {
      const c = xml.charCodeAt(i);
      if (c === 0x3a) colon = i;
      else if (c <= 0x20 || c === 0x2f) break;
    }
    this.name = xml.slice(colon >= 0 ? colon + 1 : nameStart, i);
    this.selfClosing = xml.charCodeAt(gt - 1) === 0x2f;
    this.attrs = i < gt ? xml.slice(i, this.selfClosing ? gt - 1 : gt) : '';
    return true;
  }
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The value of attribute `name` (local name, prefix ignored) in a tag's attribute text; one linear pass. */
function attr(attrs: string, name: string): string | undefined {
  const n = attrs.length;
  let i = 0;
  while (i < n) {
    while (i < n && (isSpace(attrs.charCodeAt(i)) || attrs.charCodeAt(i) === 0x2f)) i++;
    const keyStart = i;
    let colon = -1;
    while (i < n) {
      const c = attrs.charCodeAt(i);
      if (c === 0x3d || isSpace(c) || c === 0x2f) break;
      if (c === 0x3a) colon = i;
      i++;
    }
    const localStart = colon >= 0 ? colon + 1 : keyStart;
    const matches = i - localStart === name.length && attrs.startsWith(name, localStart);
    if (i === keyStart) i++;
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    if (attrs.charCodeAt(i) !== 0x3d) continue; // attribute without a value
    i++;
    while (i < n && isSpace(attrs.charCodeAt(i))) i++;
    const q = attrs.charCodeAt(i);
    let value: string;
    if (q === 0x22 || q === 0x27) {
      let e = attrs.indexOf(q === 0x22 ? '"' : "'", i + 1);
      if (e < 0) e = n;
      value = attrs.slice(i + 1, e);
      i = e + 1;
    } else {
      const s = i;
      while (i < n && !isSpace(attrs.charCodeAt(i))) i++;
      value = attrs.slice(s, i);
    }
    if (matches) return value;
  }
  return undefined;
}

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

// ---------------------------------------------------------------------------------------------
// Parts

/** Shared strings: the plain and rich-text runs of each `<si>`; phonetic runs (`<rPh>`) are not part of the value. */
function sharedStrings(xml: string): string[] {
  const out: string[] = [];
  const s = new XmlScanner(xml);
  let inSi = false;
  let phonetic = 0;
  let textStart = -1;
  let parts: string[] = [];
  while (s.next()) {
    switch (s.name) {
      case 'si':
        if (s.closing) {
          if (inSi) out.push(decodeEntities(parts.join('')));
          inSi = false;
        } else if (s.selfClosing) out.push('');
        else {
          inSi = true;
          parts = [];
        }
        break;
      case 'rPh':
        if (!s.selfClosing) phonetic += s.closing ? -1 : 1;
        break;
      case 't':
        if (s.closing) {
          if (textStart >= 0 && inSi && phonetic <= 0) parts.push(xml.slice(textStart, s.start));
          textStart = -1;
        } else if (!s.selfClosing) textStart = s.end;
        break;
    }
  }
  return out;
}

/** Built-in number formats that show a percentage (ECMA-376 §18.8.30): 9 `0%`, 10 `0.00%`. */
const BUILTIN_PERCENT = new Set([9, 10]);

/** True when a format code shows its number as a percentage: a `%` outside quotes and not escaped. */
function isPercentFormat(code: string): boolean {
  let quoted = false;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '\\') i++;
    else if (!quoted && c === '%') return true;
    else if (!quoted && c === ';') return false; // the first section decides
  }
  return false;
}

/** Indexes of the cell styles (`<cellXfs>` entries) whose number format is a percentage. */
function percentStyles(xml: string): Set<number> {
  const percentFormats = new Set(BUILTIN_PERCENT);
  const styles = new Set<number>();
  const s = new XmlScanner(xml);
  let inCellXfs = false;
  let xf = 0;
  while (s.next()) {
    if (s.name === 'numFmt' && !s.closing) {
      const id = Number(attr(s.attrs, 'numFmtId'));
      const code = decodeEntities(attr(s.attrs, 'formatCode') ?? '');
      if (Number.isInteger(id) && isPercentFormat(code)) percentFormats.add(id);
    } else if (s.name === 'cellXfs') {
      inCellXfs = !s.closing && !s.selfClosing;
    } else if (s.name === 'xf' && inCellXfs && !s.closing) {
      if (percentFormats.has(Number(attr(s.attrs, 'numFmtId') ?? 0))) styles.add(xf);
      xf++;
    }
  }
  return styles;
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

/** The first worksheet (lowest sheetN) of the archive. */
function firstSheetName(names: string[]): string | undefined {
  let best: string | undefined;
  let bestN = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const m = /^xl\/worksheets\/sheet(\d+)\.xml$/i.exec(name);
    if (m && Number(m[1]) < bestN) {
      bestN = Number(m[1]);
      best = name;
    }
  }
  return best;
}

/**
 * Reads the first worksheet of an xlsx export into `sink`, row by row. Throws `XlsxError` when it
 * is not a readable xlsx, and `ReportTooLargeError` (from ./zip.ts) when a part would inflate past
 * `limits`.
 */
export function xlsxRows(bytes: Uint8Array, sink: RowSink, limits: Partial<ZipLimits> = {}): void {
  let files: Record<string, Uint8Array>;
  let sheetName: string | undefined;
  try {
    sheetName = firstSheetName(zipEntryNames(bytes));
    if (!sheetName) throw new XlsxError('the xlsx file has no worksheet');
    // Only the parts the report needs are inflated.
    const wanted = new Set([sheetName, 'xl/sharedStrings.xml', 'xl/styles.xml']);
    files = readZip(bytes, (name) => wanted.has(name), { ...DEFAULT_ZIP_LIMITS, ...limits });
  } catch (err) {
    if (err instanceof ZipError) throw new XlsxError(`not a readable xlsx file (${err.message})`);
    throw err;
  }
  const sheet = decodeText(files[sheetName]!);
  const shared = files['xl/sharedStrings.xml'] ? sharedStrings(decodeText(files['xl/sharedStrings.xml'])) : [];
  const percent = files['xl/styles.xml'] ? percentStyles(decodeText(files['xl/styles.xml'])) : new Set<number>();
  sheetRows(sheet, shared, percent, sink);
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

function sheetRows(sheet: string, shared: string[], percent: Set<number>, sink: RowSink): void {
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
        if (!list) merges.set(from.row, (list = Object.assign([] as number[], { sorted: false })));
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
