import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  dropStorage,
  ensureSchema,
  newStorage,
  schemaDatabaseUrl,
  servicesMode,
  TEST_CREDENTIALS_KEY,
  TEST_WEBHOOK_SECRET,
} from '../../test/storage.ts';
import { runCli } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'brymix-cli5-'));
const storage = newStorage();

/** Sets variables of this process's environment, which the in-process CLI reads its configuration from. */
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
}

beforeAll(async () => {
  // Services mode: a schema and Redis prefix of its own, never the shared database's public schema
  // (which would hold every earlier run's accounts and make the listings below disagree).
  if (servicesMode) {
    await ensureSchema(storage);
    setEnv({ DATABASE_URL: schemaDatabaseUrl(storage), REDIS_PREFIX: storage.redisPrefix });
  }
  setEnv({
    DATA_DIR: dir,
    WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://127.0.0.1:8000',
  });
  // Distinct values: staff and SSO tokens must not share a secret (config refuses it).
  for (const [i, k] of ['JWT_SECRET', 'SERVICE_API_TOKEN', 'SSO_SECRET', 'SITE_WEBHOOK_SECRET'].entries())
    setEnv({ [k]: String(i).repeat(40) });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
  await dropStorage(storage);
});

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('accounts, keys and widgets CLI', () => {
  it('creates a key with an IP allowlist, registers and links an account, lists it without the password', async () => {
    const key = await cli('keys', 'create', 'CLI Firm', '--allow-ip', '203.0.113.0/24', '198.51.100.7', '--json');
    expect(key.code).toBe(0);
    const keyId = JSON.parse(key.out[0]!).id as string;
    const bad = await cli('keys', 'create', 'Bad Firm', '--allow-ip', 'not-an-ip');
    expect(bad.code).toBe(2);
    expect(bad.err.join('\n')).toContain('"not-an-ip" is not an IP address or CIDR');

    const add = await cli(
      'accounts',
      'add',
      '--login',
      '7001',
      '--server',
      'Brymix-Demo',
      '--password',
      'Cli-Investor-Pw',
      '--name',
      'CLI Trader',
    );
    expect(add.code).toBe(0);
    const accountId = add.out.at(-1)!;
    expect(accountId).toMatch(/^acc_[0-9A-Za-z]{16}$/);
    expect((await cli('accounts', 'add', '--login', '7001', '--server', 'Brymix-Demo', '--password', 'x')).code).toBe(
      1,
    );
    expect((await cli('accounts', 'add', '--login', '7002', '--server', 'Nowhere-Live', '--password', 'x')).code).toBe(
      2,
    );

    expect((await cli('accounts', 'link', accountId, '--key', keyId)).code).toBe(0);
    const list = await cli('accounts', 'list', '--json');
    const listed = JSON.parse(list.out[0]!);
    expect(listed).toEqual([
      expect.objectContaining({ id: accountId, login: '7001', name: 'CLI Trader', key_ids: [keyId] }),
    ]);
    expect(list.out.join('')).not.toContain('Cli-Investor-Pw');

    const limits = await cli('keys', 'limits', keyId, '--per-minute', '300', '--account-burst', '5');
    expect(limits.out[0]).toBe(`${keyId}: 300/min per key; per account 1 per 5 s, burst 5`);

    const widget = await cli('widgets', 'create', '--account', accountId, '--kind', 'chart', '--percent-only');
    expect(widget.code).toBe(0);
    expect(widget.out.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:8000\/widgets\/chart\?token=wgt_[0-9A-Za-z]{43}$/);
    const widgets = JSON.parse((await cli('widgets', 'list', '--json')).out[0]!);
    expect(widgets[0]).toMatchObject({ kind: 'chart', status: 'active', options: { percent_only: true } });
    expect((await cli('widgets', 'revoke', widgets[0].id)).out[0]).toMatch(/^Revoked wdg_/);
    expect((await cli('widgets', 'create', '--account', accountId, '--kind', 'ticker')).code).toBe(2);

    expect((await cli('accounts', 'remove', accountId)).code).toBe(0);
    expect((await cli('accounts', 'remove', accountId)).code).toBe(2);
  });
});

describe('accounts CLI with a servers file', () => {
  it('registers accounts on the servers MT5_SERVERS_FILE configures, and on one only its "*" serves', async () => {
    const serversFile = join(dir, 'servers.json');
    writeFileSync(
      serversFile,
      JSON.stringify({ servers: { 'Prop-Sim': { connector: 'simulator' }, '*': { connector: 'metaapi' } } }),
    );
    // Registering an account calls no connector; the MetaApi URLs point nowhere all the same.
    setEnv({
      MT5_SERVERS_FILE: serversFile,
      METAAPI_TOKEN: 'test-token',
      METAAPI_PROVISIONING_URL: 'http://127.0.0.1:9',
      METAAPI_CLIENT_URL: 'http://127.0.0.1:9',
      BRYMIX_MT5_PASSWORD: 'Investor-1',
    });
    try {
      const named = await cli('accounts', 'add', '--login', '8001', '--server', 'Prop-Sim', '--json');
      expect(named.err).toEqual([]);
      expect(named.code).toBe(0);
      expect(JSON.parse(named.out[0]!)).toMatchObject({ login: '8001', server: 'Prop-Sim' });
      const byFallback = await cli('accounts', 'add', '--login', '51234567', '--server', 'ICMarketsSC-Demo', '--json');
      expect(byFallback.err).toEqual([]);
      expect(byFallback.code).toBe(0);
      expect(JSON.parse(byFallback.out[0]!)).toMatchObject({
        login: '51234567',
        server: 'ICMarketsSC-Demo',
        name: '51234567@ICMarketsSC-Demo',
      });
      const listed = JSON.parse((await cli('accounts', 'list', '--json')).out[0]!) as Array<{ server: string }>;
      expect(listed.map((a) => a.server)).toEqual(expect.arrayContaining(['Prop-Sim', 'ICMarketsSC-Demo']));
    } finally {
      setEnv({
        MT5_SERVERS_FILE: undefined,
        METAAPI_TOKEN: undefined,
        METAAPI_PROVISIONING_URL: undefined,
        METAAPI_CLIENT_URL: undefined,
        BRYMIX_MT5_PASSWORD: undefined,
      });
    }
  });

  it('refuses a servers file the server would refuse, naming the file', async () => {
    const serversFile = join(dir, 'bad-servers.json');
    writeFileSync(serversFile, JSON.stringify({ servers: { 'Broker-Live': { connector: 'metaapi' } } }));
    setEnv({ MT5_SERVERS_FILE: serversFile });
    try {
      const r = await cli('accounts', 'list');
      expect(r.code).toBe(1);
      expect(r.err.join('\n')).toContain(
        `MT5_SERVERS_FILE: server Broker-Live uses MetaApi but METAAPI_TOKEN is not set`,
      );
    } finally {
      setEnv({ MT5_SERVERS_FILE: undefined });
    }
  });
});
