import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountHistorySchema, historyJsonSchema } from './history.schema.ts';

describe('history schema', () => {
  it('matches the published docs/history.schema.json', () => {
    expect(JSON.parse(readFileSync('docs/history.schema.json', 'utf8'))).toEqual(historyJsonSchema());
  });

  it('accepts a well-formed history and names the field of a bad deal', () => {
    const good = {
      account: {
        login: '1001',
        server: 'Brymix-Demo',
        currency: 'USD',
        initial_balance: 100000,
        server_utc_offset_minutes: 120,
        margin_mode: 'hedging',
      },
      deals: [
        {
          ticket: 1,
          order: 1,
          time: '2026-01-16T08:00:00.000Z',
          type: 'buy',
          entry: 'in',
          position_id: 10,
          symbol: 'EURUSD',
          volume: 1.0,
          price: 1.1,
          profit: 0,
          commission: -3.5,
          swap: 0,
          fee: 0,
          comment: '',
        },
      ],
      equity: [{ time: '2026-01-16T08:00:05.000Z', balance: 99996.5, equity: 99950.0 }],
    };
    expect(accountHistorySchema.safeParse(good).success).toBe(true);
    const bad = structuredClone(good);
    (bad.deals[0] as Record<string, unknown>).time = '16/01/2026 08:00';
    const r = accountHistorySchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['deals', 0, 'time']);
  });

  const position = {
    ticket: 7,
    symbol: 'EURUSD',
    type: 'buy',
    volume: 1,
    open_price: 1.1,
    current_price: 1.1012,
    swap: 0,
    profit: 120,
    open_time: '2026-01-16T08:00:00.000Z',
  };
  const withPositions = (positions: unknown[]) => ({
    account: {
      login: '1001',
      server: 'Brymix-Demo',
      currency: 'USD',
      initial_balance: 100000,
      server_utc_offset_minutes: 120,
      margin_mode: 'hedging',
    },
    deals: [],
    positions,
  });

  it('accepts an open position without sl and tp keys (no stop loss is normal), with nulls, and with values', () => {
    const r = accountHistorySchema.safeParse(
      withPositions([
        position,
        { ...position, ticket: 8, sl: null, tp: null },
        { ...position, ticket: 9, sl: 1.09, tp: 1.12 },
      ]),
    );
    expect(r.success).toBe(true);
    expect(r.data!.positions!.map((p) => [p.sl, p.tp])).toEqual([
      [undefined, undefined],
      [null, null],
      [1.09, 1.12],
    ]);
  });

  it('refuses an unknown key on an open position, naming the position and the key', () => {
    const r = accountHistorySchema.safeParse(withPositions([{ ...position, stoploss: 1.09 }]));
    expect(r.success).toBe(false);
    expect(r.error!.issues).toHaveLength(1);
    expect(r.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['stoploss'], path: ['positions', 0] });
    expect(r.error!.issues[0]!.message).toContain('stoploss');
  });

  it('publishes sl and tp of open positions as optional and forbids other keys', () => {
    const items = (
      historyJsonSchema() as {
        properties: { positions: { items: { required: string[]; additionalProperties: unknown } } };
      }
    ).properties.positions.items;
    expect(items.required).not.toContain('sl');
    expect(items.required).not.toContain('tp');
    expect(items.required).toContain('open_time');
    expect(items.additionalProperties).toBe(false);
  });
});
