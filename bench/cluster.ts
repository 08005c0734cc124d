/**
 * Brymix as deployed, on this machine, for benches: one `brymix serve` without in-process workers
 * plus `workers` × `brymix worker`, each its own process on PostgreSQL (DATABASE_URL, in a schema of
 * its own) and Redis (REDIS_URL, a prefix of its own), as bin/brymix runs them; with `workers` 0,
 * one `brymix serve` with its workers in-process (embedded on SQLite when DATABASE_URL is unset), so
 * the server's CPU is measured apart from the bench's own.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
// @ts-expect-error: a plain .mjs script without types
import { isCurrent } from '../scripts/compiled.mjs';
import { dropStorage, ensureSchema, freePort, newStorage, schemaDatabaseUrl } from '../test/storage.ts';

const BIN = resolve('bin/brymix');
const TICKS_PER_SECOND = 100; // Linux USER_HZ, the unit of /proc/<pid>/stat's utime and stime

export interface Cluster {
  url: string;
  secret: string;
  createKey(name: string): Promise<string>;
  /** CPU seconds so far (Linux /proc): serve's and the workers' (user + system), and of them the kernel's (system). */
  cpuSeconds(): { serve: number; workers: number; system: number; serveThreads: Record<string, number> };
  close(): Promise<void>;
}

function cpuOf(pid: number): { total: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [user, system] = [Number(fields[11]), Number(fields[12])]; // utime, stime
  return { total: (user + system) / TICKS_PER_SECOND, system: system / TICKS_PER_SECOND };
}

/** CPU seconds of each thread of a process, summed by the thread's name (`/proc/<pid>/task/<tid>/comm`). */
function cpuByThread(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name =
        tid === String(pid) ? 'event loop' : `${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}#${tid}`;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // the thread ended meanwhile
    }
  }
  return byName;
}

export async function startCluster(o: { workers: number; env: Record<string, string> }): Promise<Cluster> {
  if (o.workers > 0 && (!process.env.DATABASE_URL || !process.env.REDIS_URL))
    throw new Error('worker processes need DATABASE_URL and REDIS_URL');
  // Deployed processes run the compiled build: bring dist/ up to date first, as `npm install` would.
  if (!(isCurrent as () => boolean)()) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const storage = newStorage();
  await ensureSchema(storage);
  const port = await freePort();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: storage.dataDir,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: schemaDatabaseUrl(storage) } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    REDIS_PREFIX: storage.redisPrefix,
    WEBHOOK_SECRET: secret,
    CREDENTIALS_KEY: randomBytes(32).toString('base64url'),
    CALLBACK_ALLOW_CIDRS: '127.0.0.0/8',
    RUN_MONITORS: 'false',
    ...o.env,
  };
  let logs = '';
  const children: ChildProcess[] = [];
  const start = (args: string[], extra: Record<string, string> = {}) => {
    const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      env: { ...env, ...extra },
      cwd: storage.dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => {
      if (process.env.BENCH_CHILD_LOG) appendFileSync(process.env.BENCH_CHILD_LOG, d);
      else logs += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    children.push(child);
    return child;
  };
  // A start that fails leaves no process behind.
  const abandon = (message: string): never => {
    for (const c of children) c.kill('SIGKILL');
    throw new Error(`${message}:\n${logs.slice(-2000)}`);
  };
  const serve = start(['serve'], { RUN_WORKERS: o.workers === 0 ? 'true' : 'false' });
  const url = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 30_000; ; ) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > end || serve.exitCode !== null) abandon('serve did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const workers = Array.from({ length: o.workers }, () => start(['worker']));
  // No wait for the workers: the bench's warm-up checks finish only once they run.
  await new Promise((r) => setTimeout(r, 500));
  const dead = workers.find((w) => w.exitCode !== null);
  if (dead) abandon('a worker exited at start');

  return {
    url,
    secret,
    createKey: (name) =>
      new Promise((res, rej) => {
        const c = spawn(process.execPath, [BIN, 'keys', 'create', name], { env, cwd: storage.dataDir });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', (code) =>
          code === 0 ? res(out.trim().split('\n').at(-1)!) : rej(new Error(`keys create exited ${code}`)),
        );
      }),
    cpuSeconds: () => {
      const all = [serve, ...workers].map((c) => cpuOf(c.pid!));
      return {
        serve: all[0]!.total,
        workers: all.slice(1).reduce((sum, c) => sum + c.total, 0),
        system: all.reduce((sum, c) => sum + c.system, 0),
        serveThreads: cpuByThread(serve.pid!),
      };
    },
    async close() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise((r) => {
              if (c.exitCode !== null) return r(undefined);
              c.once('exit', r);
              c.kill('SIGTERM');
            }),
        ),
      );
      if (process.env.REDIS_URL) {
        const redis = new Redis(process.env.REDIS_URL);
        const keys = await redis.keys(`${storage.redisPrefix}:*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      }
      await dropStorage(storage);
    },
  };
}
