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
  'Total Net Profit:',
  'Gross Profit:',
  'Gross Loss:',
  'Profit Factor:',
  'Expected Payoff:',
  'Recovery Factor:',
  'Sharpe Ratio:',
  'Balance Drawdown:',
  'Balance Drawdown Absolute:',
  'Balance Drawdown Maximal:',
  'Balance Drawdown Relative:',
  'Total Trades:',
  'Short Trades (won %):',
  'Long Trades (won %):',
  'Profit Trades (% of total):',
  'Loss Trades (% of total):',
  'Largest profit trade:',
  'Largest loss trade:',
  'Average profit trade:',
  'Average loss trade:',
  'Maximum consecutive wins ($):',
  'Maximum consecutive losses ($):',
  'Maximal consecutive profit (count):',
  'Maximal consecutive loss (count):',
  'Average consecutive wins:',
  'Average consecutive losses:',
];

export const ENGLISH: Labels = {
  title: 'Trade History Report',
  name: 'Name:',
  account: 'Account:',
  company: 'Company:',
  date: 'Date:',
  blocks: ['Positions', 'Orders', 'Deals', 'Open Positions', 'Working Orders'],
  positionsHeader: [
    'Time',
    'Position',
    'Symbol',
    'Type',
    'Volume',
    'Price',
    'S / L',
    'T / P',
    'Time',
    'Price',
    'Commission',
    'Swap',
    'Profit',
  ],
  ordersHeader: [
    'Open Time',
    'Order',
    'Symbol',
    'Type',
    'Volume',
    'Price',
    'S / L',
    'T / P',
    'Time',
    'State',
    'Comment',
  ],
  dealsHeader: [
    'Time',
    'Deal',
    'Symbol',
    'Type',
    'Direction',
    'Volume',
    'Price',
    'Order',
    'Cost',
    'Commission',
    'Fee',
    'Swap',
    'Profit',
    'Balance',
    'Comment',
  ],
  openHeader: [
    'Time',
    'Position',
    'Symbol',
    'Type',
    'Volume',
    'Price',
    'S / L',
    'T / P',
    'Market Price',
    'Swap',
    'Profit',
    'Comment',
  ],
  workingHeader: [
    'Open Time',
    'Order',
    'Symbol',
    'Type',
    'Volume',
    'Price',
    'S / L',
    'T / P',
    'Market Price',
    'State',
    'Comment',
  ],
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
  positionsHeader: [
    '時間',
    'ポジション',
    '銘柄',
    'タイプ',
    '数量',
    '価格',
    '決済逆指値(S/L)',
    '決済指値(T/P)',
    '時間',
    '価格',
    '手数料',
    'スワップ',
    '損益',
  ],
  ordersHeader: ['時間', '注文', '銘柄', 'タイプ', '数量', '価格', 'S/L', 'T/P', '時間', '状態', 'コメント'],
  dealsHeader: [
    '時間',
    '約定',
    '銘柄',
    'タイプ',
    '方向',
    '数量',
    '価格',
    '注文',
    'コスト',
    '手数料',
    '手数料',
    'スワップ',
    '損益',
    '残高',
    'コメント',
  ],
  openHeader: [
    '時間',
    'ポジション',
    '銘柄',
    'タイプ',
    '数量',
    '価格',
    'S/L',
    'T/P',
    '市場価格',
    'スワップ',
    '損益',
    'コメント',
  ],
  workingHeader: ['時間', '注文', '銘柄', 'タイプ', '数量', '価格', 'S/L', 'T/P', '市場価格', '状態', 'コメント'],
  summary: ['残高:', '余剰証拠金:', 'クレジット:', '証拠金:', '評価損益:', '証拠金維持率:', '有効証拠金:'],
  results: [
    '総損益:',
    '総利益:',
    '総損失:',
    'プロフィットファクター:',
    '期待利得:',
    'リカバリファクター:',
    'シャープレシオ:',
    '残高ドローダウン:',
    '絶対ドローダウン:',
    '最大ドローダウン:',
    '相対ドローダウン:',
    '総取引数:',
    '売りポジション(勝率%):',
    '買いポジション(勝率%):',
    '勝ちトレード(勝率%):',
    '負けトレード(負率%):',
    '最大勝ちトレード:',
    '最大負けトレード:',
    '平均勝ちトレード:',
    '平均負けトレード:',
    '最大連勝(金額):',
    '最大連敗(金額):',
    '最大連勝(トレード数):',
    '最大連敗(トレード数):',
    '平均連勝:',
    '平均連敗:',
  ],
};

export const BULGARIAN: Labels = {
  ...ENGLISH,
  title: 'Отчет за историята на търговията',
  name: 'Име:',
  account: 'Сметка:',
  company: 'Компания:',
  date: 'Дата:',
  blocks: ['Позиции', 'Поръчки', 'Сделки', 'Отворени позиции', 'Работни поръчки'],
  summary: [
    'Баланс:',
    'Свободен марджин:',
    'Кредит:',
    'Марджин:',
    'Плаващ П/З:',
    'Ниво на марджин:',
    'Собствен капитал:',
  ],
  results: EN_RESULTS.map((_label, i) => `Показател ${i + 1}:`),
};

/** One cell of a logical row; `span` as colspan, `hidden` as class="hidden". */
interface Cell {
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

export const MODEL: ReportModel = {
  login: '5550123',
  name: 'Jane Trader',
  currency: 'USD',
  server: 'Brymix-Live',
  company: 'Brymix Markets Ltd',
  date: '2024.03.06 18:00',
};

/** What the model's report states and a correct parser finds. */
export const EXPECTED = {
  positions: 2,
  orders: 7,
  deals: 9,
  open_positions: 1,
  working_orders: 1,
  summary: {
    balance: 8817.8,
    credit: 500,
    floating_pl: 50,
    equity: 9367.55,
    margin: 632.5,
    free_margin: 8735.05,
    margin_level: 1481.03,
  },
  total_net_profit: -982.2,
  total_trades: 3,
  gross_profit: 37.4,
  gross_loss: -1019.6,
};

/**
 * What the model's report contains, apart from how either export lays it out: the values as the
 * terminal writes them in HTML (space thousands separators), block by block.
 */
interface ReportData {
  header: Array<[label: string, value: string]>;
  /** 13 values (Time … Profit) and the hidden comment cell of the HTML. */
  positions: Array<{ values: string[]; comment: string }>;
  /** 11 values (Open Time … Comment). */
  orders: string[][];
  /** 14 values (Time … Comment), without the hidden Cost cell. */
  deals: string[][];
  /** Commission, Fee, Swap, Profit, Balance. */
  dealTotals: string[];
  /** 12 values (Time … Comment). */
  openPositions: string[][];
  /** Swap, Profit. */
  openTotals: string[];
  /** 11 values (Open Time … Comment). */
  workingOrders: string[][];
  /** Rows of label/value pairs in the terminal's order; `ratio` is Margin Level as the xlsx stores it. */
  summary: Array<Array<{ label: string; text: string; num: number; ratio?: number }>>;
  /** Rows of label/value pairs; `gap` is a spacer row of the HTML; `lead` rows start one slot to the right. */
  results: Array<'gap' | { lead: boolean; pairs: Array<[label: string, value: string]> }>;
}

function reportData(labels: Labels = ENGLISH, model: ReportModel = MODEL): ReportData {
  const s = labels.summary;
  const r = labels.results;
  const balance = model.summaryBalance ?? '8 817.80';
  return {
    header: [
      [labels.name, model.name],
      [labels.account, `${model.login} (${model.currency}, ${model.server}, real, Hedge)`],
      [labels.company, model.company],
      [labels.date, model.date],
    ],
    positions: [
      {
        values: [
          '2024.03.04 10:00:00',
          '5001',
          'EURUSD',
          'buy',
          '0.3',
          '1.08500',
          '1.08000',
          '',
          '2024.03.04 12:30:00',
          '1.08633',
          '-4.20',
          '-0.50',
          '40.00',
        ],
        comment: 'grid-ea',
      },
      {
        values: [
          '2024.03.05 08:00:00',
          '5004',
          'XAUUSD',
          'sell',
          '1',
          '2 100.50',
          '',
          '2 090.00',
          '2024.03.05 09:00:00',
          '2 110.50',
          '-14.00',
          '0.00',
          '-1 000.00',
        ],
        comment: '',
      },
    ],
    orders: [
      [
        '2024.03.04 10:00:00',
        '5001',
        'EURUSD',
        'buy',
        '0.3 / 0.3',
        '1.08500',
        '1.08000',
        '',
        '2024.03.04 10:00:00',
        'filled',
        'grid-ea',
      ],
      [
        '2024.03.04 11:00:00',
        '5002',
        'EURUSD',
        'sell',
        '0.1 / 0.1',
        'market',
        '',
        '',
        '2024.03.04 11:00:00',
        'filled',
        '',
      ],
      [
        '2024.03.04 12:30:00',
        '5003',
        'EURUSD',
        'sell',
        '0.2 / 0.2',
        'market',
        '',
        '',
        '2024.03.04 12:30:00',
        'filled',
        '[tp 1.08600]',
      ],
      [
        '2024.03.05 08:00:00',
        '5004',
        'XAUUSD',
        'sell',
        '1 / 1',
        '2 100.50',
        '',
        '2 090.00',
        '2024.03.05 08:00:00',
        'filled',
        '',
      ],
      ['2024.03.05 09:00:00', '5005', 'XAUUSD', 'buy', '1 / 1', 'market', '', '', '2024.03.05 09:00:00', 'filled', ''],
      [
        '2024.03.06 10:00:00',
        '5006',
        'GBPUSD',
        'buy',
        '0.5 / 0.5',
        '1.26500',
        '1.26000',
        '',
        '2024.03.06 10:00:00',
        'filled',
        '',
      ],
      [
        '2024.03.06 10:30:00',
        '5008',
        'GBPUSD',
        'sell stop',
        '0.1 / 0',
        '1.25000',
        '',
        '',
        '2024.03.06 10:45:00',
        'canceled',
        '',
      ],
    ],
    deals: [
      [
        '2024.03.01 09:00:00',
        '1001',
        '',
        'balance',
        '',
        '',
        '',
        '',
        '0.00',
        '0.00',
        '0.00',
        '10 000.00',
        '10 000.00',
        'Deposit',
      ],
      [
        '2024.03.01 09:05:00',
        '1002',
        '',
        'credit',
        '',
        '',
        '',
        '',
        '0.00',
        '0.00',
        '0.00',
        '500.00',
        '10 500.00',
        'Credit in',
      ],
      [
        '2024.03.04 10:00:00',
        '1003',
        'EURUSD',
        'buy',
        'in',
        '0.3',
        '1.08500',
        '5001',
        '-2.10',
        '0.00',
        '0.00',
        '0.00',
        '10 497.90',
        'grid-ea',
      ],
      [
        '2024.03.04 11:00:00',
        '1004',
        'EURUSD',
        'sell',
        'out',
        '0.1',
        '1.08700',
        '5002',
        '-0.70',
        '0.00',
        '0.00',
        '20.00',
        '10 517.20',
        '',
      ],
      [
        '2024.03.04 12:30:00',
        '1005',
        'EURUSD',
        'sell',
        'out',
        '0.2',
        '1.08600',
        '5003',
        '-1.40',
        '0.00',
        '-0.50',
        '20.00',
        '10 535.30',
        '[tp 1.08600]',
      ],
      [
        '2024.03.05 08:00:00',
        '1006',
        'XAUUSD',
        'sell',
        'in',
        '1',
        '2 100.50',
        '5004',
        '-7.00',
        '0.00',
        '0.00',
        '0.00',
        '10 528.30',
        '',
      ],
      [
        '2024.03.05 09:00:00',
        '1007',
        'XAUUSD',
        'buy',
        'out',
        '1',
        '2 110.50',
        '5005',
        '-7.00',
        '0.00',
        '0.00',
        '-1 000.00',
        '9 521.30',
        '',
      ],
      [
        '2024.03.06 10:00:00',
        '1008',
        'GBPUSD',
        'buy',
        'in',
        '0.5',
        '1.26500',
        '5006',
        '-3.50',
        '0.00',
        '0.00',
        '0.00',
        '9 517.80',
        '',
      ],
      [
        '2024.03.06 11:00:00',
        '1009',
        '',
        'balance',
        '',
        '',
        '',
        '',
        '0.00',
        '0.00',
        '0.00',
        '-200.00',
        '9 317.80',
        'Withdrawal',
      ],
    ],
    dealTotals: ['-21.70', '0.00', '-0.50', '9 340.00', '9 317.80'],
    openPositions: [
      [
        '2024.03.06 10:00:00',
        '5006',
        'GBPUSD',
        'buy',
        '0.5',
        '1.26500',
        '1.26000',
        '',
        '1.26600',
        '-0.25',
        '50.00',
        '',
      ],
    ],
    openTotals: ['-0.25', '50.00'],
    workingOrders: [
      ['2024.03.06 11:30:00', '5007', 'USDJPY', 'buy limit', '0.1 / 0', '148.000', '', '', '149.200', 'placed', ''],
    ],
    summary: [
      [
        { label: s[0]!, text: balance, num: Number(balance.replace(/\s/g, '')) },
        { label: s[1]!, text: '8 735.05', num: 8735.05 },
      ],
      [
        { label: s[2]!, text: '500.00', num: 500 },
        { label: s[3]!, text: '632.50', num: 632.5 },
      ],
      [
        { label: s[4]!, text: '50.00', num: 50 },
        { label: s[5]!, text: '1 481.03%', num: 1481.03, ratio: 14.8103 },
      ],
      [{ label: s[6]!, text: '9 367.55', num: 9367.55 }],
    ],
    results: [
      {
        lead: false,
        pairs: [
          [r[0]!, model.results?.total_net_profit ?? '-982.20'],
          [r[1]!, '37.40'],
          [r[2]!, '-1 019.60'],
        ],
      },
      {
        lead: false,
        pairs: [
          [r[3]!, '0.04'],
          [r[4]!, '-327.40'],
        ],
      },
      {
        lead: false,
        pairs: [
          [r[5]!, '-0.96'],
          [r[6]!, '-0.58'],
        ],
      },
      'gap',
      { lead: false, pairs: [[r[7]!, '']] },
      {
        lead: false,
        pairs: [
          [r[8]!, '0.00'],
          [r[9]!, '1 022.90 (9.71%)'],
          [r[10]!, '9.71% (1 022.90)'],
        ],
      },
      'gap',
      {
        lead: false,
        pairs: [
          [r[11]!, model.results?.total_trades ?? '3'],
          [r[12]!, '2 (100.00%)'],
          [r[13]!, '1 (0.00%)'],
        ],
      },
      {
        lead: true,
        pairs: [
          [r[14]!, '2 (66.67%)'],
          [r[15]!, '1 (33.33%)'],
        ],
      },
      {
        lead: true,
        pairs: [
          [r[16]!, '19.30'],
          [r[17]!, '-1 007.00'],
        ],
      },
      {
        lead: true,
        pairs: [
          [r[18]!, '18.70'],
          [r[19]!, '-1 007.00'],
        ],
      },
      {
        lead: true,
        pairs: [
          [r[20]!, '2 (37.40)'],
          [r[21]!, '1 (-1 007.00)'],
        ],
      },
      {
        lead: true,
        pairs: [
          [r[22]!, '37.40 (2)'],
          [r[23]!, '-1 007.00 (1)'],
        ],
      },
      {
        lead: true,
        pairs: [
          [r[24]!, '2'],
          [r[25]!, '1'],
        ],
      },
    ],
  };
}

const c = (t: string, extra: Omit<Cell, 't'> = {}): Cell => ({ t, ...extra });

/** The logical rows of the HTML export (and of the compact xlsx shape derived from it). */
function reportRows(labels: Labels = ENGLISH, model: ReportModel = MODEL): Row[] {
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

const colName = (i: number): string =>
  i < 26 ? String.fromCharCode(65 + i) : colName(Math.floor(i / 26) - 1) + String.fromCharCode(65 + (i % 26));
const xmlEsc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface XlsxOptions {
  /**
   * `terminal` (default): what the MT5 terminal writes (a real export, HFM demo 2025, studied
   * cell by cell): every part UTF-16LE with a BOM and CRLF lines; 15 columns A..O in every row,
   * each cell of a merged range present as an empty styled `<c r s/>`; text in shared strings;
   * tickets, prices and money as numbers; Margin Level a ratio with a `0.00%` format; no hidden
   * comment or Cost column; no spacer rows between blocks; 20 empty rows under the summary
   * where the balance chart is anchored; totals rows partly as `SUM` formulas with cached values.
   * `compact`: what a generic spreadsheet writer makes of the HTML rows (only non-empty cells,
   * hidden cells left out, empty rows omitted, merged ranges without their covered cells).
   */
  shape?: 'terminal' | 'compact';
}

/** The terminal's "Open XML" export (reference/mt5.md §4.2) of the model. */
export function reportXlsx(labels: Labels = ENGLISH, model: ReportModel = MODEL, opts: XlsxOptions = {}): Uint8Array {
  return opts.shape === 'compact' ? compactXlsx(labels, model) : terminalXlsx(labels, model);
}

class SharedStrings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  add(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/** A generic writer's sheet: only non-empty cells, hidden cells left out, empty rows omitted; UTF-16LE parts. */
function compactXlsx(labels: Labels, model: ReportModel): Uint8Array {
  const sst = new SharedStrings();
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
      else if (cell.t !== '') cells.push(`<c r="${ref}" t="s"><v>${sst.add(cell.t)}</v></c>`);
      col += span;
    }
    if (cells.length) xmlRows.push(`<row r="${r + 1}">${cells.join('')}</row>`);
  });
  const u16 = (xml: string) =>
    new Uint8Array(utf16leWithBom(`<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n${xml}`));
  const sheet = `<worksheet xmlns="${SML}"><sheetData>${xmlRows.join('')}</sheetData><mergeCells count="${merges.length}">${merges.join('')}</mergeCells></worksheet>`;
  return zipSync({
    '[Content_Types].xml': u16('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    'docProps/core.xml': u16(
      `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>MetaTrader 5</dc:title><dc:subject>${model.login}:${xmlEsc(model.name)}</dc:subject></cp:coreProperties>`,
    ),
    'xl/workbook.xml': u16(`<workbook xmlns="${SML}"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>`),
    'xl/sharedStrings.xml': u16(sstXml(sst.list, '')),
    'xl/worksheets/sheet1.xml': u16(sheet),
    'xl/styles.xml': strToU8(`<styleSheet xmlns="${SML}"/>`),
  });
}

const SML = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

function sstXml(strings: string[], nl: string): string {
  return `<sst xmlns="${SML}" count="${strings.length}" uniqueCount="${strings.length}">${nl}${strings.map((s) => ` <si><t>${xmlEsc(s)}</t></si>${nl}`).join('')}</sst>`;
}

/**
 * Cell styles of the terminal's stylesheet (indexes into `<cellXfs>`, as in the real export):
 * alternate data rows use the grey (F7F7F7) or the white variant.
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

/** `# ##0.00000` etc.: the terminal's own number formats; 204 is the percentage of Margin Level. */
const STYLES_XML = [
  `<styleSheet xmlns="${SML}">`,
  ' <numFmts count="6">',
  '  <numFmt numFmtId="200" formatCode="###0;-###0;0;"/>',
  '  <numFmt numFmtId="201" formatCode="# ##0.00000;-# ##0.00000;0.00000;"/>',
  '  <numFmt numFmtId="202" formatCode="# ##0.00;-# ##0.00;0.00;"/>',
  '  <numFmt numFmtId="203" formatCode="# ##0.000;-# ##0.000;0.000;"/>',
  '  <numFmt numFmtId="204" formatCode="# ##0.00%;-# ##0.00%;0.00%;"/>',
  '  <numFmt numFmtId="205" formatCode="# ##0;-# ##0;0;"/>',
  ' </numFmts>',
  ' <fonts count="6">',
  '  <font><sz val="11"/><color rgb="FF000000"/><name val="Tahoma"/></font>',
  '  <font><sz val="14"/><color rgb="FF000000"/><name val="Tahoma"/><b/></font>',
  '  <font><sz val="10"/><color rgb="FF000000"/><name val="Tahoma"/></font>',
  '  <font><sz val="10"/><color rgb="FF000000"/><name val="Tahoma"/><b/></font>',
  '  <font><sz val="8"/><color rgb="FF000000"/><name val="Tahoma"/><b/></font>',
  '  <font><sz val="8"/><color rgb="FF000000"/><name val="Tahoma"/></font>',
  ' </fonts>',
  ' <fills count="5">',
  '  <fill><patternFill patternType="none"/></fill>',
  '  <fill><patternFill patternType="gray125"/></fill>',
  '  <fill><patternFill patternType="solid"><fgColor rgb="FFFFFFFF"/></patternFill></fill>',
  '  <fill><patternFill patternType="solid"><fgColor rgb="FFE5F0FC"/></patternFill></fill>',
  '  <fill><patternFill patternType="solid"><fgColor rgb="FFF7F7F7"/></patternFill></fill>',
  ' </fills>',
  ' <borders count="3">',
  '  <border><left/><right/><top/><bottom/><diagonal/></border>',
  '  <border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>',
  '  <border><left/><right/><top style="thin"><color auto="1" /></top><bottom/><diagonal/></border>',
  ' </borders>',
  ' <cellXfs count="23">',
  ...(
    [
      // numFmtId, fontId, fillId, borderId, horizontal
      [0, 0, 0, 0, ''],
      [0, 1, 2, 0, 'center'],
      [0, 2, 2, 0, 'right'],
      [0, 3, 2, 0, 'left'],
      [0, 3, 2, 0, 'center'],
      [0, 4, 3, 1, 'right'],
      [0, 5, 4, 0, 'right'],
      [200, 5, 4, 0, 'right'],
      [201, 5, 4, 0, 'right'],
      [202, 5, 4, 0, 'right'],
      [0, 5, 2, 0, 'right'],
      [200, 5, 2, 0, 'right'],
      [201, 5, 2, 0, 'right'],
      [202, 5, 2, 0, 'right'],
      [203, 5, 4, 0, 'right'],
      [203, 5, 2, 0, 'right'],
      [0, 3, 2, 2, 'center'],
      [0, 4, 2, 2, 'right'],
      [202, 4, 2, 2, 'right'],
      [202, 4, 2, 0, 'right'],
      [204, 4, 2, 0, 'right'],
      [0, 4, 2, 0, 'right'],
      [205, 4, 2, 0, 'right'],
    ] as const
  ).map(([fmt, font, fill, border, h]) =>
    h === ''
      ? `  <xf numFmtId="${fmt}" fontId="${font}" fillId="${fill}" borderId="${border}" xfId="0"/>`
      : `  <xf numFmtId="${fmt}" fontId="${font}" fillId="${fill}" borderId="${border}" applyNumberFormat="${fmt ? 1 : 0}" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1" applyProtection="1"><alignment horizontal="${h}" vertical="${h === 'center' && font === 3 ? 'bottom' : 'center'}"/></xf>`,
  ),
  ' </cellXfs>',
  '</styleSheet>',
].join('\r\n');

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

/** The export's sheet: every row as the terminal writes it. */
function terminalXlsx(labels: Labels, model: ReportModel): Uint8Array {
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
  const u16 = (xml: string) => new Uint8Array(utf16leWithBom(`<?xml version="1.0"?>${nl}${xml}`));
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
  const rel = (id: string, type: string, target: string) =>
    ` <Relationship Id="${id}" Type="${type}" Target="${target}"/>`;
  const rels = (...lines: string[]) => [`<Relationships xmlns="${PKG_REL}">`, ...lines, '</Relationships>'].join(nl);
  const ct = 'application/vnd.openxmlformats-officedocument';
  const empty = new Uint8Array(0);
  return zipSync({
    'docProps/': empty,
    'docProps/app.xml': u16(
      [
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"',
        '            xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">',
        ' <DocSecurity>0</DocSecurity>',
        ' <ScaleCrop>false</ScaleCrop>',
        ' <LinksUpToDate>false</LinksUpToDate>',
        ' <SharedDoc>false</SharedDoc>',
        ' <HyperlinksChanged>false</HyperlinksChanged>',
        ' <AppVersion>12.0000</AppVersion>',
        '</Properties>',
      ].join(nl),
    ),
    'docProps/core.xml': u16(
      [
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"',
        '                   xmlns:dc="http://purl.org/dc/elements/1.1/"',
        '                   xmlns:dcterms="http://purl.org/dc/terms/"',
        '                   xmlns:dcmitype="http://purl.org/dc/dcmitype/"',
        '                   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
        ' <dc:title>MetaTrader 5</dc:title>',
        ` <dc:subject>${model.login}:${xmlEsc(model.name)}</dc:subject>`,
        ` <dc:creator>${xmlEsc(model.company)}</dc:creator>`,
        ' <dc:description>Trade history report contains client positions and orders history</dc:description>',
        ` <cp:lastModifiedBy>${xmlEsc(model.company)}</cp:lastModifiedBy>`,
        ' <dcterms:created xsi:type="dcterms:W3CDTF">2024-03-06T18:00:00Z</dcterms:created>',
        ' <dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-06T18:00:00Z</dcterms:modified>',
        ' <cp:category>Reports</cp:category>',
        '</cp:coreProperties>',
      ].join(nl),
    ),
    'xl/': empty,
    'xl/calcChain.xml': u16(
      [
        ` <calcChain xmlns="${SML}">`,
        ...formulas.reverse().map((ref, i) => `  <c r="${ref}"${i === 0 ? ' i="1"' : ''}/>`),
        ' </calcChain>',
      ].join(nl),
    ),
    'xl/charts/': empty,
    'xl/charts/chart1.xml': u16(
      [
        '<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"',
        '              xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"',
        `              xmlns:r="${REL}">`,
        '<c:chart>',
        ' <c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>Balance graph</a:t></a:r></a:p></c:rich></c:tx><c:layout/></c:title>',
        ' <c:plotArea><c:layout/><c:lineChart><c:grouping val="standard"/><c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>Balance</c:v></c:tx>',
        `  <c:cat><c:strRef><c:f>('Sheet1'!$A$${firstDeal}:$A$${lastDeal})</c:f></c:strRef></c:cat>`,
        `  <c:val><c:numRef><c:f>('Sheet1'!$M$${firstDeal}:$M$${lastDeal})</c:f></c:numRef></c:val>`,
        ' </c:ser><c:axId val="110901120"/><c:axId val="110902656"/></c:lineChart></c:plotArea>',
        '</c:chart>',
        '</c:chartSpace>',
      ].join(nl),
    ),
    'xl/styles.xml': u16(STYLES_XML),
    'xl/sharedStrings.xml': u16(sstXml(sst.list, nl)),
    'xl/theme/': empty,
    'xl/theme/theme1.xml': u16(
      `<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme"><a:themeElements/></a:theme>`,
    ),
    'xl/workbook.xml': u16(
      [
        `<workbook xmlns="${SML}"`,
        `          xmlns:r="${REL}">`,
        ' <fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>',
        ' <workbookPr defaultThemeVersion="124226"/>',
        ' <bookViews>',
        '  <workbookView xWindow="180" yWindow="450" windowWidth="15000" windowHeight="7605"/>',
        ' </bookViews>',
        ' <sheets>',
        '  <sheet name="Sheet1" sheetId="1" r:id="rId1"/>',
        ' </sheets>',
        '</workbook>',
      ].join(nl),
    ),
    'xl/worksheets/_rels/': empty,
    'xl/worksheets/_rels/sheet1.xml.rels': u16(rels(rel('rId1', `${REL}/drawing`, '../drawings/drawing1.xml'))),
    'xl/drawings/_rels/': empty,
    'xl/drawings/_rels/drawing1.xml.rels': u16(rels(rel('rId1', `${REL}/chart`, '../charts/chart1.xml'))),
    'xl/drawings/': empty,
    'xl/drawings/drawing1.xml': u16(
      [
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"',
        '          xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">',
        '<xdr:twoCellAnchor>',
        ` <xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${chartFrom}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>`,
        ` <xdr:to><xdr:col>14</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${chartTo}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>`,
        ' <xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="1" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>',
        '  <xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>',
        `  <a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:r="${REL}" r:id="rId1"/></a:graphicData></a:graphic>`,
        ' </xdr:graphicFrame>',
        ' <xdr:clientData/>',
        '</xdr:twoCellAnchor>',
        '</xdr:wsDr>',
      ].join(nl),
    ),
    'xl/worksheets/': empty,
    'xl/worksheets/sheet1.xml': u16(sheet),
    'xl/_rels/': empty,
    'xl/_rels/workbook.xml.rels': u16(
      rels(
        rel('rId1', `${REL}/worksheet`, 'worksheets/sheet1.xml'),
        rel('rId2', `${REL}/sharedStrings`, 'sharedStrings.xml'),
        rel('rId3', `${REL}/styles`, 'styles.xml'),
        rel('rId4', `${REL}/theme`, 'theme/theme1.xml'),
        rel('rId5', `${REL}/calcChain`, 'calcChain.xml'),
      ),
    ),
    '[Content_Types].xml': u16(
      [
        ` <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`,
        `  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`,
        '  <Default Extension="xml" ContentType="application/xml"/>',
        `  <Override PartName="/docProps/app.xml" ContentType="${ct}.extended-properties+xml"/>`,
        `  <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>`,
        `  <Override PartName="/xl/sharedStrings.xml" ContentType="${ct}.spreadsheetml.sharedStrings+xml"/>`,
        `  <Override PartName="/xl/styles.xml" ContentType="${ct}.spreadsheetml.styles+xml"/>`,
        `  <Override PartName="/xl/theme/theme1.xml" ContentType="${ct}.theme+xml"/>`,
        `  <Override PartName="/xl/calcChain.xml" ContentType="${ct}.spreadsheetml.calcChain+xml"/>`,
        `  <Override PartName="/xl/workbook.xml" ContentType="${ct}.spreadsheetml.sheet.main+xml"/>`,
        `  <Override PartName="/xl/worksheets/sheet1.xml" ContentType="${ct}.spreadsheetml.worksheet+xml"/>`,
        `  <Override PartName="/xl/drawings/drawing1.xml" ContentType="${ct}.drawing+xml"/>`,
        `  <Override PartName="/xl/charts/chart1.xml" ContentType="${ct}.drawingml.chart+xml"/>`,
        ' </Types>',
      ].join(nl),
    ),
    '_rels/': empty,
    '_rels/.rels': u16(
      rels(
        rel('rId3', `${REL}/extended-properties`, 'docProps/app.xml'),
        rel('rId2', `${PKG_REL}/metadata/core-properties`, 'docProps/core.xml'),
        rel('rId1', `${REL}/officeDocument`, 'xl/workbook.xml'),
      ),
    ),
  });
}
