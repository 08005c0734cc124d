/**
 * The compiled build (scripts/build.mjs → dist/) as bin/brymix runs it, in a copy of the project
 * (its own src/, migrations/, bin/, scripts/ and dist/; node_modules and web/ linked), so the
 * checkout's own dist/ — which other tests' bin/brymix processes may be loading — is never touched.
 *
 * - Compiled, `brymix migrate` applies every migration, and `brymix serve` answers /readyz, serves
 *   the web pages and the chart library from outside dist/, and evaluates an uploaded report on the
 *   report parser's worker thread (dist/src/mt5/report/parse.worker.js).
 * - bin/brymix runs dist/ only while it was built from the sources as they are: after an edit or a
 *   new migration it runs the TypeScript through tsx, so a stale build can never stand in for the
 *   code under test; BRYMIX_FROM_SOURCE=1 forces the sources.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGLISH, reportHtml, utf16leWithBom } from './factories/mt5-report.ts';

const run = promisify(execFile);
let project: string;

async function node(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  try {
    const r = await run(process.execPath, args, {
      cwd: opts.cwd ?? project,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', ...opts.env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const brymix = (args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) =>
  node([join(project, 'bin/brymix'), ...args], opts);

async function build(): Promise<void> {
  const r = await node(['scripts/build.mjs']);
  expect(r.code, r.stderr).toBe(0);
}

async function isCurrent(): Promise<boolean> {
  // A fresh module instance each time: the query string makes it a new URL.
  const url = `${pathToFileURL(join(project, 'scripts/compiled.mjs')).href}?${Math.random()}`;
  return ((await import(url)) as { isCurrent: () => boolean }).isCurrent();
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'brymix-compiled-'));
  for (const dir of ['src', 'migrations', 'bin', 'scripts']) cpSync(dir, join(project, dir), { recursive: true });
  for (const file of ['package.json', 'tsconfig.json']) cpSync(file, join(project, file));
  for (const link of ['node_modules', 'web']) symlinkSync(resolve(link), join(project, link));
  await build();
}, 60_000);

afterAll(() => {
  rmSync(project, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

describe('the compiled build', () => {
  it('migrates, serves /readyz, pages and the chart library, and parses a report on its worker thread', async () => {
    expect(await isCurrent()).toBe(true);
    const cwd = join(project, 'run');
    mkdirSync(cwd);
    const migrations = readdirSync('migrations')
      .filter((f) => /^\d{3}_[\w-]+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    const migrated = await brymix(['migrate'], { cwd });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain(`Applied ${migrations.join(', ')} to `);
    const created = await brymix(['keys', 'create', 'Compiled Firm', '--json'], { cwd });
    const { key } = JSON.parse(created.stdout) as { key: string };

    const port = await freePort();
    const server = spawn(process.execPath, [join(project, 'bin/brymix'), 'serve'], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: `${port}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    server.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const ready = await fetch(`${url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ready) break;
        if (Date.now() > deadline || server.exitCode !== null) throw new Error(`serve never got ready: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await fetch(`${url}/static/admin/index.html`)).status).toBe(200);
      expect((await fetch(`${url}/static/vendor/lightweight-charts.js`)).status).toBe(200);

      const submitted = await fetch(`${url}/api/v1/check`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({
          user_id: 'user_c1',
          challenge_id: 'ch_c1',
          initial_balance: 10_000,
          rules: { max_drawdown_percent: 10, profit_target_percent: 10 },
          report_base64: utf16leWithBom(reportHtml(ENGLISH), true).toString('base64'),
          report_filename: 'ReportHistory-5550123.html',
          server_time_zone: 'Europe/Athens',
        }),
      });
      expect(submitted.status).toBe(200);
      const { job_id } = (await submitted.json()) as { job_id: string };
      let job: { status: string; metrics?: { total_trades: number } };
      for (;;) {
        job = (await (
          await fetch(`${url}/api/v1/job/${job_id}`, { headers: { 'x-api-key': key } })
        ).json()) as typeof job;
        if (job.status !== 'queued' && job.status !== 'running') break;
        if (Date.now() > deadline) throw new Error(`job still ${job.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(['passed', 'failed']).toContain(job.status);
      expect(job.metrics?.total_trades).toBe(2);
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await new Promise((r) => server.once('exit', r));
    }
  }, 60_000);

  it('runs only while it matches the sources; after an edit bin/brymix runs the sources', async () => {
    const compiledCli = join(project, 'dist/src/cli/index.js');
    const sourceCli = join(project, 'src/cli/index.ts');
    const DESCRIPTION = 'Brymix: challenge checker';
    expect(readFileSync(compiledCli, 'utf8')).toContain(DESCRIPTION);
    expect(readFileSync(sourceCli, 'utf8')).toContain(DESCRIPTION);
    // Marks the compiled output only (dist/ is not among what the manifest stamps): still current.
    writeFileSync(compiledCli, readFileSync(compiledCli, 'utf8').replace(DESCRIPTION, 'Compiled mark'));
    expect(await isCurrent()).toBe(true);
    expect((await brymix(['--help'])).stdout).toContain('Compiled mark');
    expect((await brymix(['--help'], { env: { BRYMIX_FROM_SOURCE: '1' } })).stdout).toContain(DESCRIPTION);

    // An edited source: the build is stale, and the edit is what runs.
    writeFileSync(sourceCli, readFileSync(sourceCli, 'utf8').replace(DESCRIPTION, 'Edited source'));
    expect(await isCurrent()).toBe(false);
    const edited = (await brymix(['--help'])).stdout;
    expect(edited).toContain('Edited source');
    expect(edited).not.toContain('Compiled mark');

    // Rebuilt: current again, and the compiled output has the edit.
    await build();
    expect(await isCurrent()).toBe(true);
    expect(readFileSync(compiledCli, 'utf8')).toContain('Edited source');

    // A migration added (no existing file changed) makes it stale too, and so does removing it again.
    const added = join(project, 'migrations/999_later.ts');
    writeFileSync(added, 'export async function up(): Promise<void> {}\n');
    expect(await isCurrent()).toBe(false);
    rmSync(added);
    expect(await isCurrent()).toBe(false);
  }, 60_000);
});
