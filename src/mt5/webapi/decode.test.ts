import { describe, expect, it } from 'vitest';
import { fileTimeMs, lots, managerDealReason, readGroup } from './decode.ts';

describe('readers of Web API records', () => {
  it('decodes deal reasons with the Manager numbering, not the MQL5 one', () => {
    const reasons = [0, 1, 3, 4, 5, 16, 17, 18].map(managerDealReason);
    expect(reasons).toEqual(['client', 'expert', 'sl', 'tp', 'so', 'mobile', 'web', 'split']);
    expect(managerDealReason(99)).toBe('unknown');
  });

  it('reads lots from VolumeExt (÷ 1e8) when present, else from Volume (÷ 10 000)', () => {
    expect(lots({ Volume: '1000', VolumeExt: '10000000' })).toBe(0.1);
    expect(lots({ Volume: '25000' })).toBe(2.5);
    expect(lots({ Volume: '25000', VolumeExt: '' })).toBe(2.5);
  });

  it('reads the docs’ daily report Timestamp (FILETIME, UTC) and refuses what is not one', () => {
    expect(new Date(fileTimeMs('132302519992466852')!).toISOString()).toBe('2020-04-01T21:59:59.246Z');
    expect(fileTimeMs('2020-04-01')).toBeNull();
    expect(fileTimeMs(undefined)).toBeNull();
  });

  it('takes currency and margin mode from a group, and refuses a group without a currency', () => {
    const netting = { Group: 'real\\eur-netting', Currency: 'EUR', MarginMode: '0' };
    expect(readGroup(netting, 'real\\eur-netting')).toEqual({ currency: 'EUR', marginMode: 'netting' });
    const hedging = { Currency: 'USD', MarginMode: '2' };
    expect(readGroup(hedging, 'demo\\prop')).toEqual({ currency: 'USD', marginMode: 'hedging' });
    expect(readGroup({ Currency: 'USD' }, 'demo\\prop')).toEqual({ currency: 'USD', marginMode: null });
    expect(() => readGroup({ Group: 'demo\\prop' }, 'demo\\prop')).toThrow(
      'MT5 Web API group "demo\\\\prop" has no Currency',
    );
  });
});
