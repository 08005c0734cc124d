/**
 * Runtime schema of the normalized account history (history.ts), used to validate histories
 * given to the CLI and to publish docs/history.schema.json (kept in sync by a test).
 */
import { z } from 'zod';

const isoTime = z
  .string()
  .regex(
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)$/,
    'must be an ISO-8601 time such as 2026-01-16T08:00:00.000Z',
  )
  .describe('UTC instant, ISO-8601 with milliseconds');
const money = z.number().finite();

const dealTypeSchema = z.enum([
  'buy',
  'sell',
  'balance',
  'credit',
  'charge',
  'correction',
  'bonus',
  'commission',
  'commission_daily',
  'commission_monthly',
  'commission_agent_daily',
  'commission_agent_monthly',
  'interest',
  'buy_canceled',
  'sell_canceled',
  'dividend',
  'dividend_franked',
  'tax',
]);

const dealSchema = z.object({
  ticket: z.number().int(),
  order: z.number().int(),
  time: isoTime,
  type: dealTypeSchema,
  entry: z.enum(['in', 'out', 'inout', 'out_by']),
  position_id: z.number().int(),
  symbol: z.string(),
  volume: z.number().finite().min(0),
  price: z.number().finite(),
  profit: money,
  commission: money,
  swap: money,
  fee: money,
  comment: z.string(),
  sl: z.number().finite().nullable().optional(),
  tp: z.number().finite().nullable().optional(),
});

export const accountHistorySchema = z
  .object({
    account: z.object({
      login: z.string(),
      server: z.string(),
      currency: z.string(),
      initial_balance: money.describe('Balance before the first deal in `deals`'),
      server_utc_offset_minutes: z.number().int(),
      margin_mode: z.enum(['hedging', 'netting']),
    }),
    deals: z.array(dealSchema),
    equity: z.array(z.object({ time: isoTime, balance: money, equity: money })).optional(),
    positions: z
      .array(
        z
          .object({
            ticket: z.number().int(),
            symbol: z.string(),
            type: z.enum(['buy', 'sell']),
            volume: z.number().finite(),
            open_price: z.number().finite(),
            current_price: z.number().finite(),
            /** Absent or null: the position has no stop loss (normal for an open trade). */
            sl: z.number().finite().nullable().optional(),
            tp: z.number().finite().nullable().optional(),
            swap: money,
            profit: money,
            open_time: isoTime,
          })
          // A misspelt key (`stoploss`, `SL`) would otherwise vanish silently and read as "no stop loss".
          .strict(),
      )
      .optional(),
    bars: z
      .record(
        z.string(),
        z.array(
          z.object({
            time: isoTime,
            open: z.number(),
            high: z.number(),
            low: z.number(),
            close: z.number(),
            spread_points: z.number(),
          }),
        ),
      )
      .optional(),
    symbols: z
      .record(
        z.string(),
        z.object({ contract_size: z.number().positive(), point: z.number().positive(), profit_currency: z.string() }),
      )
      .optional(),
  })
  .describe('Brymix normalized MT5 account history');

export function historyJsonSchema(): Record<string, unknown> {
  return { $id: 'https://brymix.dev/schemas/account-history.json', ...z.toJSONSchema(accountHistorySchema) } as Record<
    string,
    unknown
  >;
}
