/** ./bin/brymix staff / service-tokens / audit as an operator runs them: a real process in a fresh directory. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliChildEnv } from '../../test/env.ts';
import { dropStorage, ensureSchema, newStorage, type StackStorage } from '../../test/storage.ts';

const run = promisify(execFile);
const BIN = resolve('bin/brymix');
let cwd: string;
let storage: StackStorage;

async function brymix(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: cliChildEnv(storage) });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'brymix-crm-cli-'));
  storage = newStorage();
  await ensureSchema(storage);
});
afterAll(() => dropStorage(storage));

describe('brymix staff, service-tokens, audit', () => {
  it('creates staff users; refuses a bad role and a duplicate email', async () => {
    const ok = await brymix(
      'staff',
      'create',
      '--email',
      'ops@firm.test',
      '--role',
      'admin',
      '--password',
      'ops-password-1',
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Created admin ops@firm.test');
    expect(ok.stderr).toContain('JWT_SECRET');
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toMatch(/^SITE_WEBHOOK_SECRET=[0-9a-f]{64}$/m);
    expect(
      (await brymix('staff', 'create', '--email', 'x@firm.test', '--role', 'owner', '--password', 'ops-password-1'))
        .code,
    ).toBe(2);
    expect(
      (await brymix('staff', 'create', '--email', 'ops@firm.test', '--role', 'agent', '--password', 'ops-password-1'))
        .code,
    ).toBe(1);
  });

  it('creates a service token alone on the last line; the same name rotates it', async () => {
    const a = await brymix('service-tokens', 'create', 'Trading platform');
    expect(a.stdout.trimEnd().split('\n').at(-1)).toMatch(/^bst_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/);
    const b = await brymix('service-tokens', 'create', 'Trading platform', '--overlap', '0');
    expect(b.stdout).toContain('Rotated "Trading platform"');
    const list = JSON.parse((await brymix('service-tokens', 'list', '--json')).stdout) as Array<{ status: string }>;
    expect(list.map((t) => t.status)).toEqual(['revoked', 'active']);
    expect(readFileSync(join(cwd, '.env'), 'utf8')).not.toContain(a.stdout.trimEnd().split('\n').at(-1));
  });

  it('verifies the audit chain', async () => {
    const r = await brymix('audit', 'verify');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Audit chain intact: 3 entries/);
  });
});
