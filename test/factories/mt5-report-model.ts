/**
 * The account an MT5 report is built for (MODEL), what its report states (EXPECTED), and the report's
 * content apart from how either export lays it out (reportData).
 */
import { ENGLISH, type Labels } from './mt5-report-labels.ts';
import { TRADE_BLOCKS, type TradeBlocks } from './mt5-report-trades.ts';

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
export interface ReportData extends TradeBlocks {
  header: Array<[label: string, value: string]>;
  /** Rows of label/value pairs in the terminal's order; `ratio` is Margin Level as the xlsx stores it. */
  summary: Array<Array<{ label: string; text: string; num: number; ratio?: number }>>;
  /** Rows of label/value pairs; `gap` is a spacer row of the HTML; `lead` rows start one slot to the right. */
  results: Array<'gap' | { lead: boolean; pairs: Array<[label: string, value: string]> }>;
}

export function reportData(labels: Labels = ENGLISH, model: ReportModel = MODEL): ReportData {
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
    ...TRADE_BLOCKS,
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
