/**
 * The terminal's HTML export of an MT5 "Trade History Report" (reference/mt5.md §4.1): its logical
 * rows (shared with the compact xlsx shape), its markup, and the UTF-16LE encoding it is saved in.
 */
import { ENGLISH, type Labels, resultsTitle } from './mt5-report-labels.ts';
import { MODEL, type ReportModel, reportData } from './mt5-report-model.ts';

/** One cell of a logical row; `span` as colspan, `hidden` as class="hidden". */
interface Cell {
  t: string;
  span?: number;
  hidden?: boolean;
  bold?: boolean;
  num?: number;
}
export type Row = { kind: 'title' | 'header' | 'data' | 'plain'; cells: Cell[] };

const c = (t: string, extra: Omit<Cell, 't'> = {}): Cell => ({ t, ...extra });

/** The logical rows of the HTML export (and of the compact xlsx shape derived from it). */
export function reportRows(labels: Labels = ENGLISH, model: ReportModel = MODEL): Row[] {
  const d = reportData(labels, model);
  const rows: Row[] = [];
  const title = (t: string) => rows.push({ kind: 'title', cells: [c(t, { span: 14, bold: true })] });
  const header = (h: string[], spans: Record<number, number> = {}, hidden: number[] = []) =>
    rows.push({
      kind: 'header',
      cells: h.map((t, i) => c(t, { span: spans[i] ?? 1, hidden: hidden.includes(i), bold: true })),
    });
  const data = (cells: Cell[]) => rows.push({ kind: 'data', cells });
  const plain = (cells: Cell[]) => rows.push({ kind: 'plain', cells });
  const spacer = () => plain([c('')]);
  const pair = (l: string, v: string) => [c(l, { span: 4 }), c(v, { span: 10, bold: true })];

  rows.push({ kind: 'title', cells: [c(labels.title, { span: 14, bold: true })] });
  for (const [l, v] of d.header) plain(pair(l, v));

  title(labels.blocks[0]);
  header(labels.positionsHeader, { 12: 2 });
  for (const { values: v, comment } of d.positions)
    data([
      c(v[0]!),
      c(v[1]!),
      c(v[2]!),
      c(v[3]!),
      c(comment, { hidden: true, span: 8 }),
      ...v.slice(4, 12).map((t) => c(t)),
      c(v[12]!, { span: 2 }),
    ]);
  spacer();

  title(labels.blocks[1]);
  header(labels.ordersHeader, { 9: 2, 10: 3 });
  for (const v of d.orders) data([...v.slice(0, 9).map((t) => c(t)), c(v[9]!, { span: 2 }), c(v[10]!, { span: 3 })]);
  spacer();

  title(labels.blocks[2]);
  header(labels.dealsHeader, {}, [8]);
  for (const v of d.deals)
    data([...v.slice(0, 8).map((t) => c(t)), c('', { hidden: true }), ...v.slice(8).map((t) => c(t))]);
  plain([c('', { span: 8 }), ...d.dealTotals.map((t) => c(t, { bold: true })), c('')]);

  title(labels.blocks[3]);
  header(labels.openHeader, { 11: 3 });
  for (const v of d.openPositions) data([...v.slice(0, 11).map((t) => c(t)), c(v[11]!, { span: 3 })]);
  plain([c('', { span: 9 }), ...d.openTotals.map((t) => c(t, { bold: true })), c('')]);

  title(labels.blocks[4]);
  header(labels.workingHeader, { 10: 4 });
  for (const v of d.workingOrders) data([...v.slice(0, 10).map((t) => c(t)), c(v[10]!, { span: 4 })]);
  spacer();

  const sp = ({ label, text, num }: { label: string; text: string; num: number }) => [
    c(label, { span: 3 }),
    c(text, { span: 2, bold: true, num }),
  ];
  for (const line of d.summary) plain(line.flatMap((p, i) => (i === 0 ? sp(p) : [c(''), ...sp(p)])));
  plain([c('', { span: 13 })]);
  rows.push({
    kind: 'title',
    cells: [c(labels.blocks.length ? resultsTitle(labels) : 'Results', { span: 13, bold: true })],
  });
  for (const line of d.results) {
    if (line === 'gap') plain([c('')]);
    else if (line.pairs.length === 1 && line.pairs[0]![1] === '') plain([c(line.pairs[0]![0], { span: 3 })]);
    else
      plain([
        ...(line.lead ? [c('', { span: 4 })] : []),
        ...line.pairs.flatMap(([l, v]) => [c(l, { span: 3 }), c(v, { bold: true })]),
      ]);
  }
  return rows;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/ /g, '&nbsp;');

/** The terminal's HTML template (markup as in real exports). */
export function reportHtml(labels: Labels = ENGLISH, model: ReportModel = MODEL): string {
  const out: string[] = [
    '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">',
    '<html>\r\n  <head>',
    `    <title>${model.login}: ${model.name} - ${labels.title}</title>`,
    '    <meta name="generator" content="client terminal">',
    '    <style type="text/css">.hidden { display: none; }</style>\r\n  </head>\r\n<body>\r\n<div align="center">',
    '    <table cellspacing="1" cellpadding="3" border="0">',
  ];
  let alt = false;
  for (const row of reportRows(labels, model)) {
    if (row.kind === 'data') alt = !alt;
    const attrs =
      row.kind === 'header'
        ? ' align="center" bgcolor="#E5F0FC"'
        : row.kind === 'data'
          ? ` bgcolor="${alt ? '#FFFFFF' : '#F7F7F7'}" align="right"`
          : row.kind === 'title'
            ? ' align="center"'
            : ' align="right"';
    const tag = row.kind === 'title' ? 'th' : 'td';
    const cells = row.cells.map((cell) => {
      const a = `${cell.span && cell.span > 1 ? ` colspan="${cell.span}"` : ''}${cell.hidden ? ' class="hidden"' : ''}`;
      const inner =
        row.kind === 'title'
          ? `<div style="font: 10pt Tahoma"><b>${esc(cell.t)}</b></div>`
          : cell.bold
            ? `<b>${esc(cell.t)}</b>`
            : esc(cell.t);
      return `<${tag} nowrap${a}>${inner}</${tag}>`;
    });
    out.push(`        <tr${attrs}>${cells.join('')}</tr>`);
  }
  out.push('    </table>\r\n</div>\r\n</body>\r\n</html>\r\n');
  return out.join('\r\n');
}

export function utf16leWithBom(text: string, strayTrailingByte = false): Buffer {
  const body = Buffer.from(text, 'utf16le');
  return Buffer.concat([Buffer.from([0xff, 0xfe]), body, strayTrailingByte ? Buffer.from([0x0a]) : Buffer.alloc(0)]);
}
