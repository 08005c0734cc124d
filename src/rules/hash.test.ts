import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AccountHistory } from '../mt5/history.ts';
import { decodeHistory } from './decode.ts';
import { inputsHash } from './hash.ts';

/** A small history whose balance repeats across snapshots (it moves only with deals), as real ones do. */
function history(): AccountHistory {
  const deal = (ticket: number, time: string, type: 'buy' | 'sell', entry: 'in' | 'out', profit: number) => ({
    ticket,
    order: ticket + 1000,
    time,
    type,
    entry,
    position_id: 500,
    symbol: 'EURUSD',
    volume: 1.5,
    price: 1.17301,
    profit,
    commission: -3.5,
    swap: 0,
    fee: 0,
    comment: '',
    sl: entry === 'in' ? 1.1725 : null,
    tp: null,
  });
  return {
    account: { login: '1001', server: 'Brymix-Demo', currency: 'USD', initial_balance: 100000, leverage: 100 },
    deals: [
      deal(2, '2026-01-12T08:20:08.658Z', 'buy', 'in', 0),
      deal(3, '2026-01-12T09:20:08.000Z', 'sell', 'out', 120.25),
    ],
    equity: [
      { time: '2026-01-12T08:20:08.658Z', balance: 99996.5, equity: 99990.1 },
      { time: '2026-01-12T08:50:00.000Z', balance: 99996.5, equity: 100050.33 },
      { time: '2026-01-12T09:20:08.000Z', balance: 100113.25, equity: 100113.25 },
      { time: '2026-01-12T09:30:00.000Z', balance: 100113.25, equity: 100113.25 },
    ],
    positions: [],
  } as unknown as AccountHistory;
}

/** Doubles as the documented serialization writes them: little-endian IEEE-754. */
function doubles(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeDoubleLE(v, i * 8);
  return b;
}

describe('inputsHash', () => {
  it('is the SHA-256 of the documented serialization (version 2), pinned', () => {
    const h = history();
    const rules = [{ limit_percent: 10, family: 'max_loss' }];
    // The serialization written out plainly from the module's documentation.
    const ms = (t: string) => Date.parse(t);
    const plain = Buffer.concat([
      Buffer.from(
        'brymix-inputs/2\n{"account":{"currency":"USD","initial_balance":100000,"leverage":100,"login":"1001","server":"Brymix-Demo"},"extra":null,"rules":[{"family":"max_loss","limit_percent":10}]}\ndeals 2\n',
      ),
      doubles(
        h.deals.flatMap((d) => [
          d.ticket,
          d.order,
          ms(d.time),
          d.position_id,
          d.volume,
          d.price,
          d.profit,
          d.commission,
          d.swap,
          d.fee,
          d.sl ?? Number.NaN,
        ]),
      ),
      Buffer.from('buy|in|EURUSD\nsell|out|EURUSD\nsnapshots 4\n'),
      doubles((h.equity ?? []).flatMap((s) => [ms(s.time), s.balance, s.equity])),
      Buffer.from('\n[]'),
    ]);
    const expected = `sha256:${createHash('sha256').update(plain).digest('hex')}`;
    expect(inputsHash(decodeHistory(h), rules)).toBe(expected);
    // Pinned: a verdict replayed by a later release must carry the same fingerprint.
    expect(expected).toBe('sha256:b96497a56d5fade254a00f6f50fb39bf4cc20a13afde8800de07194cc9a3d3e9');
  });

  it('changes with any figure: a deal, a repeated balance, an equity, a stop loss', () => {
    const rules: unknown[] = [];
    const base = inputsHash(decodeHistory(history()), rules);
    const changes: Array<(h: AccountHistory) => void> = [
      (h) => (h.equity![1]!.balance = 99996.51),
      (h) => (h.equity![3]!.equity = 100113.26),
      (h) => (h.deals[1]!.profit = 120.26),
      (h) => (h.deals[0]!.sl = 1.1726),
      (h) => (h.deals[1]!.symbol = 'GBPUSD'),
      (h) => (h.equity![2]!.time = '2026-01-12T09:20:08.001Z'),
      (h) => h.equity!.pop(),
    ];
    for (const change of changes) {
      const changed = history();
      change(changed);
      expect(inputsHash(decodeHistory(changed), rules)).not.toBe(base);
    }
  });

  it('is the same for the same inputs however they are written: order, time zone form, −0, a missing stop loss', () => {
    const rules: unknown[] = [];
    const base = inputsHash(decodeHistory(history()), rules);
    const shuffled = history();
    shuffled.deals.reverse();
    shuffled.equity!.reverse();
    const offsetForm = history();
    offsetForm.equity![1]!.time = '2026-01-12T09:50:00.000+01:00';
    offsetForm.deals[1]!.time = '2026-01-12T09:20:08Z';
    const negativeZero = history();
    negativeZero.deals[0]!.swap = -0;
    const undefinedStop = history();
    delete (undefinedStop.deals[1] as { sl?: number | null }).sl;
    for (const same of [shuffled, offsetForm, negativeZero, undefinedStop])
      expect(inputsHash(decodeHistory(same), rules)).toBe(base);
  });
});
