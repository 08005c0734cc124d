/**
 * Builds MT5 "Trade History Report" files in code (reference/mt5.md §4): the terminal's HTML
 * template in any language and encoding, and the Open XML (xlsx) export with UTF-16LE parts.
 * One small account exercises what real reports contain: a deposit, a credit, a partial close
 * (volume-weighted close price), a thousands separator in a price, an open position, a working
 * order, a withdrawal, and the Results block.
 */
import { strToU8, zipSync } from 'fflate';

export interface Labels {
  title: string;
  name: string;
  account: string;
  company: string;
  date: string;
  blocks: [string, string, string, string, string];
  positionsHeader: string[];
  ordersHeader: string[];
  dealsHeader: string[];
  openHeader: string[];
  workingHeader: string[];
  summary: string[];
  results: string[];
}

const EN_RESULTS = [
  'Total Net Profit:', 'Gross Profit:', 'Gross Loss:', 'Profit Factor:', 'Expected Payoff:', 'Recovery Factor:', 'Sharpe Ratio:', 'Balance Drawdown:',
  'Balance Drawdown Absolute:', 'Balance Drawdown Maximal:', 'Balance Drawdown Relative:', 'Total Trades:', 'Short Trades (won %):', 'Long Trades (won %):',
  'Profit Trades (% of total):', 'Loss Trades (% of total):', 'Largest profit trade:', 'Largest loss trade:', 'Average profit trade:', 'Average loss trade:',
  'Maximum consecutive wins ($):', 'Maximum consecutive losses ($):', 'Maximal consecutive profit (count):', 'Maximal consecutive loss (count):',
  'Average consecutive wins:', 'Average consecutive losses:',
];

export const ENGLISH: Labels = {
  title: 'Trade History Report',
  name: 'Name:',
  account: 'Account:',
  company: 'Company:',
  date: 'Date:',
  blocks: ['Positions', 'Orders', 'Deals', 'Open Positions', 'Working Orders'],
  positionsHeader: ['Time', 'Position', 'Symbol', 'Type', 'Volume', 'Price', 'S / L', 'T / P', 'Time', 'Price', 'Commission', 'Swap', 'Profit'],
  ordersHeader: ['Open Time', 'Order', 'Symbol', 'Type', 'Volume', 'Price', 'S / L', 'T / P', 'Time', 'State', 'Comment'],
  dealsHeader: ['Time', 'Deal', 'Symbol', 'Type', 'Direction', 'Volume', 'Price', 'Order', 'Cost', 'Commission', 'Fee', 'Swap', 'Profit', 'Balance', 'Comment'],
  openHeader: ['Time', 'Position', 'Symbol', 'Type', 'Volume', 'Price', 'S / L', 'T / P', 'Market Price', 'Swap', 'Profit', 'Comment'],
  workingHeader: ['Open Time', 'Order', 'Symbol', 'Type', 'Volume', 'Price', 'S / L', 'T / P', 'Market Price', 'State', 'Comment'],
  summary: ['Balance:', 'Free Margin:', 'Credit Facility:', 'Margin:', 'Floating P/L:', 'Margin Level:', 'Equity:'],
  results: EN_RESULTS,
};

/** Japanese as a real report writes it; Commission and Fee share one header (§4.4). */
export const JAPANESE: Labels = {
  title: '取引履歴レポート',
  name: '名前:',
  account: '口座:',
  company: '会社:',
  date: '日付:',
  blocks: ['ポジション一覧', '注文', '約定', 'ポジション', '現在のオーダー'],
  positionsHeader: ['時間', 'ポジション', '銘柄', 'タイプ', '数量', '価格', '決済逆指値(S/L)', '決済指値(T/P)', '時間', '価格', '手数料', 'スワップ', '損益'],
  ordersHeader: ['時間', '注文', '銘柄', 'タイプ', '数量', '価格', 'S/L', 'T/P', '時間', '状態', 'コメント'],
  dealsHeader: ['時間', '約定', '銘柄', 'タイプ', '方向', '数量', '価格', '注文', 'コスト', '手数料', '手数料', 'スワップ', '損益', '残高', 'コメント'],
  openHeader: ['時間', 'ポジション', '銘柄', 'タイプ', '数量', '価格', 'S/L', 'T/P', '市場価格', 'スワップ', '損益', 'コメント'],
  workingHeader: ['時間', '注文', '銘柄', 'タイプ', '数量', '価格', 'S/L', 'T/P', '市場価格', '状態', 'コメント'],
  summary: ['残高:', '余剰証拠金:', 'クレジット:', '証拠金:', '評価損益:', '証拠金維持率:', '有効証拠金:'],
  results: ['総損益:', '総利益:', '総損失:', 'プロフィットファクター:', '期待利得:', 'リカバリファクター:', 'シャープレシオ:', '残高ドローダウン:', '絶対ドローダウン:', '最大ドローダウン:', '相対ドローダウン:', '総取引数:', '売りポジション(勝率%):', '買いポジション(勝率%):', '勝ちトレード(勝率%):', '負けトレード(負率%):', '最大勝ちトレード:', '最大負けトレード:', '平均勝ちトレード:', '平均負けトレード:', '最大連勝(金額):', '最大連敗(金額):', '最大連勝(トレード数):', '最大連敗(トレード数):', '平均連勝:', '平均連敗:'],
};

export const BULGARIAN: Labels = {
  ...ENGLISH,
  title: 'Отчет за историята на търговията',
  name: 'Име:',
  account: 'Сметка:',
  company: 'Компания:',
  date: 'Дата:',
  blocks: ['Позиции', 'Поръчки', 'Сделки', 'Отворени позиции', 'Работни поръчки'],
  summary: ['Баланс:', 'Свободен марджин:', 'Кредит:', 'Марджин:', 'Плаващ П/З:', 'Ниво на марджин:', 'Собствен капитал:'],
  results: EN_RESULTS.map((_label, i) => `Показател ${i + 1}:`),
};

/** One cell of a logical row; `span` as colspan, `hidden` as class="hidden". */
export interface Cell {
  t: string;
  span?: number;
  hidden?: boolean;
  bold?: boolean;
  num?: number;
}
type Row = { kind: 'title' | 'header' | 'data' | 'plain'; cells: Cell[] };

export interface ReportModel {
  login: string;
  name: string;
  currency: string;
  server: string;
  company: string;
  date: string;
  /** Override Results values (to test mismatch detection). */
  results?: Partial<Record<'total_net_profit' | 'total_trades', string>>;
  /** Override the Summary block's Balance (to test the balance cross-check). */
  summaryBalance?: string;
}

export const MODEL: ReportModel = { login: '5550123', name: 'Jane Trader', currency: 'USD', server: 'Brymix-Live', company: 'Brymix Markets Ltd', date: '2024.03.06 18:00' };

/** What the model's report states and a correct parser finds. */
export const EXPECTED = {
  positions: 2,
  orders: 7,
  deals: 9,
  open_positions: 1,
  working_orders: 1,
  summary: { balance: 8817.8, credit: 500, floating_pl: 50, equity: 9367.55, margin: 632.5, free_margin: 8735.05, margin_level: 1481.03 },
  total_net_profit: -982.2,
  total_trades: 3,
  gross_profit: 37.4,
  gross_loss: -1019.6,
};

const c = (t: string, extra: Omit<Cell, 't'> = {}): Cell => ({ t, ...extra });

export function reportRows(labels: Labels = ENGLISH, model: ReportModel = MODEL): Row[] {
  const rows: Row[] = [];
  const title = (t: string) => rows.push({ kind: 'title', cells: [c(t, { span: 14, bold: true })] });
  const header = (h: string[], spans: Record<number, number> = {}, hidden: number[] = []) =>
    rows.push({ kind: 'header', cells: h.map((t, i) => c(t, { span: spans[i] ?? 1, hidden: hidden.includes(i), bold: true })) });
  const data = (cells: Cell[]) => rows.push({ kind: 'data', cells });
  const plain = (cells: Cell[]) => rows.push({ kind: 'plain', cells });
  const spacer = () => plain([c('')]);
  const pair = (l: string, v: string, num?: number) => [c(l, { span: 4 }), c(v, { span: 10, bold: true, ...(num === undefined ? {} : { num }) })];

  rows.push({ kind: 'title', cells: [c(labels.title, { span: 14, bold: true })] });
  plain(pair(labels.name, model.name));
  plain(pair(labels.account, `${model.login} (${model.currency}, ${model.server}, real, Hedge)`));
  plain(pair(labels.company, model.company));
  plain(pair(labels.date, model.date));

  title(labels.blocks[0]);
  header(labels.positionsHeader, { 12: 2 });
  const pos = (v: string[], comment: string) => data([c(v[0]!), c(v[1]!), c(v[2]!), c(v[3]!), c(comment, { hidden: true, span: 8 }), ...v.slice(4, 12).map((t) => c(t)), c(v[12]!, { span: 2 })]);
  pos(['2024.03.04 10:00:00', '5001', 'EURUSD', 'buy', '0.3', '1.08500', '1.08000', '', '2024.03.04 12:30:00', '1.08633', '-4.20', '-0.50', '40.00'], 'grid-ea');
  pos(['2024.03.05 08:00:00', '5004', 'XAUUSD', 'sell', '1', '2 100.50', '', '2 090.00', '2024.03.05 09:00:00', '2 110.50', '-14.00', '0.00', '-1 000.00'], '');
  spacer();

  title(labels.blocks[1]);
  header(labels.ordersHeader, { 9: 2, 10: 3 });
  const ord = (v: string[]) => data([...v.slice(0, 9).map((t) => c(t)), c(v[9]!, { span: 2 }), c(v[10]!, { span: 3 })]);
  ord(['2024.03.04 10:00:00', '5001', 'EURUSD', 'buy', '0.3 / 0.3', '1.08500', '1.08000', '', '2024.03.04 10:00:00', 'filled', 'grid-ea']);
  ord(['2024.03.04 11:00:00', '5002', 'EURUSD', 'sell', '0.1 / 0.1', 'market', '', '', '2024.03.04 11:00:00', 'filled', '']);
  ord(['2024.03.04 12:30:00', '5003', 'EURUSD', 'sell', '0.2 / 0.2', 'market', '', '', '2024.03.04 12:30:00', 'filled', '[tp 1.08600]']);
  ord(['2024.03.05 08:00:00', '5004', 'XAUUSD', 'sell', '1 / 1', '2 100.50', '', '2 090.00', '2024.03.05 08:00:00', 'filled', '']);
  ord(['2024.03.05 09:00:00', '5005', 'XAUUSD', 'buy', '1 / 1', 'market', '', '', '2024.03.05 09:00:00', 'filled', '']);
  ord(['2024.03.06 10:00:00', '5006', 'GBPUSD', 'buy', '0.5 / 0.5', '1.26500', '1.26000', '', '2024.03.06 10:00:00', 'filled', '']);
  ord(['2024.03.06 10:30:00', '5008', 'GBPUSD', 'sell stop', '0.1 / 0', '1.25000', '', '', '2024.03.06 10:45:00', 'canceled', '']);
  spacer();

  title(labels.blocks[2]);
  header(labels.dealsHeader, {}, [8]);
  const deal = (v: string[]) => data([...v.slice(0, 8).map((t) => c(t)), c('', { hidden: true }), ...v.slice(8).map((t) => c(t))]);
  deal(['2024.03.01 09:00:00', '1001', '', 'balance', '', '', '', '', '0.00', '0.00', '0.00', '10 000.00', '10 000.00', 'Deposit']);
  deal(['2024.03.01 09:05:00', '1002', '', 'credit', '', '', '', '', '0.00', '0.00', '0.00', '500.00', '10 500.00', 'Credit in']);
  deal(['2024.03.04 10:00:00', '1003', 'EURUSD', 'buy', 'in', '0.3', '1.08500', '5001', '-2.10', '0.00', '0.00', '0.00', '10 497.90', 'grid-ea']);
  deal(['2024.03.04 11:00:00', '1004', 'EURUSD', 'sell', 'out', '0.1', '1.08700', '5002', '-0.70', '0.00', '0.00', '20.00', '10 517.20', '']);
  deal(['2024.03.04 12:30:00', '1005', 'EURUSD', 'sell', 'out', '0.2', '1.08600', '5003', '-1.40', '0.00', '-0.50', '20.00', '10 535.30', '[tp 1.08600]']);
  deal(['2024.03.05 08:00:00', '1006', 'XAUUSD', 'sell', 'in', '1', '2 100.50', '5004', '-7.00', '0.00', '0.00', '0.00', '10 528.30', '']);
  deal(['2024.03.05 09:00:00', '1007', 'XAUUSD', 'buy', 'out', '1', '2 110.50', '5005', '-7.00', '0.00', '0.00', '-1 000.00', '9 521.30', '']);
  deal(['2024.03.06 10:00:00', '1008', 'GBPUSD', 'buy', 'in', '0.5', '1.26500', '5006', '-3.50', '0.00', '0.00', '0.00', '9 517.80', '']);
  deal(['2024.03.06 11:00:00', '1009', '', 'balance', '', '', '', '', '0.00', '0.00', '0.00', '-200.00', '9 317.80', 'Withdrawal']);
  plain([c('', { span: 8 }), c('-21.70', { bold: true }), c('0.00', { bold: true }), c('-0.50', { bold: true }), c('9 340.00', { bold: true }), c('9 317.80', { bold: true }), c('')]);

  title(labels.blocks[3]);
  header(labels.openHeader, { 11: 3 });
  data([c('2024.03.06 10:00:00'), c('5006'), c('GBPUSD'), c('buy'), c('0.5'), c('1.26500'), c('1.26000'), c(''), c('1.26600'), c('-0.25'), c('50.00'), c('', { span: 3 })]);
  plain([c('', { span: 9 }), c('-0.25', { bold: true }), c('50.00', { bold: true }), c('')]);

  title(labels.blocks[4]);
  header(labels.workingHeader, { 10: 4 });
  data([c('2024.03.06 11:30:00'), c('5007'), c('USDJPY'), c('buy limit'), c('0.1 / 0'), c('148.000'), c(''), c(''), c('149.200'), c('placed'), c('', { span: 4 })]);
  spacer();

  const s = labels.summary;
  const sp = (l: string, v: string, num: number) => [c(l, { span: 3 }), c(v, { span: 2, bold: true, num })];
  plain([...sp(s[0]!, model.summaryBalance ?? '8 817.80', model.summaryBalance !== undefined ? Number(model.summaryBalance.replace(/\s/g, '')) : 8817.8), c(''), ...sp(s[1]!, '8 735.05', 8735.05)]);
  plain([...sp(s[2]!, '500.00', 500), c(''), ...sp(s[3]!, '632.50', 632.5)]);
  plain([...sp(s[4]!, '50.00', 50), c(''), ...sp(s[5]!, '1 481.03%', 1481.03)]);
  plain(sp(s[6]!, '9 367.55', 9367.55));
  plain([c('', { span: 13 })]);
  rows.push({ kind: 'title', cells: [c(labels.blocks.length ? resultsTitle(labels) : 'Results', { span: 13, bold: true })] });
  const r = labels.results;
  const trip = (pairs: Array<[string, string]>, lead = false) => plain([...(lead ? [c('', { span: 4 })] : []), ...pairs.flatMap(([l, v]) => [c(l, { span: 3 }), c(v, { bold: true })])]);
  trip([[r[0]!, model.results?.total_net_profit ?? '-982.20'], [r[1]!, '37.40'], [r[2]!, '-1 019.60']]);
  trip([[r[3]!, '0.04'], [r[4]!, '-327.40']]);
  trip([[r[5]!, '-0.96'], [r[6]!, '-0.58']]);
  plain([c('')]);
  plain([c(r[7]!, { span: 3 })]);
  trip([[r[8]!, '0.00'], [r[9]!, '1 022.90 (9.71%)'], [r[10]!, '9.71% (1 022.90)']]);
  plain([c('')]);
  trip([[r[11]!, model.results?.total_trades ?? '3'], [r[12]!, '2 (100.00%)'], [r[13]!, '1 (0.00%)']]);
  trip([[r[14]!, '2 (66.67%)'], [r[15]!, '1 (33.33%)']], true);
  trip([[r[16]!, '19.30'], [r[17]!, '-1 007.00']], true);
  trip([[r[18]!, '18.70'], [r[19]!, '-1 007.00']], true);
  trip([[r[20]!, '2 (37.40)'], [r[21]!, '1 (-1 007.00)']], true);
  trip([[r[22]!, '37.40 (2)'], [r[23]!, '-1 007.00 (1)']], true);
  trip([[r[24]!, '2'], [r[25]!, '1']], true);
  return rows;
}

function resultsTitle(labels: Labels): string {
  return labels === JAPANESE ? '結果' : labels === BULGARIAN ? 'Резултати' : 'Results';
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
    const attrs = row.kind === 'header' ? ' align="center" bgcolor="#E5F0FC"' : row.kind === 'data' ? ` bgcolor="${(alt = !alt) ? '#FFFFFF' : '#F7F7F7'}" align="right"` : row.kind === 'title' ? ' align="center"' : ' align="right"';
    const tag = row.kind === 'title' ? 'th' : 'td';
    const cells = row.cells.map((cell) => {
      const a = `${cell.span && cell.span > 1 ? ` colspan="${cell.span}"` : ''}${cell.hidden ? ' class="hidden"' : ''}`;
      const inner = row.kind === 'title' ? `<div style="font: 10pt Tahoma"><b>${esc(cell.t)}</b></div>` : cell.bold ? `<b>${esc(cell.t)}</b>` : esc(cell.t);
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

const colName = (i: number): string => (i < 26 ? String.fromCharCode(65 + i) : colName(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26)));
const xmlEsc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The terminal's "Open XML" export: one sheet, XML parts UTF-16LE with BOM, shared strings for
 * text, numeric cells for the summary, merged ranges for spans; hidden HTML cells are left out.
 * Empty rows are omitted, as spreadsheet writers do.
 */
export function reportXlsx(labels: Labels = ENGLISH, model: ReportModel = MODEL): Uint8Array {
  const strings: string[] = [];
  const sIndex = new Map<string, number>();
  const str = (s: string) => {
    let i = sIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      sIndex.set(s, i);
    }
    return i;
  };
  const merges: string[] = [];
  const xmlRows: string[] = [];
  reportRows(labels, model).forEach((row, r) => {
    let col = 0;
    const cells: string[] = [];
    for (const cell of row.cells) {
      if (cell.hidden) continue;
      const span = cell.span ?? 1;
      const ref = `${colName(col)}${r + 1}`;
      if (span > 1) merges.push(`<mergeCell ref="${ref}:${colName(col + span - 1)}${r + 1}"/>`);
      if (cell.num !== undefined) cells.push(`<c r="${ref}"><v>${cell.num.toFixed(6)}</v></c>`);
      else if (cell.t !== '') cells.push(`<c r="${ref}" t="s"><v>${str(cell.t)}</v></c>`);
      col += span;
    }
    if (cells.length) xmlRows.push(`<row r="${r + 1}">${cells.join('')}</row>`);
  });
  const u16 = (xml: string) => new Uint8Array(utf16leWithBom(`<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n${xml}`));
  const sheet = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${xmlRows.join('')}</sheetData><mergeCells count="${merges.length}">${merges.join('')}</mergeCells></worksheet>`;
  const sst = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t xml:space="preserve">${xmlEsc(s)}</t></si>`).join('')}</sst>`;
  return zipSync({
    '[Content_Types].xml': u16('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    'docProps/core.xml': u16(`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>MetaTrader 5</dc:title><dc:subject>${model.login}:${xmlEsc(model.name)}</dc:subject></cp:coreProperties>`),
    'xl/workbook.xml': u16('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>'),
    'xl/sharedStrings.xml': u16(sst),
    'xl/worksheets/sheet1.xml': u16(sheet),
    'xl/styles.xml': strToU8('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'),
  });
}
