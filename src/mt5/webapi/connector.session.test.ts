import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creds, GROUPS, MANAGER, managerConnector, tradedUser, UTC2 } from '../../../test/factories/webapi-accounts.ts';
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
  fake = await startFakeWebApi({ ...MANAGER, users: [tradedUser()], groups: GROUPS, clock: UTC2 });
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await fake.close();
});

describe('MT5 Manager Web API connector against a fake access server: the manager session', () => {
  it('answers invalid_credentials for a login the server does not have', async () => {
    await expect(connector().fetchHistory({ ...creds, login: '123' })).rejects.toMatchObject({
      code: 'invalid_credentials',
      retryable: false,
    });
  });

  it('fails without retry when the manager password is wrong, and never puts it in the message', async () => {
    const err = await connector({ managerPassword: 'Wrong-Pa55' })
      .getPositions(creds)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'unreachable', retryable: false });
    expect((err as Error).message).not.toContain('Pa55');
  });

  it('refuses a server whose cli_rand_answer is wrong (mutual authentication)', async () => {
    fake.impostor = true;
    try {
      await expect(connector().getPositions(creds)).rejects.toThrow(/mutual authentication/);
    } finally {
      fake.impostor = false;
    }
  });

  it('times out with a retryable error when the server does not answer', async () => {
    const c = connector({ timeoutMs: 150 });
    await c.getPositions(creds);
    fake.delay(/position\/get_total/, 600, 1);
    await expect(c.getPositions(creds)).rejects.toMatchObject({ code: 'timeout', retryable: true });
  });
});
