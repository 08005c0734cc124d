/** Which families the live evaluator keeps up to date itself, and what they are built from. */
import type { SymbolSpec } from '../../mt5/history.ts';
import type { NewsEvent } from '../families/family.ts';
import type { RuleSpec } from '../registry.ts';
import type { LiveColumns } from './columns.ts';
import { LiveDailyLoss } from './daily-loss.ts';
import { LiveDayObjective } from './day-objectives.ts';
import { LiveMaxDailyTrades, LiveMaxLotsPerOrder, LiveMaxOpenPositions } from './deal-limits.ts';
import type { LiveFamily } from './family.ts';
import type { LiveFigures } from './figures.ts';
import { LiveInactivity } from './inactivity.ts';
import { LiveMaxLoss } from './max-loss.ts';
import { LiveMaxRiskPerTrade } from './max-risk.ts';
import { LiveMinTradeDuration } from './min-trade-duration.ts';
import { LiveNewsWindow } from './news-window.ts';
import { LiveStopLossRequired } from './stop-loss.ts';
import { LiveWeekendFlat } from './weekend-flat.ts';

/** What families read besides the timeline: the symbols' specifications, the currency, the calendar. */
export interface Market {
  symbols: Record<string, SymbolSpec> | undefined;
  currency: string | undefined;
  calendar: readonly NewsEvent[];
}

/** The incremental families; every other family is evaluated by its batch evaluator on the live timeline. */
export function liveFamily(
  rule: RuleSpec,
  cols: LiveColumns,
  figures: LiveFigures,
  ic: number,
  market: Market,
): LiveFamily | null {
  if (rule.type === 'max_loss') return new LiveMaxLoss(rule, cols, ic);
  if (rule.type === 'daily_loss') return new LiveDailyLoss(rule, cols, ic);
  if (rule.type === 'min_trading_days' || rule.type === 'best_day' || rule.type === 'min_profitable_days')
    return new LiveDayObjective(rule, figures, ic);
  if (rule.type === 'max_open_positions') return new LiveMaxOpenPositions(rule, cols);
  if (rule.type === 'max_lots_per_order') return new LiveMaxLotsPerOrder(rule, cols);
  if (rule.type === 'max_daily_trades') return new LiveMaxDailyTrades(rule, cols);
  if (rule.type === 'min_trade_duration') return new LiveMinTradeDuration(rule, cols);
  if (rule.type === 'max_risk_per_trade_pct')
    return new LiveMaxRiskPerTrade(rule, cols, market.symbols, market.currency, ic);
  if (rule.type === 'news_window') return new LiveNewsWindow(rule, cols, market.calendar);
  if (rule.type === 'inactivity') return new LiveInactivity(rule, cols);
  if (rule.type === 'stop_loss_required') return new LiveStopLossRequired(rule, cols);
  if (rule.type === 'weekend_flat') return new LiveWeekendFlat(rule, cols);
  return null;
}
