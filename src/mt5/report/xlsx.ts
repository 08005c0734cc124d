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
import { sheetRows } from './xlsx-sheet.ts';
import { attr, XmlScanner } from './xml-scanner.ts';
import { DEFAULT_ZIP_LIMITS, readZip, ZipError, type ZipLimits, zipEntryNames } from './zip.ts';

export class XlsxError extends Error {}

/** True for a zip (xlsx) file. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

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
