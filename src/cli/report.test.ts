import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGLISH, JAPANESE, MODEL, reportHtml, reportXlsx, utf16leWithBom } from '../../test/factories/mt5-report.ts';
import { runCli } from './index.ts';
import { loadReportHistory } from './report.ts';

const dir = mkdtempSync(join(tmpdir(), 'brymix-report-'));
const FIXTURE = resolve(import.meta.dirname, '../../../shared/fixtures/mt5-reports/ReportHistory-70358000.html');

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('brymix report parse', () => {
  it('prints the documented JSON shape with numbers as numbers (--json)', async () => {
    const file = join(dir, 'ReportHistory-5550123.html');
    writeFileSync(file, utf16leWithBom(reportHtml(ENGLISH), true));
    const r = await cli('report', 'parse', file, '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining([
        'account',
        'positions',
        'orders',
        'deals',
        'open_positions',
        'summary',
        'results',
        'mismatches',
      ]),
    );
    expect(json.account).toMatchObject({ login: MODEL.login, currency: 'USD', server: 'Brymix-Live' });
    expect(json.summary).toEqual({
      balance: 8817.8,
      credit: 500,
      floating_pl: 50,
      equity: 9367.55,
      margin: 632.5,
      free_margin: 8735.05,
      margin_level: 1481.03,
    });
    expect(json.results.total_net_profit).toBe(-982.2);
    expect(json.results.total_trades).toBe(3);
    expect(json.deals[0]).toMatchObject({ deal: 1001, type: 'balance', profit: 10000, balance: 10000 });
    expect(json.mismatches).toEqual([]);
  });

  it.each(['terminal', 'compact'] as const)('prints a readable summary of an xlsx export (%s shape)', async (shape) => {
    const file = join(dir, `ReportHistory-5550123-${shape}.xlsx`);
    writeFileSync(file, reportXlsx(JAPANESE, MODEL, { shape }));
    const r = await cli('report', 'parse', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Account 5550123 (USD, Brymix-Live, real, hedging)');
    expect(r.stdout).toContain('2 positions, 7 orders, 9 deals, 1 open positions, 1 working orders');
    expect(r.stdout).toContain('totals match');
  });

  it('exits 2 naming the file when it is missing or not a report', async () => {
    const missing = await cli('report', 'parse', join(dir, 'nope.html'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const junk = join(dir, 'junk.html');
    writeFileSync(junk, 'not a report');
    const bad = await cli('report', 'parse', junk);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('not an MT5 trade history report');
  });

  it.skipIf(!existsSync(FIXTURE))('parses the real report to its stated totals', async () => {
    const json = JSON.parse((await cli('report', 'parse', FIXTURE, '--json')).stdout);
    expect(json.results).toMatchObject({
      total_net_profit: -50.84,
      total_trades: 658,
      balance_drawdown_maximal: 58.44,
    });
    expect(json.summary).toMatchObject({ balance: 9949.16, equity: 9927.92, margin: 1081.91, margin_level: 917.63 });
    expect(loadReportHistory(FIXTURE).deals).toHaveLength(1401);
  });
});
