/** Zod schemas of the account API (validation, types and the OpenAPI document). */
import { z } from 'zod';

export const accountParams = z.object({
  account_id: z.string().min(1).max(64).describe('The registered account id (acc_…) or its MT5 login'),
});

const freshness = {
  stale: z
    .boolean()
    .describe('true while the latest upstream read failed (the data is the last good one) or is overdue'),
  age_seconds: z.number().describe('Seconds since Brymix last read the account upstream'),
  fetched_at: z.string().describe('When Brymix last read the account upstream (UTC)'),
};

export const infoResponse = z.object({
  account_id: z.string(),
  login: z.string(),
  balance: z.number(),
  equity: z.number(),
  margin: z.number(),
  free_margin: z.number(),
  margin_level: z.number().nullable(),
  currency: z.string(),
  leverage: z.number(),
  as_of: z.string(),
  ...freshness,
});

const positionSchema = z.object({
  ticket: z.number(),
  symbol: z.string(),
  type: z.enum(['buy', 'sell']),
  volume: z.number(),
  open_price: z.number(),
  current_price: z.number(),
  sl: z.number().nullable(),
  tp: z.number().nullable(),
  swap: z.number(),
  profit: z.number(),
  open_time: z.string(),
});

export const positionsResponse = z.object({
  account_id: z.string(),
  login: z.string(),
  count: z.number(),
  positions: z.array(positionSchema),
  as_of: z.string(),
  ...freshness,
});

export const summaryResponse = z.object({
  account_id: z.string(),
  login: z.string(),
  balance: z.number(),
  equity: z.number(),
  floating_pnl: z.number(),
  today_pnl: z.number(),
  open_positions: z.number(),
  gain: z.number().describe('Time-weighted return, % (Myfxbook "Gain")'),
  drawdown: z.number().describe('Largest peak-to-trough balance fall, %'),
  current_drawdown: z.number().describe('Equity below its high-water mark now, %'),
  currency: z.string(),
  as_of: z.string(),
  statistics: z
    .record(z.string(), z.unknown())
    .describe('MetaStats / Myfxbook names: absoluteGain, equityPercent, profitFactor, expectancy, wonTradesPercent, …'),
  challenge: z
    .object({
      max_loss_floor: z.number().nullable(),
      daily_loss_floor: z.number().nullable(),
      profit_target_balance: z.number().nullable(),
      initial_balance: z.number(),
      outcome: z.string(),
    })
    .nullable(),
  ...freshness,
});
