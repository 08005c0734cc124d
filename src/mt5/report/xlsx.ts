/**
 * The terminal's "Open XML" export: an OOXML zip with one sheet whose XML parts are UTF-16LE
 * with a BOM (reference/mt5.md §4.2). Reduced to the same rows as the HTML export: merged
 * ranges give spans, hidden columns give hidden cells, missing rows become empty rows.
 */
import { unzipSync } from 'fflate';
import { decodeEntities, decodeText, type ReportCell, type ReportRow } from './rows.ts';

export class XlsxError extends Error {}

/** True for a zip (xlsx) file. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** `AB12` → { col: 27, row: 11 } (0-based). */
function cellRef(ref: string): { col: number; row: number } | null {
  const m = /^([A-Z]+)(\d+)$/i.exec(ref);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1]!.toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { col: col - 1, row: Number(m[2]) - 1 };
}

function textOf(xml: string): string {
  // Rich text runs and plain <t>; phonetic runs (<rPh>) are not part of the value.
  const clean = xml.replace(/<rPh\b[\s\S]*?<\/rPh>/g, '');
  let out = '';
  for (const m of clean.matchAll(/<t\b[^>]*>([\s\S]*?)<\/t>/g)) out += m[1];
  return decodeEntities(out);
}

export function xlsxRows(bytes: Uint8Array): ReportRow[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (err) {
    throw new XlsxError(`not a readable xlsx file (${(err as Error).message})`);
  }
  const sheetName = Object.keys(files)
    .filter((n) => /^xl\/worksheets\/sheet\d+\.xml$/i.test(n))
    .sort((a, b) => Number(/(\d+)\.xml$/i.exec(a)![1]) - Number(/(\d+)\.xml$/i.exec(b)![1]))[0];
  if (!sheetName) throw new XlsxError('the xlsx file has no worksheet');
  const sheet = decodeText(files[sheetName]!);
  const shared: string[] = [];
  const sst = files['xl/sharedStrings.xml'];
  if (sst) for (const m of decodeText(sst).matchAll(/<si\b[^>]*>([\s\S]*?)<\/si>/g)) shared.push(textOf(m[1]!));

  const hiddenCols = new Set<number>();
  for (const m of sheet.matchAll(/<col\b([^>]*)\/?>/g)) {
    const a = m[1]!;
    if (!/\bhidden\s*=\s*["'](1|true)["']/.test(a)) continue;
    const min = Number(/\bmin\s*=\s*["'](\d+)/.exec(a)?.[1] ?? 0);
    const max = Number(/\bmax\s*=\s*["'](\d+)/.exec(a)?.[1] ?? min);
    for (let c = min; c <= max; c++) hiddenCols.add(c - 1);
  }
  const spans = new Map<string, number>();
  for (const m of sheet.matchAll(/<mergeCell\b[^>]*\bref\s*=\s*["']([A-Z]+\d+):([A-Z]+\d+)["']/gi)) {
    const a = cellRef(m[1]!);
    const b = cellRef(m[2]!);
    if (a && b) spans.set(`${a.row}:${a.col}`, b.col - a.col + 1);
  }

  const rows: ReportRow[] = [];
  let nextRow = 0;
  for (const rm of sheet.matchAll(/<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const rAttr = /\br\s*=\s*["'](\d+)/.exec(rm[1]!);
    const rowIndex = rAttr ? Number(rAttr[1]) - 1 : nextRow;
    for (; nextRow < rowIndex; nextRow++) rows.push({ cells: [] }); // omitted empty rows
    nextRow = rowIndex + 1;
    const cells: Array<{ col: number; text: string }> = [];
    let implicitCol = 0;
    for (const cm of (rm[2] ?? '').matchAll(/<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g)) {
      const attrs = cm[1]!;
      const ref = /\br\s*=\s*["']([A-Z]+\d+)["']/i.exec(attrs);
      const col = ref ? cellRef(ref[1]!)!.col : implicitCol;
      implicitCol = col + 1;
      const type = /\bt\s*=\s*["'](\w+)["']/.exec(attrs)?.[1] ?? 'n';
      const inner = cm[2] ?? '';
      let text = '';
      if (type === 'inlineStr') text = textOf(inner);
      else {
        const v = /<v>([\s\S]*?)<\/v>/.exec(inner)?.[1];
        if (v !== undefined) text = type === 's' ? (shared[Number(v)] ?? '') : decodeEntities(v);
      }
      cells.push({ col, text: text.replace(/\s+/g, ' ').trim() });
    }
    cells.sort((a, b) => a.col - b.col);
    // Visible columns are counted without the hidden ones, as the HTML renders them.
    const out: ReportCell[] = [];
    for (const c of cells) {
      let visibleCol = c.col;
      for (const h of hiddenCols) if (h < c.col) visibleCol--;
      const hidden = hiddenCols.has(c.col);
      out.push({ text: c.text, col: visibleCol, span: hidden ? 0 : (spans.get(`${rowIndex}:${c.col}`) ?? 1), hidden });
    }
    rows.push({ cells: out });
  }
  return rows;
}
