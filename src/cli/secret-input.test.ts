/** Secrets for CLI commands stay off the command line: a real process shows nothing of it in its cmdline. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliChildEnv } from '../../test/env.ts';
import { dropStorage, ensureSchema, newStorage, type StackStorage } from '../../test/storage.ts';
import { readSecret } from './secret-input.ts';

const BIN = resolve('bin/brymix');
const SECRET = 'Investor-Pw-3c9d71';
let cwd: string;
let storage: StackStorage;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'brymix-secret-'));
  storage = newStorage();
  await ensureSchema(storage);
});
afterAll(() => dropStorage(storage));

const stdinOf = (text: string) => Readable.from([text]) as unknown as NodeJS.ReadStream;

describe('readSecret', () => {
  it('takes the first line of standard input with --password-stdin, before the variable and the flag', async () => {
    const warned: string[] = [];
    expect(
      await readSecret({
        fromStdin: true,
        flag: 'f',
        envName: 'X',
        envValue: 'e',
        label: 'Password',
        warn: (l) => warned.push(l),
        stdin: stdinOf('from-stdin\r\nrest'),
      }),
    ).toBe('from-stdin');
    expect(
      await readSecret({
        envName: 'X',
        envValue: 'from-env',
        flag: 'f',
        label: 'Password',
        warn: (l) => warned.push(l),
        stdin: stdinOf(''),
      }),
    ).toBe('from-env');
    expect(warned).toEqual([]);
  });

  it('still takes --password but warns that ps shows it', async () => {
    const warned: string[] = [];
    expect(
      await readSecret({
        flag: 'from-flag',
        envName: 'BRYMIX_MT5_PASSWORD',
        label: 'Password',
        warn: (l) => warned.push(l),
        stdin: stdinOf(''),
      }),
    ).toBe('from-flag');
    expect(warned).toEqual([expect.stringContaining('visible to every user of this machine (ps)')]);
  });

  it('refuses, naming the ways to give it, when there is none and no terminal to ask at', async () => {
    await expect(
      readSecret({
        envName: 'BRYMIX_MT5_PASSWORD',
        label: 'Investor password',
        warn: () => undefined,
        stdin: stdinOf(''),
      }),
    ).rejects.toThrow('--password-stdin, set BRYMIX_MT5_PASSWORD');
    await expect(
      readSecret({
        fromStdin: true,
        envName: 'X',
        label: 'Investor password',
        warn: () => undefined,
        stdin: stdinOf('\n'),
      }),
    ).rejects.toThrow('standard input held no password');
  });
});

describe('brymix accounts add --password-stdin', () => {
  it('registers the account while ps shows no password', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'accounts', 'add', '--login', '7301', '--server', 'Brymix-Demo', '--password-stdin', '--json'],
      { cwd, env: cliChildEnv(storage), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // What ps and every user of the machine see while the command runs.
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toContain('--password-stdin');
    expect(cmdline.join(' ')).not.toContain(SECRET);
    child.stdin.end(`${SECRET}\n`);
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code, err).toBe(0);
    expect(err).not.toContain(SECRET);
    const account = JSON.parse(out.trim().split('\n').at(-1)!) as { login: string; server: string };
    expect(account).toMatchObject({ login: '7301', server: 'Brymix-Demo' });
    expect(out).not.toContain(SECRET);
    // Nothing of it in the files the run left in the working directory (the SQLite file keeps it sealed).
    const db = join(cwd, 'data', 'brymix.sqlite');
    if (existsSync(db)) expect(readFileSync(db).includes(Buffer.from(SECRET))).toBe(false);
  }, 60_000);
});
