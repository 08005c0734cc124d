import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountHistorySchema, historyJsonSchema } from './history.schema.ts';

describe('history schema', () => {
  it('matches the published docs/history.schema.json', () => {
    expect(JSON.parse(readFileSync('docs/history.schema.json', 'utf8'))).toEqual(historyJsonSchema());
  });

  it('accepts the issue’s example and names the field of a bad deal', () => {
    const good = {
      account: { login: '1001', server: 'Brymix-Demo', currency: 'USD', initial_balance: 100000, server_utc_offset_minutes: 120, margin_mode: 'hedging' },
      deals: [{ ticket: 1, order: 1, time: '2026-01-16T08:00:00.000Z', type: 'buy', entry: 'in', position_id: 10, symbol: 'EURUSD', volume: 1.0, price: 1.1, profit: 0, commission: -3.5, swap: 0, fee: 0, comment: '' }],
      equity: [{ time: '2026-01-16T08:00:05.000Z', balance: 99996.5, equity: 99950.0 }],
    };
    expect(accountHistorySchema.safeParse(good).success).toBe(true);
    const bad = structuredClone(good);
    (bad.deals[0] as Record<string, unknown>).time = '16/01/2026 08:00';
    const r = accountHistorySchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['deals', 0, 'time']);
  });
});
