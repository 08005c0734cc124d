/** ./bin/brymix as a user runs it: a real process in a fresh directory. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropStorage, ensureSchema, newStorage, schemaDatabaseUrl, servicesMode, type StackStorage } from '../../test/storage.ts';

const run = promisify(execFile);
const BIN = resolve('bin/brymix');
let cwd: string;
let storage: StackStorage;

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent' };
  if (servicesMode) e.DATABASE_URL = schemaDatabaseUrl(storage);
  return e;
}

async function brymix(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: env() });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'brymix-cli-'));
  storage = newStorage();
  await ensureSchema(storage);
});
afterAll(() => dropStorage(storage));

describe('brymix keys', () => {
  it('creates a key, printing it once alone on the last line, and generates .env on first run', async () => {
    const r = await brymix('keys', 'create', 'Acme Prop');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^bmx_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/);
    expect(r.stderr).toContain('generated WEBHOOK_SECRET, CREDENTIALS_KEY');
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toMatch(/WEBHOOK_SECRET=whsec_/);
    if (!servicesMode) expect(existsSync(join(cwd, 'data', 'brymix.sqlite'))).toBe(true);
  });

  it('prints one JSON object with --json, lists without secrets, rotates and revokes', async () => {
    const created = JSON.parse((await brymix('keys', 'create', 'Json Firm', '--json')).stdout) as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(['created_at', 'id', 'key', 'name']);
    expect(created.name).toBe('Json Firm');

    const list = await brymix('keys', 'list');
    expect(list.stdout).toContain(created.id);
    expect(list.stdout).not.toContain(created.key!);

    const rotated = JSON.parse((await brymix('keys', 'rotate', created.id!, '--overlap', '1h', '--json')).stdout) as Record<string, string>;
    expect(rotated.key).not.toBe(created.key);
    expect(Date.parse(rotated.old_key_expires_at!) - Date.now()).toBeGreaterThan(3_500_000);

    const listed = JSON.parse((await brymix('keys', 'list', '--json')).stdout) as Array<{ id: string; status: string; tenant_id: string }>;
    const old = listed.find((k) => k.id === created.id)!;
    const fresh = listed.find((k) => k.id === rotated.id)!;
    expect(old.status).toBe('expiring');
    expect(fresh.tenant_id).toBe(old.tenant_id);

    const revoked = await brymix('keys', 'revoke', created.id!);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Revoked');
  });

  it('exits 2 with a message for an unknown key id and a bad overlap', async () => {
    const missing = await brymix('keys', 'revoke', 'key_nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('key_nope');
    const created = JSON.parse((await brymix('keys', 'create', 'X', '--json')).stdout) as Record<string, string>;
    const bad = await brymix('keys', 'rotate', created.id!, '--overlap', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--overlap');
  });

  it('applies migrations with migrate', async () => {
    const r = await brymix('migrate');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/up to date|Applied/);
  });
});
