import { describe, expect, it } from 'vitest';
import { challengeWhy } from './crm.ts';

const at = Date.parse('2026-12-01T18:00:00Z');

describe('why a challenge ended, in a timeline summary', () => {
  it('names the rule broken first and its time in UTC', () => {
    expect(challengeWhy({ rule: 'maximum_daily_loss', at: '2026-12-01T14:03:41.250Z' }, at)).toBe(
      ': maximum daily loss at 14:03 UTC',
    );
  });
  it('adds the date when the breach was on another day than the event', () => {
    expect(challengeWhy({ rule: 'maximum_drawdown', at: '2026-01-14T09:30:00Z' }, at)).toBe(
      ': maximum drawdown on 2026-01-14 at 09:30 UTC',
    );
  });
  it('gives only the time of a pass, and nothing when the platform said nothing', () => {
    expect(challengeWhy({ rule: null, at: '2026-12-01T17:59:00Z' }, at)).toBe(' at 17:59 UTC');
    expect(challengeWhy(undefined, at)).toBe('');
  });
});
