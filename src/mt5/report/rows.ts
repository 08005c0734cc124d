/**
 * Bytes → rows of cells, the one shape both report formats reduce to (reference/mt5.md §4.2,
 * §4.6). A cell knows its visible start column, its span and whether it is hidden
 * (`class="hidden"` in HTML, a hidden column in xlsx), so blocks are read by column position,
 * never by header text.
 */

export interface ReportCell {
  text: string;
  /** Visible start column (0-based). Hidden cells sit at the column they precede. */
  col: number;
  span: number;
  hidden: boolean;
}

export interface ReportRow {
  cells: ReportCell[];
}

/** Text of a report file: BOM first, then NUL sniffing; an odd trailing byte of UTF-16 is dropped. */
export function decodeText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return utf16le(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return utf16be(buf.subarray(2));
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  // No BOM: UTF-16 text has a NUL in every other byte of its ASCII markup.
  const probe = buf.subarray(0, Math.min(buf.length, 512));
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < probe.length; i++) if (probe[i] === 0) (i % 2 === 0 ? evenNul++ : oddNul++);
  if (oddNul > probe.length / 4) return utf16le(buf);
  if (evenNul > probe.length / 4) return utf16be(buf);
  return buf.toString('utf8');
}

function utf16le(buf: Buffer): string {
  // One real export ends with a stray 0x0A after the last UTF-16 unit.
  const even = buf.length % 2 === 0 ? buf : buf.subarray(0, buf.length - 1);
  return even.toString('utf16le');
}

function utf16be(buf: Buffer): string {
  const even = Buffer.from(buf.length % 2 === 0 ? buf : buf.subarray(0, buf.length - 1));
  even.swap16();
  return even.toString('utf16le');
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

/** Decodes HTML/XML entities; NBSP becomes a plain space (thousands separators use both). */
export function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s.indexOf('\u00a0') < 0 ? s : s.replace(/\u00a0/g, ' ');
  return s
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, name: string) => {
      if (name[0] === '#') {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return Number.isFinite(code) ? String.fromCodePoint(code) : m;
      }
      return ENTITIES[name.toLowerCase()] ?? m;
    })
    .replace(/\u00a0/g, ' ');
}

function cellText(inner: string): string {
  const stripped = inner.indexOf('<') < 0 ? inner : inner.replace(/<br\s*\/?>/gi, ' ').replace(/<[^>]*>/g, '');
  return decodeEntities(stripped).replace(/\s+/g, ' ').trim();
}

const TAG = /<(\/?)(tr|td|th|table)\b([^>]*)>/gi;
const COLSPAN = /colspan\s*=\s*["']?(\d+)/i;
const HIDDEN = /class\s*=\s*["']?[^"'>]*\bhidden\b|display\s*:\s*none/i;

/** Rows of the report's table(s), in document order. Unclosed cells and rows are closed implicitly. */
export function htmlRows(html: string): ReportRow[] {
  const rows: ReportRow[] = [];
  let row: ReportRow | null = null;
  let col = 0;
  let cell: { start: number; span: number; hidden: boolean } | null = null;

  const closeCell = (end: number) => {
    if (!cell || !row) return;
    const c: ReportCell = { text: cellText(html.slice(cell.start, end)), col, span: cell.hidden ? 0 : cell.span, hidden: cell.hidden };
    row.cells.push(c);
    if (!cell.hidden) col += cell.span;
    cell = null;
  };
  const closeRow = (end: number) => {
    closeCell(end);
    if (row) rows.push(row);
    row = null;
  };

  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m; m = TAG.exec(html)) {
    const closing = m[1] === '/';
    const tag = m[2]!.toLowerCase();
    if (tag === 'tr' || tag === 'table') {
      closeRow(m.index);
      if (!closing && tag === 'tr') {
        row = { cells: [] };
        col = 0;
      }
    } else if (closing) {
      closeCell(m.index);
    } else {
      closeCell(m.index);
      if (!row) {
        row = { cells: [] };
        col = 0;
      }
      const attrs = m[3] ?? '';
      const span = COLSPAN.exec(attrs);
      cell = { start: m.index + m[0].length, span: span ? Math.max(1, Number(span[1])) : 1, hidden: HIDDEN.test(attrs) };
    }
  }
  closeRow(html.length);
  return rows;
}
