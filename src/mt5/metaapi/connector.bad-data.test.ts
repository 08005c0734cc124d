import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extraBroker, metaApiTestConnector, TOKEN, tradeDeal } from '../../../test/factories/metaapi-accounts.ts';
import { type FakeMetaApi, startFakeMetaApi } from '../../../test/fakes/metaapi.ts';
import type { MetaApiConfig, MetaApiConnector } from './connector.ts';

let fake: FakeMetaApi;
function connector(over: Partial<MetaApiConfig> = {}): MetaApiConnector {
  return metaApiTestConnector(fake, over);
}

beforeAll(async () => {
  fake = await startFakeMetaApi({
    token: TOKEN,
    brokers: [
      extraBroker('7101', {
        deals: [tradeDeal('71', { type: 'DEAL_TYPE_FUTURE_KIND', entryType: undefined, profit: 12.5 })],
      }),
      extraBroker('7102', { deals: [tradeDeal('72', { entryType: undefined })] }),
      extraBroker('7103', { settingsUndetectable: true }),
    ],
    deployPolls: 2,
  });
});
afterAll(() => fake.close());

/** Adds the trader to the fake MetaApi as the firm would have done already (createAccount until 201). */
async function existingAccount(login: string): Promise<void> {
  const transactionId = 'a'.repeat(24) + login.padStart(8, '0');
  for (;;) {
    const res = await fetch(`${fake.provisioningUrl}/users/current/accounts`, {
      method: 'POST',
      headers: { 'auth-token': TOKEN, 'content-type': 'application/json', 'transaction-id': transactionId },
      body: JSON.stringify({
        login,
        password: 'Secret-9',
        server: 'FakeBroker-Demo',
        platform: 'mt5',
        name: `firm-${login}`,
        magic: 0,
      }),
    });
    if (res.status === 201) return;
    expect(res.status).toBe(202);
  }
}
describe('MetaApi data that cannot be read as documented ends in bad_data, never a history', () => {
  it('refuses a deal of a type MetaApi does not document when it moves money', async () => {
    await existingAccount('7101');
    const err = await connector({ includeBars: false })
      .fetchHistory({ login: '7101', password: 'Secret-9', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_data' });
    expect((err as Error).message).toContain('DEAL_TYPE_FUTURE_KIND');
  });

  it('refuses a buy or sell deal without a documented entryType instead of guessing DEAL_ENTRY_IN', async () => {
    await existingAccount('7102');
    const err = await connector({ includeBars: false })
      .fetchHistory({ login: '7102', password: 'Secret-9', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'bad_data' });
    expect((err as Error).message).toContain('entryType');
  });

  it('answers a retryable error when MetaApi cannot detect the broker settings yet (E_SERVER_TIMEZONE)', async () => {
    const err = await connector({ includeBars: false })
      .getAccountInfo({ login: '7103', password: 'Secret-9', server: 'FakeBroker-Demo' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unreachable', retryable: true });
    expect((err as Error).message).toContain('settings');
  });
});
