import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGLISH, reportHtml } from '../../../test/factories/mt5-report.ts';
import { accountHistorySchema } from '../history.schema.ts';
import { reportToHistory } from './history.ts';
import { parseReport } from './parse.ts';
import type { ParsedReport } from './parsed-report.ts';

const FIXTURE = resolve(import.meta.dirname, '../../../../shared/fixtures/mt5-reports/ReportHistory-70358000.html');
const haveFixture = existsSync(FIXTURE);

describe.skipIf(!haveFixture)('the real terminal report in shared/fixtures', () => {
  const report = haveFixture ? parseReport(readFileSync(FIXTURE)) : (null as unknown as ParsedReport);

  it('becomes a valid normalized history whose closing deals add up per position', () => {
    const history = reportToHistory(report, { serverUtcOffsetMinutes: 180 });
    expect(accountHistorySchema.safeParse(history).success).toBe(true);
    expect(history.account).toMatchObject({
      login: '70358000',
      initial_balance: 10_000,
      server_utc_offset_minutes: 180,
      margin_mode: 'hedging',
    });
    expect(history.deals).toHaveLength(1401); // the funding deposit is the initial balance
    expect(history.deals[0]!.time).toBe('2023-06-23T04:53:00.000Z');
    const closed = new Map<number, number>();
    for (const d of history.deals)
      if (d.entry !== 'in') closed.set(d.position_id, (closed.get(d.position_id) ?? 0) + Math.round(d.profit * 100));
    for (const p of report.positions) expect(closed.get(p.position)).toBe(Math.round(p.profit * 100));
    expect(history.positions).toHaveLength(85);
  });
});

describe('reports built in code', () => {
  it('turns the report into a history: credit kept, funding deposit folded, partial closes on one position, UTC times', () => {
    const r = parseReport(Buffer.from(reportHtml(ENGLISH)));
    const h = reportToHistory(r, { serverTimeZone: 'Europe/Athens' });
    expect(accountHistorySchema.safeParse(h).success).toBe(true);
    expect(h.account.initial_balance).toBe(10_000);
    expect(h.deals.map((d) => d.type)).toEqual(['credit', 'buy', 'sell', 'sell', 'sell', 'buy', 'buy', 'balance']);
    const euro = h.deals.filter((d) => d.symbol === 'EURUSD');
    expect(euro.map((d) => [d.entry, d.position_id])).toEqual([
      ['in', 5001],
      ['out', 5001],
      ['out', 5001],
    ]);
    expect(euro[0]).toMatchObject({ sl: 1.08, tp: null, time: '2024-03-04T08:00:00.000Z' }); // EET = UTC+2 in March
    expect(h.deals.find((d) => d.ticket === 1007)).toMatchObject({ entry: 'out', position_id: 5004 });
    expect(h.positions).toEqual([
      expect.objectContaining({
        ticket: 5006,
        type: 'buy',
        current_price: 1.266,
        open_time: '2024-03-06T08:00:00.000Z',
      }),
    ]);
    expect(h.equity).toEqual([{ time: '2024-03-06T16:00:00.000Z', balance: 8817.8, equity: 9367.55 }]);
  });
});
