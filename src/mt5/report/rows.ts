/**
 * Bytes → text → rows of cells, the one shape both report formats reduce to (reference/mt5.md
 * §4.2, §4.6). A cell knows its visible start column, its span and whether it is hidden
 * (`class="hidden"` in HTML, a hidden column in xlsx), so blocks are read by column position,
 * never by header text. Rows go to a `RowSink` as they are read; nothing per cell is kept.
 */
import { isAscii } from 'node:buffer';

/** Text of a report file: BOM first, then NUL sniffing; an odd trailing byte of UTF-16 is dropped. */
export function decodeText(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return utf16le(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return utf16be(buf.subarray(2));
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return utf8(buf.subarray(3));
  // No BOM: UTF-16 text has a NUL in every other byte of its ASCII markup.
  const probe = buf.subarray(0, Math.min(buf.length, 512));
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < probe.length; i++) if (probe[i] === 0) i % 2 === 0 ? evenNul++ : oddNul++;
  if (oddNul > probe.length / 4) return utf16le(buf);
  if (evenNul > probe.length / 4) return utf16be(buf);
  return utf8(buf);
}

/** ASCII (the usual English report re-saved as UTF-8) is copied as Latin-1, which is exact for it and quicker than decoding UTF-8. */
function utf8(buf: Buffer): string {
  return isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
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

/**
 * Cell text as a browser shows it: entities decoded, whitespace runs collapsed to one space,
 * ends trimmed. One pass to see whether anything needs doing (most cells: `0.00`, `buy`).
 */
const isUnicodeSpace = (c: number) =>
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;

function tidyText(s: string): string {
  let dirty = false;
  let prevSpace = true; // a leading space is dirty
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x26 /* & */ || c < 0x20 || (c > 0x7f && isUnicodeSpace(c))) {
      dirty = true;
      break;
    }
    if (c === 0x20) {
      if (prevSpace) {
        dirty = true;
        break;
      }
      prevSpace = true;
    } else prevSpace = false;
  }
  if (!dirty && !prevSpace) return s;
  if (!dirty && s.length === 0) return s;
  return decodeEntities(s).replace(/\s+/g, ' ').trim();
}

/** Receives a table row by row, cell by cell (no row objects are built for the HTML). */
export interface RowSink {
  /** A cell of the current row: its tidied text, visible start column, span (0 when hidden) and whether it is hidden. */
  cell(text: string, col: number, span: number, hidden: boolean): void;
  /** The current row ended. */
  endRow(): void;
}

// biome-ignore lint/suspicious/noConstEnum: the scanner's hot loop compares tags; a const enum is inlined as numbers
const enum Tag {
  Other,
  Tr,
  Td,
  Th,
  Table,
  Br,
  Title,
  Style,
  Script,
}

/** Compares `html[at, at + word.length)` with a lowercase ASCII word, ignoring case. */
function wordAt(html: string, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((html.charCodeAt(at + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

function tagOf(html: string, from: number, to: number): Tag {
  const len = to - from;
  const a = html.charCodeAt(from) | 0x20;
  if (len === 2) {
    const b = html.charCodeAt(from + 1) | 0x20;
    if (a === 0x74 /* t */) return b === 0x72 ? Tag.Tr : b === 0x64 ? Tag.Td : b === 0x68 ? Tag.Th : Tag.Other;
    if (a === 0x62 /* b */ && b === 0x72) return Tag.Br;
    return Tag.Other;
  }
  if (len === 5) {
    if (wordAt(html, from, 'table')) return Tag.Table;
    if (wordAt(html, from, 'title')) return Tag.Title;
    if (wordAt(html, from, 'style')) return Tag.Style;
  }
  if (len === 6 && wordAt(html, from, 'script')) return Tag.Script;
  return Tag.Other;
}

const isAlpha = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
const isNameChar = (c: number) => isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x3a || c === 0x5f;
const isWhite = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;

/** colspan and hidden (`class="… hidden …"` or `display: none`) of a cell tag's attributes in `html[from, to)`; one pass. */
function cellAttrs(html: string, from: number, to: number): { span: number; hidden: boolean } {
  let span = 1;
  let hidden = false;
  let i = from;
  while (i < to) {
    let c = html.charCodeAt(i);
    while (i < to && (isWhite(c) || c === 0x2f)) c = html.charCodeAt(++i);
    const ks = i;
    while (i < to && !isWhite(c) && c !== 0x3d && c !== 0x2f) c = html.charCodeAt(++i);
    const ke = i;
    if (ke === ks) {
      i++;
      continue;
    }
    while (i < to && isWhite(html.charCodeAt(i))) i++;
    let vs = i;
    let ve = i;
    if (i < to && html.charCodeAt(i) === 0x3d) {
      i++;
      while (i < to && isWhite(html.charCodeAt(i))) i++;
      const q = html.charCodeAt(i);
      if (q === 0x22 || q === 0x27) {
        vs = ++i;
        while (i < to && html.charCodeAt(i) !== q) i++;
        ve = i++;
      } else {
        vs = i;
        while (i < to && !isWhite(html.charCodeAt(i))) i++;
        ve = i;
      }
    }
    const klen = ke - ks;
    if (klen === 7 && wordAt(html, ks, 'colspan')) {
      let n = 0;
      let digits = 0;
      for (let k = vs; k < ve && digits < 6; k++) {
        const d = html.charCodeAt(k);
        if (d < 0x30 || d > 0x39) break;
        n = n * 10 + (d - 0x30);
        digits++;
      }
      if (digits > 0) span = Math.max(1, n);
    } else if (klen === 5 && ve > vs && wordAt(html, ks, 'class')) {
      if (/(^|\s)hidden(\s|$)/i.test(html.slice(vs, ve))) hidden = true;
    } else if (klen === 5 && ve > vs && wordAt(html, ks, 'style')) {
      if (/display\s*:\s*none/i.test(html.slice(vs, ve))) hidden = true;
    }
  }
  return { span, hidden };
}

/**
 * The report's table(s) row by row into `sink`, in document order; returns the document title and
 * the number of cells. One forward scan: every `<` is looked at once and the cursor never moves
 * back, so the time is linear in the text whatever it holds (a cell of 80,000 `<`, a tag that never
 * closes). Unclosed cells and rows are closed implicitly; tags other than table structure are
 * dropped from cell text (`<br>` is a space); a `<` that does not start a tag is text.
 */
export function scanHtml(html: string, sink: RowSink): { title: string; cells: number } {
  const n = html.length;
  let rowOpen = false;
  let col = 0;
  let cells = 0;
  let title = '';
  let titleStart = -1;
  // The open cell: its attributes, text collected so far, and where its current text run began.
  let inCell = false;
  let cellSpan = 1;
  let cellHidden = false;
  let text = '';
  let runStart = 0;
  let pos = 0;

  let nextEq = -1; // the first '=' at or after the last place looked from (so attribute-free tags cost no parsing)
  for (;;) {
    // The next '<': usually a few characters on (indentation, a number), where a plain loop beats a search call.
    let lt = pos;
    const near = Math.min(n, pos + 24);
    while (lt < near && html.charCodeAt(lt) !== 0x3c) lt++;
    if (lt === near) lt = html.indexOf('<', near);
    if (lt < 0) break;
    const c1 = html.charCodeAt(lt + 1);
    if (c1 === 0x21 /* ! */) {
      // comment, DOCTYPE or CDATA: skipped, and not part of any text
      const closer = html.startsWith('<!--', lt) ? '-->' : '>';
      const close = html.indexOf(closer, lt + 2);
      if (inCell) text += html.slice(runStart, lt);
      if (close < 0) {
        runStart = pos = n;
        break;
      }
      runStart = pos = close + closer.length;
      continue;
    }
    const closing = c1 === 0x2f;
    const nameStart = closing ? lt + 2 : lt + 1;
    if (!isAlpha(html.charCodeAt(nameStart))) {
      pos = lt + 1; // a '<' that starts no tag is text
      continue;
    }
    let nameEnd = nameStart + 1;
    while (nameEnd < n && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
    let gt = nameEnd;
    const nearGt = Math.min(n, nameEnd + 24);
    while (gt < nearGt && html.charCodeAt(gt) !== 0x3e) gt++;
    if (gt === nearGt) gt = html.indexOf('>', nearGt);
    if (gt < 0) break; // no tag ends anywhere after this point: the rest is text
    const tagEnd = gt + 1;
    const tag = tagOf(html, nameStart, nameEnd);
    if (tag === Tag.Td || tag === Tag.Th || tag === Tag.Tr || tag === Tag.Table) {
      // every table tag closes the open cell
      if (inCell) {
        const raw = text === '' ? html.slice(runStart, lt) : text + html.slice(runStart, lt);
        sink.cell(tidyText(raw), col, cellHidden ? 0 : cellSpan, cellHidden);
        if (!cellHidden) col += cellSpan;
        inCell = false;
        text = '';
      }
      if (tag === Tag.Tr || tag === Tag.Table) {
        if (rowOpen) sink.endRow();
        rowOpen = !closing && tag === Tag.Tr;
        col = 0;
      } else if (!closing) {
        if (!rowOpen) {
          rowOpen = true;
          col = 0;
        }
        cells++;
        if (nextEq !== -2 && nextEq < nameEnd) nextEq = html.indexOf('=', nameEnd);
        if (nextEq === -1) nextEq = -2; // none left in the document
        if (nextEq >= 0 && nextEq < gt) {
          const a = cellAttrs(html, nameEnd, gt);
          cellSpan = a.span;
          cellHidden = a.hidden;
        } else {
          cellSpan = 1;
          cellHidden = false;
        }
        inCell = true;
      }
    } else if (tag === Tag.Br) {
      if (inCell) text += `${html.slice(runStart, lt)} `;
    } else if (tag === Tag.Style || tag === Tag.Script) {
      if (inCell) text += html.slice(runStart, lt);
      if (!closing) {
        // raw text up to the matching end tag
        const word = tag === Tag.Style ? 'style' : 'script';
        let p = tagEnd;
        let close = -1;
        for (;;) {
          const k = html.indexOf('</', p);
          if (k < 0) break;
          if (wordAt(html, k + 2, word)) {
            close = k;
            break;
          }
          p = k + 2;
        }
        if (close < 0) {
          runStart = pos = n;
          break;
        }
        runStart = pos = close;
        continue;
      }
    } else {
      if (tag === Tag.Title) {
        if (!closing && titleStart === -1) titleStart = tagEnd;
        else if (closing && titleStart >= 0) {
          title = tidyText(html.slice(titleStart, lt));
          titleStart = -2; // the first title only
        }
      }
      if (inCell) text += html.slice(runStart, lt);
    }
    runStart = pos = tagEnd;
  }
  if (inCell) {
    const raw = text === '' ? html.slice(runStart, n) : text + html.slice(runStart, n); // an unclosed cell ends with the text
    sink.cell(tidyText(raw), col, cellHidden ? 0 : cellSpan, cellHidden);
  }
  if (rowOpen) sink.endRow();
  return { title, cells };
}
