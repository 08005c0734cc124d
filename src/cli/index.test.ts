/** ./bin/brymix as a user runs it: a real process in a fresh directory. */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliChildEnv } from '../../test/env.ts';
import { reportHtml, utf16leWithBom } from '../../test/factories/mt5-report.ts';
import {
  dropStorage,
  ensureSchema,
  newStorage,
  type StackStorage,
  servicesMode,
  testConfig,
} from '../../test/storage.ts';
import { createDeps } from '../deps.ts';

const run = promisify(execFile);
const BIN = resolve('bin/brymix');
let cwd: string;
let storage: StackStorage;

// With Redis, as a deployment runs it: the CLI builds (and closes) the queue, limiter and feed clients too.
const env = (): NodeJS.ProcessEnv => cliChildEnv(storage);

async function brymix(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: env() });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Runs ./bin/brymix with stdout as a real pipe, read as `| jq` reads it when jq is slow to start:
 * nothing for a while after the first byte, then everything to the end. A pipe holds 64 KiB; a
 * process that exits before the rest is written loses it.
 */
async function brymixThroughPipe(
  args: string[],
  pauseMs = 1500,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  // A 'readable' listener for the whole run: a child's stdout that nobody listens to is drained
  // into the void when the child exits, which would hide what this reader is here to see.
  let paused = false;
  let reading = false;
  const read = () => {
    while (reading) {
      const chunk = child.stdout.read() as Buffer | null;
      if (chunk === null) return;
      out.push(chunk);
    }
  };
  child.stdout.on('readable', () => {
    if (!paused) {
      paused = true;
      setTimeout(() => {
        reading = true;
        read();
      }, pauseMs);
    }
    read();
  });
  // The output ends when the reader has read it all, which may be well after the process exited.
  const [code] = await Promise.all([
    new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c) => resolve(c));
    }),
    new Promise<void>((resolve) => child.stdout.on('end', resolve)),
  ]);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'brymix-cli-'));
  storage = newStorage();
  await ensureSchema(storage);
});
afterAll(() => dropStorage(storage));

// Each test starts several real processes (tsx compiles on start): on a loaded machine that is seconds each.
describe('brymix keys', { timeout: 90_000 }, () => {
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
    const created = JSON.parse((await brymix('keys', 'create', 'Json Firm', '--json')).stdout) as Record<
      string,
      string
    >;
    expect(Object.keys(created).sort()).toEqual(['created_at', 'id', 'key', 'name']);
    expect(created.name).toBe('Json Firm');

    const list = await brymix('keys', 'list');
    expect(list.stdout).toContain(created.id);
    expect(list.stdout).not.toContain(created.key!);

    const rotated = JSON.parse(
      (await brymix('keys', 'rotate', created.id!, '--overlap', '1h', '--json')).stdout,
    ) as Record<string, string>;
    expect(rotated.key).not.toBe(created.key);
    expect(Date.parse(rotated.old_key_expires_at!) - Date.now()).toBeGreaterThan(3_500_000);

    const listed = JSON.parse((await brymix('keys', 'list', '--json')).stdout) as Array<{
      id: string;
      status: string;
      tenant_id: string;
    }>;
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

describe('brymix output through a pipe', { timeout: 90_000 }, () => {
  it('writes all of report parse --json (hundreds of KiB) to a slow reader', async () => {
    // A grid EA's report: the factory's report with 3,000 more cancelled pending orders.
    const html = reportHtml();
    const order = html.split('\r\n').find((line) => line.includes('<td nowrap>5008</td>'));
    expect(order, 'the factory report has order 5008').toBeDefined();
    const extra = Array.from({ length: 3000 }, (_, i) =>
      order!.replace('<td nowrap>5008</td>', `<td nowrap>${60_000_000 + i}</td>`),
    );
    const file = join(cwd, 'ReportHistory-5550123.html');
    writeFileSync(file, utf16leWithBom(html.replace(order!, [order!, ...extra].join('\r\n'))));

    const r = await brymixThroughPipe(['report', 'parse', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(4 * 65_536);
    const json = JSON.parse(r.stdout) as { orders: Array<{ order: number }> };
    expect(json.orders).toHaveLength(7 + 3000);
    expect(json.orders.at(-1)).toMatchObject({ order: 60_002_999 });
  });

  it('writes all of keys list, as JSON and as a table, to a slow reader', async () => {
    const deps = await createDeps(
      testConfig({ DATA_DIR: join(cwd, 'data') }),
      servicesMode ? { pgSchema: storage.pgSchema } : {},
    );
    try {
      for (let i = 0; i < 1500; i++)
        await deps.keys.create(
          `Pipe Firm ${String(i).padStart(4, '0')} — Evaluation Desk, Funded Traders Programme, Two-Step Challenge (Europe/Prague reset)`,
        );
    } finally {
      await deps.close();
    }
    const json = await brymixThroughPipe(['keys', 'list', '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout.length).toBeGreaterThan(4 * 65_536);
    const keys = JSON.parse(json.stdout) as Array<{ name: string }>;
    expect(keys.filter((k) => k.name.startsWith('Pipe Firm '))).toHaveLength(1500);

    const table = await brymixThroughPipe(['keys', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.length).toBeGreaterThan(4 * 65_536);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +KEY +STATUS/);
    expect(lines.filter((l) => l.includes('Pipe Firm '))).toHaveLength(1500);
    expect(table.stdout.endsWith('\n')).toBe(true);
  });
});
