import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  creds,
  GROUPS,
  idleUser,
  MANAGER,
  managerConnector,
  small,
  tradedUser,
  UTC2,
} from '../../../test/factories/webapi-accounts.ts';
import { type FakeWebApi, startFakeWebApi } from '../../../test/fakes/webapi.ts';
import { ConnectorError } from '../connector.ts';
import type { WebApiConfig, WebApiConnector } from './connector.ts';

let fake: FakeWebApi;
const connectors: WebApiConnector[] = [];
function connector(over: Partial<WebApiConfig> = {}): WebApiConnector {
  const c = managerConnector(fake.url, over);
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  fake = await startFakeWebApi({
    ...MANAGER,
    users: [tradedUser(), idleUser(), small('70007', 1, { group: 'demo\\no-such-group' })],
    groups: GROUPS,
    clock: UTC2,
  });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await fake.close();
});

describe('MT5 Manager Web API connector against a fake access server: account figures', () => {
  it('falls back to user/get when the account has no trade state (idle since the server restarted)', async () => {
    const info = await connector().getAccountInfo({ ...creds, login: '70002' });
    expect(info).toMatchObject({ balance: 5000, credit: 0, equity: 5000, margin: 0, margin_level: null });
  });

  it('takes the currency from the account’s group, reads a group once per connector, and refuses an account whose group is missing', async () => {
    const c = connector();
    const before = fake.requests.length;
    expect(await c.getAccountInfo(creds)).toMatchObject({ currency: 'USD' });
    expect((await c.getAccountInfo({ ...creds, login: '70002' })).currency).toBe('USD');
    expect(fake.requests.slice(before).filter((r) => r.path === '/api/group/get')).toHaveLength(1);
    await expect(c.getAccountInfo({ ...creds, login: '70007' })).rejects.toMatchObject({
      code: 'bad_data',
      message: 'MT5 Web API has no group "demo\\\\no-such-group", the group of the account',
    });
  });

  it('does not stand in the user record’s balance when the trade state fails for a reason other than Not found', async () => {
    const c = connector();
    fake.failWith('8 Not enough permissions', 1, /^\/api\/user\/account\/get$/);
    const err = await c.getAccountInfo(creds).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toContain('8 Not enough permissions');
    await expect(c.getAccountInfo(creds)).resolves.toMatchObject({ margin: 220 });
  });
});
