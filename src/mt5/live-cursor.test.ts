import { describe, expect, it } from 'vitest';
import type { Deal } from './history.ts';
import { advanceCursor, cursorAfter, decodeCursor, encodeCursor, listFromMs } from './live-cursor.ts';

const T = Date.parse('2026-03-02T10:00:00.000Z');
const deal = (ticket: number, ms: number, profit = 0, type: Deal['type'] = 'sell'): Deal => ({
  ticket,
  order: ticket,
  time: new Date(ms).toISOString(),
  type,
  entry: 'out',
  position_id: ticket,
  symbol: 'EURUSD',
  volume: 0.1,
  price: 1.1,
  profit,
  commission: 0,
  swap: 0,
  fee: 0,
  comment: '',
});

describe('live deal cursor', () => {
  it('round-trips and refuses what it did not write', () => {
    const c = cursorAfter([[7, T - 5_000]], T, 100_000, 60_000);
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(c).toEqual({ horizonMs: T, seen: [[7, T - 5_000]], balanceCents: 10_000_000 });
    for (const bad of [
      '',
      'dc1.',
      'dc1.e30',
      'sim2:1:2',
      `dc1.${Buffer.from('{"h":1,"s":[[1]],"b":0}').toString('base64url')}`,
    ])
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'bad_data', retryable: false }));
  });

  it('hands out each ticket once, oldest first, however often the window is listed again', () => {
    let c = cursorAfter([], T, 100, 60_000);
    expect(listFromMs(c, 60_000)).toBe(T - 60_000);
    const listing = [deal(12, T + 2_000, 5), deal(11, T + 2_000, -1), deal(10, T + 1_000, 2, 'credit')];
    let step = advanceCursor(c, listing, T + 3_000, 60_000);
    expect(step.deals.map((d) => d.ticket)).toEqual([10, 11, 12]);
    expect(step.cursor.balanceCents).toBe(10_400); // credit does not move MT5's balance
    c = step.cursor;
    step = advanceCursor(c, [...listing, deal(13, T + 1_500, 1)], T + 4_000, 60_000);
    expect(step.deals.map((d) => d.ticket)).toEqual([13]); // late, within the lookback: not missed
    // Once past the lookback, old tickets leave the cursor and the window no longer lists them.
    step = advanceCursor(step.cursor, [], T + 200_000, 60_000);
    expect(step.cursor.seen).toEqual([]);
    expect(listFromMs(step.cursor, 60_000)).toBe(T + 140_000);
    expect(advanceCursor(step.cursor, listing, T + 201_000, 60_000).deals).toEqual([]);
  });
});
