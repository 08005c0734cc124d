import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeWebApi } from '../../test/fakes/webapi.ts';
import { createConfiguredRouter, readServersFile, ServersFileError } from './servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'brymix-servers-'));
const file = (json: unknown) => {
  const p = join(dir, `servers-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify(json));
  return p;
};
const metaApi = {
  token: 'tok',
  provisioningUrl: 'http://127.0.0.1:1/prov',
  clientUrl: 'http://127.0.0.1:1/{region}',
  marketDataUrl: 'http://127.0.0.1:1/md/{region}',
};

describe('routing by mt5_server through the servers file', () => {
  it('serves Brymix-Demo with the simulator without a file and answers unknown_server for anything else', async () => {
    const router = createConfiguredRouter({ env: {} });
    expect(router.forServer('Brymix-Demo').kind).toBe('simulator');
    await expect(router.fetchHistory({ login: '1', password: 'x', server: 'Elsewhere-Live' })).rejects.toMatchObject({
      code: 'unknown_server',
      retryable: false,
    });
  });

  it('routes each listed server to its connector and "*" to the fallback', () => {
    const router = createConfiguredRouter({
      serversFile: file({
        servers: {
          'Broker-Live': {
            connector: 'webapi',
            url: 'https://127.0.0.1:9443',
            manager_login: 1005,
            manager_password_env: 'MT5_BROKER_MANAGER_PASSWORD',
            time_zone: 'Europe/Athens',
          },
          'Other-Demo': { connector: 'metaapi' },
          '*': { connector: 'metaapi' },
        },
      }),
      env: { MT5_BROKER_MANAGER_PASSWORD: 'm-secret' },
      metaApi,
    });
    expect(router.forServer('Broker-Live').kind).toBe('webapi');
    expect(router.forServer('Other-Demo').kind).toBe('metaapi');
    expect(router.forServer('Anything-Else').kind).toBe('metaapi');
    expect(router.forServer('Brymix-Demo').kind).toBe('simulator');
    // Each connector watches its servers live, the same reader for all of them.
    expect(router.live('Broker-Live').kind).toBe('webapi');
    expect(router.live('Other-Demo')).toBe(router.live('Anything-Else'));
    expect(router.live('Anything-Else').kind).toBe('metaapi');
    expect(router.live('Brymix-Demo').kind).toBe('simulator');
  });

  it('names the missing environment variable of a manager password, never a value', () => {
    const p = file({
      servers: {
        'Broker-Live': {
          connector: 'webapi',
          url: 'https://127.0.0.1:9443',
          manager_login: '1005',
          manager_password_env: 'MT5_BROKER_MANAGER_PASSWORD',
          utc_offset_minutes: 120,
        },
      },
    });
    expect(() => createConfiguredRouter({ serversFile: p, env: {} })).toThrow(/MT5_BROKER_MANAGER_PASSWORD/);
  });

  it('refuses a password written into the file, a metaapi server without METAAPI_TOKEN and an unknown connector', () => {
    expect(() =>
      readServersFile(
        file({
          servers: {
            X: {
              connector: 'webapi',
              url: 'https://h',
              manager_login: '1',
              manager_password: 'plain',
              utc_offset_minutes: 0,
            },
          },
        }),
      ),
    ).toThrow(ServersFileError);
    expect(() =>
      createConfiguredRouter({ serversFile: file({ servers: { X: { connector: 'metaapi' } } }), env: {} }),
    ).toThrow(/METAAPI_TOKEN/);
    expect(() => readServersFile(file({ servers: { X: { connector: 'fax' } } }))).toThrow(ServersFileError);
    // Only MT5_<NAME>_PASSWORD variables can be named: the file cannot pull other secrets out of the environment.
    expect(() =>
      readServersFile(
        file({
          servers: {
            X: {
              connector: 'webapi',
              url: 'https://h',
              manager_login: '1',
              manager_password_env: 'WEBHOOK_SECRET',
              utc_offset_minutes: 0,
            },
          },
        }),
      ),
    ).toThrow(/MT5_<NAME>_PASSWORD/);
    expect(() => readServersFile(join(dir, 'missing.json'))).toThrow(ServersFileError);
  });

  it('requires the broker clock of a webapi server as exactly one of a UTC offset and a valid IANA zone', () => {
    const webapi = {
      connector: 'webapi',
      url: 'https://h',
      manager_login: '1',
      manager_password_env: 'MT5_X_PASSWORD',
    };
    expect(() => readServersFile(file({ servers: { X: webapi } }))).toThrow(
      /exactly one of utc_offset_minutes \(with dst\) and time_zone/,
    );
    expect(() =>
      readServersFile(file({ servers: { X: { ...webapi, utc_offset_minutes: 120, time_zone: 'Europe/Athens' } } })),
    ).toThrow(/exactly one of/);
    expect(() => readServersFile(file({ servers: { X: { ...webapi, time_zone: 'Europe/Atlantis' } } }))).toThrow(
      /servers\.X\.time_zone: must be an IANA time zone/,
    );
    expect(readServersFile(file({ servers: { X: { ...webapi, utc_offset_minutes: 0 } } })).servers.X).toMatchObject({
      utc_offset_minutes: 0,
    });
  });

  it('takes a broker clock as a UTC offset with a US, EU or no DST rule, and dst only beside an offset', () => {
    const webapi = {
      connector: 'webapi',
      url: 'https://h',
      manager_login: '1',
      manager_password_env: 'MT5_X_PASSWORD',
    };
    for (const dst of ['us', 'eu', 'none'])
      expect(
        readServersFile(file({ servers: { X: { ...webapi, utc_offset_minutes: 120, dst } } })).servers.X,
      ).toMatchObject({ utc_offset_minutes: 120, dst });
    expect(() => readServersFile(file({ servers: { X: { ...webapi, utc_offset_minutes: 120, dst: 'au' } } }))).toThrow(
      /servers\.X\.dst/,
    );
    expect(() =>
      readServersFile(file({ servers: { X: { ...webapi, time_zone: 'Europe/Athens', dst: 'us' } } })),
    ).toThrow(/servers\.X\.dst: dst goes with utc_offset_minutes/);
  });

  it('converts deal times with a "New York close" server’s clock in the weeks between the US and EU switches', async () => {
    const MANAGER = { managerLogin: '1005', managerPassword: 'Manager-Pa55' };
    const clock = { utc_offset_minutes: 120, dst: 'us' } as const;
    const wall = (s: string) => String(Date.parse(`${s.replace(' ', 'T')}Z`) / 1000); // as the server writes Time
    const fake = await startFakeWebApi({
      ...MANAGER,
      clock,
      groups: [{ Group: 'real\\ny', Currency: 'USD', CurrencyDigits: '2', MarginMode: '2' }],
      users: [
        {
          login: '71001',
          group: 'real\\ny',
          balance: '10050.00',
          credit: '0.00',
          trade: null,
          positions: [],
          daily: [],
          deals: [
            {
              Deal: '1',
              Order: '0',
              Action: '2',
              Entry: '0',
              Time: wall('2026-03-02 09:00:00'),
              Symbol: '',
              Volume: '0',
              Price: '0',
              Profit: '10000.00',
              Storage: '0.00',
              Commission: '0.00',
              Fee: '0.00',
              PositionID: '0',
              Comment: 'Deposit',
              Reason: '0',
            },
            {
              Deal: '2',
              Order: '5',
              Action: '0',
              Entry: '0',
              Time: wall('2026-03-16 10:00:00'),
              Symbol: 'EURUSD',
              Volume: '10000',
              Price: '1.1',
              Profit: '0.00',
              Storage: '0.00',
              Commission: '0.00',
              Fee: '0.00',
              PositionID: '5',
              Comment: '',
              Reason: '0',
            },
            {
              Deal: '3',
              Order: '6',
              Action: '1',
              Entry: '1',
              Time: wall('2026-10-28 10:00:00'),
              Symbol: 'EURUSD',
              Volume: '10000',
              Price: '1.1005',
              Profit: '50.00',
              Storage: '0.00',
              Commission: '0.00',
              Fee: '0.00',
              PositionID: '5',
              Comment: '',
              Reason: '0',
            },
          ],
        },
      ],
    });
    const p = file({
      servers: {
        'NY-Live': {
          connector: 'webapi',
          url: fake.url,
          manager_login: MANAGER.managerLogin,
          manager_password_env: 'MT5_NY_MANAGER_PASSWORD',
          utc_offset_minutes: 120,
          dst: 'us',
        },
      },
    });
    try {
      const h = await createConfiguredRouter({
        serversFile: p,
        env: { MT5_NY_MANAGER_PASSWORD: MANAGER.managerPassword },
      }).fetchHistory({ login: '71001', password: '', server: 'NY-Live' });
      // 10:00 on the server is 07:00 UTC in both weeks (UTC+3), where Europe/Athens would say 08:00.
      expect(h.deals.map((d) => d.time)).toEqual(['2026-03-16T07:00:00.000Z', '2026-10-28T07:00:00.000Z']);
      expect(h.account).toMatchObject({ initial_balance: 10_000, currency: 'USD' });
    } finally {
      await fake.close();
    }
  });

  it('accepts the documented example file', () => {
    const example = resolve(import.meta.dirname, '../../config/servers.example.json');
    const router = createConfiguredRouter({
      serversFile: example,
      env: { MT5_MYBROKER_MANAGER_PASSWORD: 'x', MT5_OTHERBROKER_MANAGER_PASSWORD: 'y' },
      metaApi,
    });
    expect(router.servers()).toEqual(
      expect.arrayContaining(['Brymix-Demo', 'ICMarketsSC-Demo', 'MyBroker-Live', 'OtherBroker-Live']),
    );
    expect(router.forServer('MyBroker-Live').kind).toBe('webapi');
    expect(readServersFile(example).servers['MyBroker-Live']).toMatchObject({ utc_offset_minutes: 120, dst: 'us' });
  });
});
