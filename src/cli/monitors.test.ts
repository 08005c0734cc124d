/** ./bin/brymix monitors as an operator runs it: real processes, output read through a real pipe. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliChildEnv } from '../../test/env.ts';
import {
  dropStorage,
  ensureSchema,
  newStorage,
  type StackStorage,
  servicesMode,
  testConfig,
} from '../../test/storage.ts';
import { createDeps } from '../deps.ts';

const BIN = resolve('bin/brymix');
let cwd: string;
let storage: StackStorage;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'brymix-monitors-cli-'));
  storage = newStorage();
  await ensureSchema(storage);
});
afterAll(() => dropStorage(storage));

/**
 * Runs ./bin/brymix with stdout as a real pipe that is read slowly, as `| jq` reads it: nothing for
 * a while after the first byte, then the rest. A process that exits before the rest is written loses it.
 */
async function brymix(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: cliChildEnv(storage),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(stdin);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  let reading = false;
  let waiting = false;
  const read = () => {
    for (let chunk = child.stdout.read() as Buffer | null; reading && chunk !== null; chunk = child.stdout.read())
      out.push(chunk);
  };
  child.stdout.on('readable', () => {
    if (!waiting) {
      waiting = true;
      setTimeout(() => {
        reading = true;
        read();
      }, 1000);
    }
    if (reading) read();
  });
  const [code] = await Promise.all([
    new Promise<number | null>((r, j) => {
      child.on('error', j);
      child.on('close', (c) => r(c));
    }),
    new Promise<void>((r) => child.stdout.on('end', r)),
  ]);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

const addArgs = (keyId: string, ...more: string[]) => [
  'monitors',
  'add',
  '--key',
  keyId,
  '--user-id',
  'user_cli',
  '--challenge-id',
  'challenge_cli',
  '--mt5-login',
  '1001',
  '--mt5-server',
  'Brymix-Demo',
  '--password-stdin',
  '--initial-balance',
  '100000',
  '--rules',
  'ftmo-2step',
  ...more,
];

describe('brymix monitors', { timeout: 120_000 }, () => {
  it('adds (printing the id), shows, lists through a slow pipe, stops, and refuses bad input naming the option', async () => {
    const key = JSON.parse((await brymix(['keys', 'create', 'Monitor Firm', '--json'])).stdout) as { id: string };

    const added = await brymix(addArgs(key.id), 'demo\n');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = added.stdout.trimEnd().split('\n').at(-1)!;
    expect(id).toMatch(/^mon_[0-9A-Za-z]{20}$/);

    const bad = await brymix(addArgs(key.id, '--alerts', '0,80'), 'demo\n');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--alerts');
    const badServer = await brymix([...addArgs(key.id), '--mt5-server', 'Nowhere-Live'], 'demo\n');
    expect(badServer.code).toBe(2);
    expect(badServer.stderr).toContain('mt5_server');

    const shown = await brymix(['monitors', 'show', id, '--key', key.id]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ monitor_id: id, status: 'active', mt5_login: '1001' });
    expect(shown.stdout).not.toContain('demo"');

    // Hundreds of KiB of JSON: a page of the API is 200 monitors, the command writes every page.
    const deps = await createDeps(
      testConfig({ DATA_DIR: join(cwd, 'data') }),
      servicesMode ? { pgSchema: storage.pgSchema } : {},
    );
    try {
      const auth = await deps.keys.actAs(key.id);
      for (let i = 0; i < 450; i++)
        await deps.monitors.create(
          auth,
          {
            user_id: `user_${i}`,
            challenge_id: `challenge_${i}_${'x'.repeat(100)}`,
            mt5_login: String(5000 + i),
            mt5_password: 'demo',
            mt5_server: 'Brymix-Demo',
            initial_balance: 100_000,
            rules: { preset: 'ftmo-2step' },
          },
          undefined,
        );
    } finally {
      await deps.close();
    }
    const listed = await brymix(['monitors', 'list', '--key', key.id, '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.length).toBeGreaterThan(4 * 65_536);
    const all = JSON.parse(listed.stdout) as Array<{ monitor_id: string }>;
    expect(all).toHaveLength(451);
    expect(all.at(-1)!.monitor_id).toBe(id);
    const table = await brymix(['monitors', 'list', '--key', key.id]);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +STATUS +LOGIN +SERVER/);
    expect(table.stdout.trimEnd().split('\n')).toHaveLength(452);

    const stopped = await brymix(['monitors', 'stop', id, '--key', key.id]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`Monitor ${id} is stopped.`);
    const onlyStopped = JSON.parse(
      (await brymix(['monitors', 'list', '--key', key.id, '--status', 'stopped', '--json'])).stdout,
    );
    expect(onlyStopped.map((m: { monitor_id: string }) => m.monitor_id)).toEqual([id]);
    const unknown = await brymix(['monitors', 'show', 'mon_nope', '--key', key.id]);
    expect(unknown.code).toBe(2);
  });
});
