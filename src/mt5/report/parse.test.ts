import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  BULGARIAN,
  ENGLISH,
  EXPECTED,
  JAPANESE,
  MODEL,
  reportHtml,
  reportXlsx,
  utf16leWithBom,
} from '../../../test/factories/mt5-report.ts';
import { ReportError } from './errors.ts';
import { parseReport } from './parse.ts';
import type { ParsedReport } from './parsed-report.ts';

const FIXTURE = resolve(import.meta.dirname, '../../../../shared/fixtures/mt5-reports/ReportHistory-70358000.html');
const haveFixture = existsSync(FIXTURE);

describe.skipIf(!haveFixture)('the real terminal report in shared/fixtures', () => {
  const report = haveFixture ? parseReport(readFileSync(FIXTURE)) : (null as unknown as ParsedReport);

  it('has the block sizes its README states: 658 positions, 1401 orders, 1402 deals, 85 open positions', () => {
    expect(report.positions).toHaveLength(658);
    expect(report.orders).toHaveLength(1401);
    expect(report.deals).toHaveLength(1402);
    expect(report.open_positions).toHaveLength(85);
    expect(report.working_orders).toHaveLength(0);
    expect(report.deals[0]).toMatchObject({ type: 'balance', profit: 10_000, balance: 10_000 });
  });

  it('reads the summary: balance 9 949.16, equity 9 927.92, margin 1 081.91, margin level 917.63 %', () => {
    expect(report.summary).toMatchObject({
      balance: 9949.16,
      equity: 9927.92,
      margin: 1081.91,
      margin_level: 917.63,
      credit: 0,
      free_margin: 8846.01,
      floating_pl: -20.68,
    });
  });

  it('reads the Results: net profit -50.84, 658 trades, balance drawdown maximal 58.44 (0.58 %)', () => {
    expect(report.results).toMatchObject({
      total_net_profit: -50.84,
      total_trades: 658,
      balance_drawdown_maximal: 58.44,
      balance_drawdown_maximal_pct: 0.58,
      gross_profit: 157.73,
      gross_loss: -208.57,
    });
  });

  it('recomputes net profit, trade count and balance from the deals and finds no mismatch', () => {
    expect(report.computed).toMatchObject({
      total_net_profit: -50.84,
      total_trades: 658,
      final_balance: 9949.16,
      deposits: 10_000,
    });
    expect(report.mismatches).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('reads the account line and the hidden comment cell of the Positions block', () => {
    expect(report.account).toMatchObject({
      login: '70358000',
      currency: 'EUR',
      server: 'MetaQuotes-Demo',
      trade_mode: 'demo',
      margin_mode: 'hedging',
      generated_at: '2023-06-26 17:03',
    });
    expect(report.positions[0]).toMatchObject({
      position: 1771882106,
      symbol: 'GBPUSD',
      type: 'buy',
      volume: 0.02,
      price: 1.27043,
      sl: null,
      close_price: 1.27125,
      profit: 1.5,
      comment: '200011',
    });
  });

  it('parses the same bytes re-encoded as UTF-16LE with a BOM and a stray trailing byte', () => {
    const again = parseReport(utf16leWithBom(readFileSync(FIXTURE, 'utf8'), true));
    expect(again.deals).toHaveLength(1402);
    expect(again.results.total_net_profit).toBe(-50.84);
    expect(again.mismatches).toEqual([]);
  });
});

function expectModel(r: ParsedReport): void {
  expect(r.account).toMatchObject({
    login: MODEL.login,
    currency: 'USD',
    server: 'Brymix-Live',
    trade_mode: 'real',
    margin_mode: 'hedging',
    name: 'Jane Trader',
    company: 'Brymix Markets Ltd',
    generated_at: '2024-03-06 18:00',
  });
  expect(r.positions).toHaveLength(EXPECTED.positions);
  expect(r.orders).toHaveLength(EXPECTED.orders);
  expect(r.deals).toHaveLength(EXPECTED.deals);
  expect(r.open_positions).toHaveLength(EXPECTED.open_positions);
  expect(r.working_orders).toHaveLength(EXPECTED.working_orders);
  expect(r.summary).toEqual(EXPECTED.summary);
  expect(r.results).toMatchObject({
    total_net_profit: EXPECTED.total_net_profit,
    total_trades: EXPECTED.total_trades,
    gross_profit: EXPECTED.gross_profit,
    gross_loss: EXPECTED.gross_loss,
    balance_drawdown_maximal: 1022.9,
    balance_drawdown_maximal_pct: 9.71,
    short_trades: 2,
    short_trades_won_pct: 100,
  });
  expect(r.computed).toMatchObject({
    total_net_profit: EXPECTED.total_net_profit,
    total_trades: 3,
    final_balance: 9317.8,
    deposits: 10_000,
    withdrawals: -200,
    credit: 500,
  });
  expect(r.mismatches).toEqual([]);
  // partial close: volume-weighted close price; space thousands separators in prices and money
  expect(r.positions[0]).toMatchObject({
    position: 5001,
    volume: 0.3,
    close_price: 1.08633,
    commission: -4.2,
    swap: -0.5,
    profit: 40,
    sl: 1.08,
    tp: null,
  });
  expect(r.positions[1]).toMatchObject({
    position: 5004,
    type: 'sell',
    price: 2100.5,
    tp: 2090,
    close_price: 2110.5,
    profit: -1000,
  });
  expect(r.orders[1]).toMatchObject({
    order: 5002,
    price: null,
    volume_filled: 0.1,
    volume_requested: 0.1,
    state: 'filled',
  });
  expect(r.orders[6]).toMatchObject({
    order: 5008,
    type: 'sell stop',
    volume_filled: 0.1,
    volume_requested: 0,
    state: 'canceled',
  });
  expect(r.deals[1]).toMatchObject({ type: 'credit', profit: 500, balance: 10_500 });
  expect(r.deals[6]).toMatchObject({
    deal: 1007,
    direction: 'out',
    price: 2110.5,
    profit: -1000,
    commission: -7,
    balance: 9521.3,
  });
  expect(r.open_positions[0]).toMatchObject({ position: 5006, market_price: 1.266, swap: -0.25, profit: 50, sl: 1.26 });
  expect(r.working_orders[0]).toMatchObject({
    order: 5007,
    type: 'buy limit',
    price: 148,
    market_price: 149.2,
    state: 'placed',
    volume_requested: 0,
  });
}

describe('reports built in code', () => {
  it('parses an English report as UTF-16LE with BOM and a stray trailing byte', () => {
    const r = parseReport(utf16leWithBom(reportHtml(ENGLISH), true));
    expect(r.format).toBe('html');
    expectModel(r);
    expect(r.positions[0]!.comment).toBe('grid-ea');
  });

  it('parses a Japanese report as UTF-8, where Commission and Fee share one header', () => {
    expectModel(parseReport(Buffer.from(reportHtml(JAPANESE), 'utf8')));
  });

  it('parses a Bulgarian report (unknown Results labels) as UTF-16LE without a BOM, by position', () => {
    expectModel(parseReport(Buffer.from(reportHtml(BULGARIAN), 'utf16le')));
  });

  it('parses the same report as UTF-8 with a BOM', () => {
    expectModel(
      parseReport(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(reportHtml(ENGLISH), 'utf8')])),
    );
  });

  it.each([
    ['English', 'terminal', ENGLISH],
    ['Japanese', 'terminal', JAPANESE],
    ['English', 'compact', ENGLISH],
    ['Japanese', 'compact', JAPANESE],
  ] as const)('parses an xlsx export (%s, %s shape) with every block right', (_name, shape, labels) => {
    const r = parseReport(Buffer.from(reportXlsx(labels, MODEL, { shape })), {
      filename: 'ReportHistory-5550123.xlsx',
    });
    expect(r.format).toBe('xlsx');
    expectModel(r);
    expect(r.warnings).toEqual([]);
  });

  it('reads the terminal xlsx as the terminal writes it: covered cells of merged ranges dropped, Margin Level from its 0.00% ratio, formula totals from their cached values', () => {
    const r = parseReport(Buffer.from(reportXlsx(ENGLISH)), { filename: 'ReportHistory-5550123.xlsx' });
    expect(r.summary.margin_level).toBe(1481.03); // stored as 14.8103 with format `# ##0.00%`
    expect(r.results).toMatchObject({
      total_trades: 3,
      average_consecutive_wins: 2,
      balance_drawdown_relative_pct: 9.71,
      balance_drawdown_relative: 1022.9,
    });
    expect(r.deals[0]).toMatchObject({
      deal: 1001,
      type: 'balance',
      commission: 0,
      profit: 10_000,
      balance: 10_000,
      comment: 'Deposit',
    });
    expect(r.orders[0]).toMatchObject({ order: 5001, state: 'filled', comment: 'grid-ea' }); // State J:K, Comment L:O
    expect(r.open_positions[0]).toMatchObject({ swap: -0.25, profit: 50, comment: '' }); // Swap J:K
    expect(r.positions[0]!.comment).toBe(''); // no hidden comment column in xlsx
    expect(r.mismatches).toEqual([]); // the Deals and Open Positions totals rows (SUM formulas) agree with the rows
  });

  it('reports a mismatch when the Results block disagrees with the deals', () => {
    const r = parseReport(
      Buffer.from(reportHtml(ENGLISH, { ...MODEL, results: { total_net_profit: '-900.00', total_trades: '4' } })),
    );
    expect(r.mismatches.map((m) => m.check).sort()).toEqual(['total_net_profit', 'total_trades']);
    expect(r.mismatches.find((m) => m.check === 'total_net_profit')).toMatchObject({
      report: -900,
      computed: -982.2,
      difference: -82.2,
    });
  });

  it('reports a mismatch when the Summary balance is not the Deals block’s last balance less credit (html and both xlsx shapes)', () => {
    const model = { ...MODEL, summaryBalance: '8 871.80' };
    for (const bytes of [
      Buffer.from(reportHtml(ENGLISH, model)),
      Buffer.from(reportXlsx(ENGLISH, model)),
      Buffer.from(reportXlsx(ENGLISH, model, { shape: 'compact' })),
    ]) {
      const r = parseReport(bytes, { filename: bytes[0] === 0x50 ? 'r.xlsx' : 'r.html' });
      expect(r.summary.balance).toBe(8871.8);
      expect(r.mismatches.filter((m) => m.check === 'balance')).toEqual([
        expect.objectContaining({ report: 8871.8, computed: 8817.8, difference: -54 }),
      ]);
    }
  });

  it('rejects files that are not reports with ReportError', () => {
    expect(() => parseReport(Buffer.from('hello'))).toThrow(ReportError);
    expect(() => parseReport(Buffer.from('<html><table><tr><td>x</td></tr></table></html>'))).toThrow(ReportError);
    expect(() => parseReport(Buffer.from('PK\u0003\u0004garbage'))).toThrow(ReportError);
  });
});

/**
 * Every tokenizer is one forward scan. The regexes these replace searched to the end of the text
 * from every match (`<row …>…</row>`, `<title>…</title>`, `<[^>]*>` in cell text): on these inputs
 * they took 27 s, over 60 s and 10.6 s.
 */
describe('hostile markup is read in time linear in its size', () => {
  const within = (ms: number, run: () => void) => {
    const t0 = performance.now();
    run();
    return performance.now() - t0 < ms;
  };

  it('refuses an xlsx of 80,000 unclosed <row> (under 1 KB zipped, 400 KB inflated) in well under a second', () => {
    const bytes = zipSync(
      { 'xl/worksheets/sheet1.xml': strToU8(`<worksheet><sheetData>${'<row>'.repeat(80_000)}`) },
      { level: 9 },
    );
    expect(bytes.length).toBeLessThan(1024);
    expect(
      within(1000, () =>
        expect(() => parseReport(Buffer.from(bytes), { filename: 'r.xlsx' })).toThrow(
          'no Positions/Orders/Deals blocks found',
        ),
      ),
    ).toBe(true);
  });

  it('parses an HTML report whose Deals comment is 80,000 `<` in well under a second, keeping them as text', () => {
    const html = reportHtml(ENGLISH).replace('>Withdrawal<', `>${'<'.repeat(80_000)}<`);
    let r: ParsedReport | undefined;
    expect(within(1000, () => (r = parseReport(Buffer.from(html))))).toBe(true);
    expect(r!.deals[8]!.comment).toBe('<'.repeat(80_000));
    expectModel(r!);
  });

  it('parses an HTML report with 80,000 unclosed <title> tags in well under a second', () => {
    const html = reportHtml(ENGLISH).replace('<title>', '<title>'.repeat(80_000)).replace('</title>', '');
    let r: ParsedReport | undefined;
    expect(within(1000, () => (r = parseReport(Buffer.from(html))))).toBe(true);
    expectModel(r!);
  });

  it('parses an HTML report with a tag that never closes at the end, and a cell of 80,000 `<a`, in well under a second', () => {
    const html = `${reportHtml(ENGLISH).replace('>Withdrawal<', `>${'<a'.repeat(80_000)}><`)}<td class="x`;
    let r: ParsedReport | undefined;
    expect(within(1000, () => (r = parseReport(Buffer.from(html))))).toBe(true);
    expect(r!.deals).toHaveLength(9);
  });
});
