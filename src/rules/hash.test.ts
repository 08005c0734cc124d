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
    sl: 1.1725,
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

describe('inputsHash', () => {
  it('is the SHA-256 of the documented serialization, unchanged by how it is built', () => {
    const h = history();
    const rules = [{ family: 'max_loss', limit_percent: 10 }];
    // The serialization written out plainly: header, one line per deal and per snapshot, positions.
    const plain =
      '{"account":{"currency":"USD","initial_balance":100000,"leverage":100,"login":"1001","server":"Brymix-Demo"},"extra":null,"rules":[{"family":"max_loss","limit_percent":10}]}' +
      h.deals
        .map(
          (d) =>
            `\n${d.ticket}|${d.order}|${d.time}|${d.type}|${d.entry}|${d.position_id}|${d.symbol}|${d.volume}|${d.price}|${d.profit}|${d.commission}|${d.swap}|${d.fee}|${d.sl ?? ''}`,
        )
        .join('') +
      (h.equity ?? []).map((s) => `\ne${s.time}|${s.balance}|${s.equity}`).join('') +
      '[]';
    const expected = `sha256:${createHash('sha256').update(plain).digest('hex')}`;
    expect(inputsHash(decodeHistory(h), rules)).toBe(expected);
    // Pinned: a verdict replayed by a later release must carry the same fingerprint.
    expect(expected).toBe('sha256:c05b44c51e9a51d4d0bc60a63f8755d588aabd173594dfab3173c7dac5475c51');
  });

  it('changes with any snapshot figure, a repeated balance included', () => {
    const rules: unknown[] = [];
    const base = inputsHash(decodeHistory(history()), rules);
    const changed = history();
    changed.equity![1]!.balance = 99996.51;
    expect(inputsHash(decodeHistory(changed), rules)).not.toBe(base);
    const changedEquity = history();
    changedEquity.equity![3]!.equity = 100113.26;
    expect(inputsHash(decodeHistory(changedEquity), rules)).not.toBe(base);
  });
});
