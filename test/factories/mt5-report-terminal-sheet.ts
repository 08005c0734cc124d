/**
 * The sheet of the terminal's "Open XML" export of an MT5 report (reference/mt5.md §4.2), every row
 * as the terminal writes it (a real export, HFM demo 2025, studied cell by cell).
 */
import { type Labels, resultsTitle } from './mt5-report-labels.ts';
import { type ReportModel, reportData } from './mt5-report-model.ts';
import { colName, REL, SharedStrings, SML } from './mt5-report-xml.ts';

/**
 * Cell styles of the terminal's stylesheet (indexes into `<cellXfs>`, as in the real export):
 * alternate data rows use the grey (F7F7F7) or the white variant.
 * The styles themselves are STYLES_XML in mt5-report-xlsx.ts.
 */
const ST = {
  none: 0,
  title: 1,
  label: 2,
  value: 3,
  blockTitle: 4,
  header: 5,
  dealsTitle: 16,
  totalsEmpty: 17,
  totalsMoney: 18,
  summaryMoney: 19,
  summaryPercent: 20,
  bold: 21,
  boldInt: 22,
  grey: { text: 6, int: 7, price5: 8, money: 9, price3: 14 },
  white: { text: 10, int: 11, price5: 12, money: 13, price3: 15 },
} as const;

/** One cell as the terminal writes it: a shared string, a number as written, a formula with its cached value, or empty. */
interface XCell {
  s: number;
  str?: string;
  num?: string;
  formula?: string;
  /** Columns the cell covers (a merged range when > 1). */
  span?: number;
  /** The terminal also writes one-cell ranges (`I45:I45`) in some places. */
  mergeAlone?: boolean;
}

const COLS = 15; // A..O
const noSpaces = (v: string) => v.replace(/\s/g, '');

/** The worksheet part, and what the other parts of the package refer to in it. */
export interface TerminalSheet {
  sheetXml: string;
  strings: string[];
  /** Cells holding a formula, in the order they were written (the calcChain lists them). */
  formulas: string[];
  /** The rows of the first and last deal: the balance chart reads its series from them. */
  firstDeal: number;
  lastDeal: number;
  /** The rows the balance chart is anchored between. */
  chartFrom: number;
  chartTo: number;
}

/** The export's sheet: every row as the terminal writes it. */
export function terminalSheet(labels: Labels, model: ReportModel): TerminalSheet {
  const d = reportData(labels, model);
  const sst = new SharedStrings();
  const rows: string[] = [];
  const merges: string[] = [];
  const formulas: string[] = [];
  const CRLF = '\r\n';

  const row = (cells: XCell[], height: number, fill: number = ST.none, width = COLS) => {
    const r = rows.length + 1;
    const out: string[] = [];
    let col = 0;
    for (const cell of cells) {
      const span = cell.span ?? 1;
      const ref = `${colName(col)}${r}`;
      if (span > 1 || cell.mergeAlone) merges.push(`<mergeCell ref="${ref}:${colName(col + span - 1)}${r}"/>`);
      if (cell.str !== undefined && cell.str !== '')
        out.push(`<c r="${ref}" s="${cell.s}" t="s"><v>${sst.add(cell.str)}</v></c>`);
      else if (cell.formula !== undefined) {
        out.push(`<c r="${ref}" s="${cell.s}"><f>${cell.formula}</f><v>${cell.num}</v></c>`);
        formulas.push(ref);
      } else if (cell.num !== undefined && cell.num !== '')
        out.push(`<c r="${ref}" s="${cell.s}"><v>${cell.num}</v></c>`);
      else out.push(`<c r="${ref}" s="${cell.s}"/>`);
      for (let k = 1; k < span; k++) out.push(`<c r="${colName(col + k)}${r}" s="${cell.s}"/>`);
      col += span;
    }
    for (; col < width; col++) out.push(`<c r="${colName(col)}${r}" s="${fill}"/>`);
    rows.push(
      `  <row r="${r}" spans="1:${COLS}" ht="${height.toFixed(4)}" customHeight="1">${CRLF}${out.map((x) => `   ${x}${CRLF}`).join('')}  </row>`,
    );
    return r;
  };
  const str = (s: number, v: string, span = 1): XCell => ({ s, str: v, span });
  const int = (st: typeof ST.grey | typeof ST.white, v: string): XCell => ({ s: st.int, num: noSpaces(v) });
  const money = (st: typeof ST.grey | typeof ST.white, v: string, span = 1): XCell => ({
    s: st.money,
    num: noSpaces(v),
    span,
  });
  const price = (st: typeof ST.grey | typeof ST.white, v: string, span = 1): XCell => {
    if (v === '') return { s: st.text, span };
    if (!/^[-\d\s.]+$/.test(v)) return { s: st.text, str: v, span }; // `market`
    const digits = noSpaces(v).split('.')[1]?.length ?? 0;
    return { s: digits === 5 ? st.price5 : digits === 3 ? st.price3 : st.money, num: noSpaces(v), span };
  };
  const text = (st: typeof ST.grey | typeof ST.white, v: string, span = 1): XCell => ({ s: st.text, str: v, span });
  const band = (i: number, greyFirst = true) => ((i % 2 === 0) === greyFirst ? ST.grey : ST.white);
  const blockTitle = (t: string, s: number = ST.blockTitle) => row([str(s, t, COLS)], 25);
  const header = (h: string[], spans: number[]) =>
    row(
      h.map((t, i) => str(ST.header, t, spans[i] ?? 1)),
      20,
      ST.header,
    );

  row([str(ST.title, labels.title, COLS)], 25);
  for (const [l, v] of d.header) row([str(ST.label, l, 3), str(ST.value, v, COLS - 3)], 15);

  // Positions: Profit spans M:O; no hidden comment column.
  blockTitle(labels.blocks[0]);
  header(labels.positionsHeader, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3]);
  d.positions.forEach(({ values: v }, i) => {
    const st = band(i);
    row(
      [
        text(st, v[0]!),
        int(st, v[1]!),
        text(st, v[2]!),
        text(st, v[3]!),
        text(st, v[4]!),
        price(st, v[5]!),
        price(st, v[6]!),
        price(st, v[7]!),
        text(st, v[8]!),
        price(st, v[9]!),
        money(st, v[10]!),
        money(st, v[11]!),
        money(st, v[12]!, 3),
      ],
      15,
    );
  });

  // Orders: State J:K, Comment L:O.
  blockTitle(labels.blocks[1]);
  header(labels.ordersHeader, [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4]);
  d.orders.forEach((v, i) => {
    const st = band(i);
    row(
      [
        text(st, v[0]!),
        int(st, v[1]!),
        text(st, v[2]!),
        text(st, v[3]!),
        text(st, v[4]!),
        price(st, v[5]!),
        price(st, v[6]!),
        price(st, v[7]!),
        text(st, v[8]!),
        text(st, v[9]!, 2),
        text(st, v[10]!, 4),
      ],
      15,
    );
  });

  // Deals: no Cost column; Comment N:O; one-cell ranges on Fee (header) and Commission (rows), as the terminal writes them.
  blockTitle(labels.blocks[2], ST.dealsTitle);
  const dealsHeader = labels.dealsHeader.filter((_h, i) => i !== 8);
  row(
    dealsHeader.map((t, i) => ({ ...str(ST.header, t, i === 13 ? 2 : 1), mergeAlone: i === 9 })),
    20,
  );
  const firstDeal = rows.length + 1;
  d.deals.forEach((v, i) => {
    const st = band(i);
    const funding = v[4] === '';
    const cost = (x: string): XCell => (funding ? { s: st.money, num: '0' } : money(st, x));
    row(
      [
        text(st, v[0]!),
        int(st, v[1]!),
        text(st, v[2]!),
        text(st, v[3]!),
        text(st, v[4]!),
        text(st, v[5]!),
        price(st, v[6]!),
        v[7] ? int(st, v[7]) : { s: st.text },
        { ...cost(v[8]!), mergeAlone: true },
        cost(v[9]!),
        cost(v[10]!),
        money(st, v[11]!),
        money(st, v[12]!),
        text(st, v[13]!, 2),
      ],
      15,
    );
  });
  const lastDeal = rows.length;
  const sum = (col: string, a: number, b: number, value: string): XCell => ({
    s: ST.totalsMoney,
    formula: `SUM(Sheet1!${col}${a}:${col}${b})`,
    num: Number(noSpaces(value)).toFixed(6),
  });
  const [tc, tf, ts, tp, tb] = d.dealTotals as [string, string, string, string, string];
  row(
    [
      { s: ST.totalsEmpty, span: 8 },
      sum('I', firstDeal, lastDeal, tc),
      sum('J', firstDeal, lastDeal, tf),
      sum('K', firstDeal, lastDeal, ts),
      { s: ST.totalsMoney, num: noSpaces(tp) },
      { s: ST.totalsMoney, num: noSpaces(tb) },
      { s: ST.totalsEmpty, span: 2 },
    ],
    20,
  );

  // Open Positions: Swap J:K, Profit L, Comment M:O; totals as SUM formulas over K and L.
  blockTitle(labels.blocks[3]);
  header(labels.openHeader, [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 3]);
  const firstOpen = rows.length + 1;
  d.openPositions.forEach((v, i) => {
    const st = band(i, false);
    row(
      [
        text(st, v[0]!),
        int(st, v[1]!),
        text(st, v[2]!),
        text(st, v[3]!),
        text(st, v[4]!),
        price(st, v[5]!),
        price(st, v[6]!),
        price(st, v[7]!),
        price(st, v[8]!),
        money(st, v[9]!, 2),
        money(st, v[10]!),
        text(st, v[11]!, 3),
      ],
      15,
    );
  });
  const lastOpen = rows.length;
  row(
    [
      { s: ST.totalsEmpty, span: 10 },
      sum('K', firstOpen, lastOpen, d.openTotals[0]!),
      sum('L', firstOpen, lastOpen, d.openTotals[1]!),
      { s: ST.totalsEmpty, span: 3 },
    ],
    20,
  );

  // Working Orders: laid out as Orders (State J:K, Comment L:O). Assumed: the studied export had none.
  blockTitle(labels.blocks[4]);
  header(labels.workingHeader, [1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4]);
  d.workingOrders.forEach((v, i) => {
    const st = band(i);
    row(
      [
        text(st, v[0]!),
        int(st, v[1]!),
        text(st, v[2]!),
        text(st, v[3]!),
        text(st, v[4]!),
        price(st, v[5]!),
        price(st, v[6]!),
        price(st, v[7]!),
        price(st, v[8]!),
        text(st, v[9]!, 2),
        text(st, v[10]!, 4),
      ],
      15,
    );
  });

  // Summary: label A:C, value D:E, F empty, label G:I, value J:K; numbers with six decimals, Margin Level as a ratio.
  for (const line of d.summary) {
    const cells: XCell[] = [];
    line.forEach((p, i) => {
      if (i > 0) cells.push({ s: ST.none });
      cells.push(str(ST.white.text, p.label, 3));
      cells.push(
        p.ratio !== undefined
          ? { s: ST.summaryPercent, num: p.ratio.toFixed(6), span: 2 }
          : { s: ST.summaryMoney, num: p.num.toFixed(6), span: 2 },
      );
    });
    row(cells, 15);
  }
  // The balance chart is anchored over 20 empty rows (xl/drawings/drawing1.xml).
  const chartFrom = rows.length;
  for (let k = 0; k < 20; k++) row([], 15);
  const chartTo = rows.length;

  // Results: label A:C, value D, label E:G, value H, label I:K, value L:N; a lead row starts at E.
  blockTitle(resultsTitle(labels));
  const results = d.results.filter((l): l is Exclude<typeof l, 'gap'> => l !== 'gap');
  results.forEach((line, n) => {
    const cells: XCell[] = line.lead ? [{ s: ST.none }, { s: ST.none }, { s: ST.none }, { s: ST.none }] : [];
    const last = n === results.length - 1;
    for (const [label, value] of line.pairs) {
      cells.push(str(ST.white.text, label, 3));
      if (value === '') continue;
      const col = cells.reduce((sum, x) => sum + (x.span ?? 1), 0);
      const span = col === 11 ? 3 : 1; // the value in L spans L:N
      const v = noSpaces(value);
      if (!/^-?\d+(\.\d+)?$/.test(v))
        cells.push({ s: ST.bold, str: value, span, mergeAlone: true }); // composite `2 (66.67%)`
      else if (/^\d+$/.test(v))
        cells.push({ s: ST.boldInt, num: last ? v : Number(v).toFixed(6), span, mergeAlone: true }); // counts
      else cells.push({ s: ST.summaryMoney, num: Number(v).toFixed(6), span, mergeAlone: true });
    }
    row(cells, 15, ST.none, last ? COLS - 1 : COLS); // the last row stops at N
  });

  const nl = CRLF;
  const cols = [18, 10, 10, 10, 10, 10, 10, 10, 18, 10, 10, 10, 10, 10, 1].map(
    (w, i) => `  <col min="${i + 1}" max="${i + 1}" width="${w.toFixed(4)}" bestFit="1" customWidth="1"/>`,
  );
  const sheet = [
    `<worksheet xmlns="${SML}"${nl}           xmlns:r="${REL}">`,
    ` <dimension ref="A1:P${rows.length - 1}"/>`,
    ' <sheetViews>',
    '  <sheetView tabSelected="1" workbookViewId="0"><selection activeCell="D4" sqref="D4"/></sheetView>',
    ' </sheetViews>',
    ' <sheetFormatPr defaultRowHeight="15" customHeight="1"/>',
    ' <cols>',
    ...cols,
    ' </cols>',
    ' <sheetData>',
    ...rows,
    ' </sheetData>',
    ` <mergeCells count="${merges.length}">`,
    ...merges.map((m) => `  ${m}`),
    ' </mergeCells>',
    ' <pageMargins left="0.7" right="0.7" top="0.7" bottom="0.7" header="0.3" footer="0.3"/>',
    ' <pageSetup paperSize="9" orientation="landscape" horizontalDpi="360" verticalDpi="360"/>',
    ' <drawing r:id="rId1"/>',
    '</worksheet>',
  ].join(nl);
  return { sheetXml: sheet, strings: sst.list, formulas, firstDeal, lastDeal, chartFrom, chartTo };
}
