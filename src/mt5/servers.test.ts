import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfiguredRouter, readServersFile, ServersFileError } from './servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'brymix-servers-'));
const file = (json: unknown) => {
  const p = join(dir, `servers-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify(json));
  return p;
};
const metaApi = { token: 'tok', provisioningUrl: 'http://127.0.0.1:1/prov', clientUrl: 'http://127.0.0.1:1/{region}', marketDataUrl: 'http://127.0.0.1:1/md/{region}' };

describe('routing by mt5_server through the servers file', () => {
  it('serves Brymix-Demo with the simulator without a file and answers unknown_server for anything else', async () => {
    const router = createConfiguredRouter({ env: {} });
    expect(router.forServer('Brymix-Demo').kind).toBe('simulator');
    await expect(router.fetchHistory({ login: '1', password: 'x', server: 'Elsewhere-Live' })).rejects.toMatchObject({ code: 'unknown_server', retryable: false });
  });

  it('routes each listed server to its connector and "*" to the fallback', () => {
    const router = createConfiguredRouter({
      serversFile: file({ servers: { 'Broker-Live': { connector: 'webapi', url: 'https://127.0.0.1:9443', manager_login: 1005, manager_password_env: 'MT5_BROKER_MANAGER_PASSWORD', time_zone: 'Europe/Athens' }, 'Other-Demo': { connector: 'metaapi' }, '*': { connector: 'metaapi' } } }),
      env: { MT5_BROKER_MANAGER_PASSWORD: 'm-secret' },
      metaApi,
    });
    expect(router.forServer('Broker-Live').kind).toBe('webapi');
    expect(router.forServer('Other-Demo').kind).toBe('metaapi');
    expect(router.forServer('Anything-Else').kind).toBe('metaapi');
    expect(router.forServer('Brymix-Demo').kind).toBe('simulator');
  });

  it('names the missing environment variable of a manager password, never a value', () => {
    const p = file({ servers: { 'Broker-Live': { connector: 'webapi', url: 'https://127.0.0.1:9443', manager_login: '1005', manager_password_env: 'MT5_BROKER_MANAGER_PASSWORD', utc_offset_minutes: 120 } } });
    expect(() => createConfiguredRouter({ serversFile: p, env: {} })).toThrow(/MT5_BROKER_MANAGER_PASSWORD/);
  });

  it('refuses a password written into the file, a metaapi server without METAAPI_TOKEN and an unknown connector', () => {
    expect(() => readServersFile(file({ servers: { X: { connector: 'webapi', url: 'https://h', manager_login: '1', manager_password: 'plain', utc_offset_minutes: 0 } } }))).toThrow(ServersFileError);
    expect(() => createConfiguredRouter({ serversFile: file({ servers: { X: { connector: 'metaapi' } } }), env: {} })).toThrow(/METAAPI_TOKEN/);
    expect(() => readServersFile(file({ servers: { X: { connector: 'fax' } } }))).toThrow(ServersFileError);
    // Only MT5_<NAME>_PASSWORD variables can be named: the file cannot pull other secrets out of the environment.
    expect(() => readServersFile(file({ servers: { X: { connector: 'webapi', url: 'https://h', manager_login: '1', manager_password_env: 'WEBHOOK_SECRET', utc_offset_minutes: 0 } } }))).toThrow(/MT5_<NAME>_PASSWORD/);
    expect(() => readServersFile(join(dir, 'missing.json'))).toThrow(ServersFileError);
  });

  it('requires the broker clock of a webapi server as exactly one of a UTC offset and a valid IANA zone', () => {
    const webapi = { connector: 'webapi', url: 'https://h', manager_login: '1', manager_password_env: 'MT5_X_PASSWORD' };
    expect(() => readServersFile(file({ servers: { X: webapi } }))).toThrow(/exactly one of utc_offset_minutes and time_zone/);
    expect(() => readServersFile(file({ servers: { X: { ...webapi, utc_offset_minutes: 120, time_zone: 'Europe/Athens' } } }))).toThrow(/exactly one of/);
    expect(() => readServersFile(file({ servers: { X: { ...webapi, time_zone: 'Europe/Atlantis' } } }))).toThrow(/servers\.X\.time_zone: must be an IANA time zone/);
    expect(readServersFile(file({ servers: { X: { ...webapi, utc_offset_minutes: 0 } } })).servers.X).toMatchObject({ utc_offset_minutes: 0 });
  });

  it('accepts the documented example file', () => {
    const example = resolve(import.meta.dirname, '../../config/servers.example.json');
    const router = createConfiguredRouter({ serversFile: example, env: { MT5_MYBROKER_MANAGER_PASSWORD: 'x' }, metaApi });
    expect(router.servers()).toEqual(['Brymix-Demo', 'ICMarketsSC-Demo', 'MyBroker-Live']);
    expect(router.forServer('MyBroker-Live').kind).toBe('webapi');
  });
});
