/**
 * Cold start to ready: `node bin/brymix serve` in an empty directory (no .env, no database: the
 * first start after a fresh clone generates its secrets and applies every migration), timed from
 * spawn to the first 200 from /readyz. Each run is a new directory and a new process, with that
 * directory as TMPDIR, so tsx (when it runs the sources) starts without its transpile cache too.
 *
 *   npm run bench:startup                        # whatever bin/brymix picks (compiled when built)
 *   BRYMIX_FROM_SOURCE=1 npm run bench:startup   # force the TypeScript sources through tsx
 *
 * Options (env): BENCH_RUNS (default 5). Prints each run and the median.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BIN = fileURLToPath(new URL('../bin/brymix', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function once(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'brymix-startup-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: dir,
    env: { ...process.env, TMPDIR: dir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    for (;;) {
      if (exited) throw new Error(`brymix serve exited before it was ready:\n${stderr}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error(`not ready after 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    if (!exited) await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const ms = await once();
  times.push(ms);
  console.log(`run ${i + 1}: ${ms.toFixed(0)} ms`);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`ready (/readyz 200) after: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms (median of ${RUNS})`);
