/** News windows (rules.md §2.8, §3.6): opening or closing inside [release − before, release + after] counts; holding through does not. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFamily } from '../../../test/factories/family.ts';
import { deal, history, roundTrip } from '../../../test/factories/history.ts';
import { evaluate } from '../index.ts';
import { parseRule } from '../registry.ts';
import type { NewsEvent } from './family.ts';

const NFP: NewsEvent = { time: '2026-01-14T13:30:00.000Z', instruments: ['USD'], title: 'Non-Farm Payrolls' };
const rule = { type: 'news_window', minutes_before: 2, minutes_after: 2 };
const trade = (open: string, close: string, profit = 100, patch = {}) =>
  history(roundTrip(7, open, close, profit, patch));
const news = (h: ReturnType<typeof history>, spec: Record<string, unknown> = {}, calendar: NewsEvent[] = [NFP]) =>
  runFamily(h, { ...rule, ...spec }, { calendar });

describe('news_window', () => {
  it('opening exactly 2 minutes before the release counts (the window includes its ends)', () => {
    const h = trade('2026-01-14T13:28:00.000Z', '2026-01-14T15:00:00.000Z');
    const r = news(h);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({
      rule: 'news_window',
      severity: 'hard',
      timestamp: '2026-01-14T13:28:00.000Z',
      ticket: h.deals[0]!.ticket,
      position_id: 7,
      symbol: 'EURUSD',
      deal_entry: 'in',
      event_time: '2026-01-14T13:30:00.000Z',
      event_title: 'Non-Farm Payrolls',
      window_start: '2026-01-14T13:28:00.000Z',
      window_end: '2026-01-14T13:32:00.000Z',
    });
  });

  it('opening one millisecond before the window does not count', () => {
    expect(news(trade('2026-01-14T13:27:59.999Z', '2026-01-14T15:00:00.000Z')).violations).toEqual([]);
  });

  it('closing exactly 2 minutes after counts; one millisecond later does not', () => {
    const inside = news(trade('2026-01-14T12:00:00.000Z', '2026-01-14T13:32:00.000Z', 250));
    expect(inside.violations[0]).toMatchObject({
      timestamp: '2026-01-14T13:32:00.000Z',
      deal_entry: 'out',
      profit: 250,
    });
    expect(news(trade('2026-01-14T12:00:00.000Z', '2026-01-14T13:32:00.001Z')).violations).toEqual([]);
  });

  it('holding a position through the window is allowed', () => {
    expect(news(trade('2026-01-14T13:00:00.000Z', '2026-01-14T14:00:00.000Z')).violations).toEqual([]);
  });

  it('opening and closing inside the same window is one finding, timed at the opening', () => {
    const r = news(trade('2026-01-14T13:29:00.000Z', '2026-01-14T13:31:00.000Z'));
    expect(r.violations.map((v) => [v.timestamp, v.deal_entry])).toEqual([['2026-01-14T13:29:00.000Z', 'in']]);
    expect(r.metrics.news_window_trades).toBe(1);
  });

  it('matches instruments by currency substring: USD covers EURUSD and XAUUSD, not EURGBP', () => {
    const at = (symbol: string) =>
      news(trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z', 0, { symbol })).violations.length;
    expect([at('EURUSD'), at('XAUUSD'), at('EURGBP'), at('usdjpy.r')]).toEqual([1, 1, 0, 1]);
  });

  it('a release without instruments moves every symbol; the rule instruments narrow it', () => {
    const all: NewsEvent = { time: NFP.time };
    const h = trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z', 0, { symbol: 'EURGBP' });
    expect(news(h, {}, [all]).violations).toHaveLength(1);
    expect(news(h, { instruments: ['XAU'] }, [all]).violations).toEqual([]);
  });

  it('honours asymmetric minutes: 5 before, 0 after', () => {
    expect(
      news(trade('2026-01-14T13:25:00.000Z', '2026-01-14T15:00:00.000Z'), { minutes_before: 5, minutes_after: 0 })
        .violations,
    ).toHaveLength(1);
    expect(
      news(trade('2026-01-14T12:00:00.000Z', '2026-01-14T13:30:00.001Z'), { minutes_before: 5, minutes_after: 0 })
        .violations,
    ).toEqual([]);
  });

  it('void_profit: a warning that voids the position profit, once, summed in a metric', () => {
    const h = history([
      ...roundTrip(7, '2026-01-14T13:29:00.000Z', '2026-01-14T13:31:00.000Z', 420),
      ...roundTrip(8, '2026-01-14T13:29:30.000Z', '2026-01-14T13:31:30.000Z', -80),
    ]);
    const r = news(h, { action: 'void_profit' });
    expect(r.violations.map((v) => [v.position_id, v.severity, v.action, v.voided_profit])).toEqual([
      [7, 'warning', 'void_profit', 420],
      [8, 'warning', 'void_profit', 0],
    ]);
    expect(r.metrics.news_window_voided_profit).toBe(420);
  });

  it('action warning reports with severity warning, so the account is not breached', () => {
    const h = trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z');
    const r = evaluate(h, [parseRule({ ...rule, action: 'warning' })], { calendar: [NFP] });
    expect(r.violations.map((v) => [v.rule, v.severity])).toEqual([['news_window', 'warning']]);
    expect(r.outcome).toBe('passed');
  });

  it('a violation breaches the account through evaluate()', () => {
    const r = evaluate(trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z'), [parseRule(rule)], {
      calendar: [NFP],
    });
    expect(r.outcome).toBe('breached');
  });

  it('exempts closing a position opened at least 5 h before the release (FundingPips); 4:59:59.999 is not exempt', () => {
    const spec = { minutes_before: 5, minutes_after: 5, exempt_if_opened_hours_before: 5 };
    expect(news(trade('2026-01-14T08:30:00.000Z', '2026-01-14T13:31:00.000Z'), spec).violations).toEqual([]);
    expect(news(trade('2026-01-14T08:30:00.001Z', '2026-01-14T13:31:00.000Z'), spec).violations[0]).toMatchObject({
      deal_entry: 'out',
      timestamp: '2026-01-14T13:31:00.000Z',
    });
  });

  it('an opening inside the window is never exempt', () => {
    const h = history([
      ...roundTrip(7, '2026-01-14T08:00:00.000Z', '2026-01-14T16:00:00.000Z', 0),
      deal('2026-01-14T13:30:00.000Z', { position_id: 7, entry: 'in' }),
    ]);
    expect(news(h, { exempt_if_opened_hours_before: 5 }).violations[0]).toMatchObject({
      deal_entry: 'in',
      timestamp: '2026-01-14T13:30:00.000Z',
    });
  });

  it('one finding per release: two releases in a row give two', () => {
    const cal: NewsEvent[] = [NFP, { time: '2026-01-14T13:31:00.000Z', instruments: ['USD'], title: 'Unemployment' }];
    const r = news(trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z'), {}, cal);
    expect(r.violations.map((v) => v.event_title)).toEqual(['Non-Farm Payrolls', 'Unemployment']);
    expect(r.metrics.news_window_trades).toBe(1);
  });

  it('counts releases whose time cannot be read instead of guessing', () => {
    const r = news(trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z'), {}, [
      { time: 'soon', instruments: ['USD'] },
      NFP,
    ]);
    expect(r.violations).toHaveLength(1);
    expect(r.metrics).toMatchObject({ news_events: 1, news_events_ignored: 1 });
  });

  it('reports nothing without a calendar', () => {
    expect(news(trade('2026-01-14T13:30:00.000Z', '2026-01-14T15:00:00.000Z'), {}, []).violations).toEqual([]);
  });

  it('property: a position opened before the window and closed after it never counts', () => {
    const release = Date.parse(NFP.time);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.integer({ min: 0, max: 30 }),
        (before, after, minutes) => {
          const w = minutes * 60_000;
          const h = trade(new Date(release - w - before).toISOString(), new Date(release + w + after).toISOString());
          return news(h, { minutes_before: minutes, minutes_after: minutes }).violations.length === 0;
        },
      ),
      { numRuns: 100 },
    );
  });
});
