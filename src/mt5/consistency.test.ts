import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportHtml } from '../../test/factories/mt5-report.ts';
import { assertConsistent, findInconsistencies } from './consistency.ts';
import type { AccountHistory, Deal } from './history.ts';
import { parseReport, reportToHistory } from './report/index.ts';
import { DEMO_SERVER, SimulatorConnector } from './simulator/index.ts';

const deal = (ticket: number, time: string, over: Partial<Deal>): Deal => ({
  ticket,
  order: ticket,
  time,
  type: 'buy',
  entry: 'in',
  position_id: 0,
  symbol: 'EURUSD',
  volume: 0.1,
  price: 1.1,
  profit: 0,
  commission: 0,
  swap: 0,
  fee: 0,
  comment: '',
  ...over,
});

/** 10,000 funded, a 500 credit, one closed trade (+12.50 − 1.40 commission), one position still open. */
function history(): AccountHistory {
  return {
    account: {
      login: '70001',
      server: 'Broker-Live',
      currency: 'USD',
      initial_balance: 10_000,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    },
    deals: [
      deal(1, '2026-01-09T07:05:00.000Z', { type: 'credit', symbol: '', volume: 0, price: 0, profit: 500 }),
      deal(10, '2026-01-12T08:00:00.000Z', { position_id: 10, commission: -0.7 }),
      deal(11, '2026-01-12T08:05:00.000Z', {
        type: 'sell',
        entry: 'out',
        position_id: 10,
        profit: 12.5,
        commission: -0.7,
      }),
      deal(12, '2026-01-13T07:00:00.000Z', { position_id: 12, commission: -0.7 }),
    ],
    equity: [
      { time: '2026-01-12T07:59:59.000Z', balance: 10_000, equity: 10_500 },
      { time: '2026-01-12T22:00:00.000Z', balance: 10_011.1, equity: 10_511.1 },
      { time: '2026-01-13T12:00:00.000Z', balance: 10_010.4, equity: 10_490.4 },
    ],
    positions: [
      {
        ticket: 12,
        symbol: 'EURUSD',
        type: 'buy',
        volume: 0.1,
        open_price: 1.1,
        current_price: 1.098,
        sl: null,
        tp: null,
        swap: 0,
        profit: -20,
        open_time: '2026-01-13T07:00:00.000Z',
      },
    ],
  };
}

describe('findInconsistencies', () => {
  it('reads deals and snapshots in time order whatever order they come in, and times in any ISO-8601 form', () => {
    const h = history();
    const shuffled: AccountHistory = {
      ...h,
      deals: [h.deals[3]!, h.deals[1]!, h.deals[2]!, h.deals[0]!],
      equity: [h.equity![2]!, h.equity![0]!, { ...h.equity![1]!, time: '2026-01-12T23:00:00+01:00' }],
    };
    expect(findInconsistencies(shuffled, { balance: 10_010.4, credit: 500 })).toEqual([]);
    // The same shuffle with one snapshot's balance off is still caught, at the right instant.
    shuffled.equity![0] = { ...shuffled.equity![0]!, balance: 10_011.1 };
    expect(findInconsistencies(shuffled).map((p) => p.message)).toEqual([
      'the balance read at 2026-01-13T12:00:00.000Z is 10,011.10 but the deals up to then add up to 10,010.40',
    ]);
  });

  it('finds nothing wrong with a history that agrees with the account’s balance, credit, counts and positions', () => {
    expect(
      findInconsistencies(history(), {
        balance: 10_010.4,
        credit: 500,
        counts: [{ what: 'deals', reported: 4, received: 4 }],
      }),
    ).toEqual([]);
  });

  it('names a count the source announced but did not deliver', () => {
    expect(findInconsistencies(history(), { counts: [{ what: 'deals', reported: 10, received: 0 }] })).toEqual([
      { code: 'count_mismatch', message: 'the source announced 10 deals but delivered 0' },
    ]);
  });

  it('finds the balance missing from an empty history (the verdict-on-nothing case)', () => {
    const h = { ...history(), deals: [], equity: [], positions: [] };
    expect(findInconsistencies(h, { balance: 10_322.5 })).toEqual([
      {
        code: 'balance_mismatch',
        message:
          "the account's balance is 10,322.50 but its history adds up to 10,000.00 (initial 10,000.00 + 0.00 from 0 deals): 322.50 unaccounted for",
      },
    ]);
  });

  it('takes a one-cent difference as rounding and two cents as a discrepancy', () => {
    expect(findInconsistencies(history(), { balance: 10_010.41 })).toEqual([]);
    expect(findInconsistencies(history(), { balance: 10_010.42 }).map((p) => p.code)).toEqual(['balance_mismatch']);
    expect(findInconsistencies(history(), { balance: 10_010.42 }, { toleranceCents: 0 }).map((p) => p.code)).toEqual([
      'balance_mismatch',
    ]);
    expect(findInconsistencies(history(), { balance: 10_010.41 }, { toleranceCents: 0 }).map((p) => p.code)).toEqual([
      'balance_mismatch',
    ]);
  });

  it('keeps credit out of the balance and checks it on its own', () => {
    expect(findInconsistencies(history(), { balance: 10_510.4 }).map((p) => p.code)).toEqual(['balance_mismatch']);
    expect(findInconsistencies(history(), { credit: 0 })).toEqual([
      { code: 'credit_mismatch', message: "the account's credit is 0.00 but its credit deals add up to 500.00" },
    ]);
  });

  it('finds a snapshot whose balance the deals before it do not explain', () => {
    const h = history();
    h.equity![1] = { time: '2026-01-12T22:00:00.000Z', balance: 10_111.1, equity: 10_611.1 };
    expect(findInconsistencies(h)).toEqual([
      {
        code: 'snapshot_balance_mismatch',
        message:
          'the balance read at 2026-01-12T22:00:00.000Z is 10,111.10 but the deals up to then add up to 10,011.10',
      },
    ]);
  });

  it('accepts a snapshot stamped to the minute before deals booked within that minute', () => {
    const h = history();
    h.equity = [{ time: '2026-01-12T08:05:00.000Z', balance: 10_011.1, equity: 10_511.1 }];
    h.deals[2] = { ...h.deals[2]!, time: '2026-01-12T08:05:30.000Z' };
    expect(findInconsistencies(h)).toEqual([]);
    h.deals[2] = { ...h.deals[2]!, time: '2026-01-12T08:06:30.000Z' };
    expect(findInconsistencies(h).map((p) => p.code)).toEqual(['snapshot_balance_mismatch']);
  });

  it('finds an open position whose opening deal is not in the history', () => {
    const h = history();
    h.positions!.push({ ...h.positions![0]!, ticket: 77, symbol: 'GBPUSD', open_time: '2026-01-05T09:00:00.000Z' });
    expect(findInconsistencies(h)).toEqual([
      {
        code: 'position_without_opening_deal',
        message: 'position 77 (GBPUSD, opened 2026-01-05T09:00:00.000Z) is open but the history has no deal opening it',
      },
    ]);
  });

  it('finds a deal delivered twice (a server that ignored the page offset)', () => {
    const h = history();
    h.deals.push(h.deals[1]!);
    expect(findInconsistencies(h).map((p) => p.code)).toContain('duplicate_deal');
  });

  it('lists at most five problems', () => {
    const h = {
      ...history(),
      equity: Array.from({ length: 9 }, (_, i) => ({ time: `2026-01-14T0${i}:00:00.000Z`, balance: 1, equity: 1 })),
    };
    expect(findInconsistencies(h)).toHaveLength(5);
  });
});

describe('assertConsistent', () => {
  it('throws a non-retryable bad_data ConnectorError that says why and gives no verdict', () => {
    const h = { ...history(), deals: [], equity: [], positions: [] };
    expect(() => assertConsistent(h, { balance: 10_322.5 }, { source: 'the MT5 Web API' })).toThrow(
      expect.objectContaining({
        name: 'ConnectorError',
        code: 'bad_data',
        retryable: false,
        message: expect.stringMatching(
          /^The history of account 70001 from the MT5 Web API is inconsistent, so no verdict was given: the account's balance is 10,322.50/,
        ),
      }),
    );
    expect(() => assertConsistent(h, { balance: 10_322.5 }, { retryable: true })).toThrow(
      expect.objectContaining({ retryable: true }),
    );
    expect(() => assertConsistent(history(), { balance: 10_010.4 })).not.toThrow();
  });
});

describe('histories that must pass', () => {
  it('passes every simulator account: the documented demo logins and seeded random traders', async () => {
    const sim = new SimulatorConnector();
    for (const login of ['1001', '1002', '1003', '1004', '1005', 'trader-42', 'scalper-7', 'x']) {
      const creds = { login, password: 'demo', server: DEMO_SERVER };
      const [h, info] = await Promise.all([sim.fetchHistory(creds), sim.getAccountInfo(creds)]);
      expect({ login, problems: findInconsistencies(h, { balance: info.balance }) }).toEqual({ login, problems: [] });
    }
  });

  it('passes a terminal report with a deposit, a credit, a withdrawal and an open position', () => {
    const h = reportToHistory(
      parseReport(Buffer.from(reportHtml(), 'utf8'), { filename: 'ReportHistory-5550123.html' }),
      { serverUtcOffsetMinutes: 120 },
    );
    expect(h.positions!.length).toBeGreaterThan(0);
    expect(h.deals.some((d) => d.type === 'credit')).toBe(true);
    expect(findInconsistencies(h)).toEqual([]);
  });

  const FIXTURE = resolve(import.meta.dirname, '../../../shared/fixtures/mt5-reports/ReportHistory-70358000.html');
  it.runIf(existsSync(FIXTURE))('passes the real terminal report of the reference fixture', () => {
    const h = reportToHistory(parseReport(readFileSync(FIXTURE)), { serverUtcOffsetMinutes: 180 });
    expect(findInconsistencies(h)).toEqual([]);
  });
});
