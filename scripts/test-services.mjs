#!/usr/bin/env node
// npm run test:services — the whole suite again on PostgreSQL + Redis. Starts them when they
// are installed locally but stopped; DATABASE_URL / REDIS_URL may point elsewhere.
import { execSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import net from 'node:net';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url, fallbackPort) {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || fallbackPort) });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function ensure(name, url, port, start) {
  if (await reachable(url, port)) return;
  console.log(`test:services: ${name} is not answering on ${new URL(url).host}; starting it`);
  try {
    execSync(start, { stdio: 'inherit', shell: '/bin/bash' });
  } catch {
    console.error(`test:services: could not start ${name}`);
  }
  for (let i = 0; i < 30; i++) {
    if (await reachable(url, port)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.error(`test:services: ${name} is still not reachable at ${new URL(url).host}`);
  process.exit(1);
}

let pgVersion = '';
try {
  pgVersion = readdirSync('/etc/postgresql')[0] ?? '';
} catch {
  /* not installed here */
}
await ensure('PostgreSQL', DATABASE_URL, 5432, `pg_ctlcluster --skip-systemctl-redirect ${pgVersion} main start`);
await ensure(
  'Redis',
  REDIS_URL,
  6379,
  'mkdir -p /var/lib/redis /var/log/redis && redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
);

const r = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL, REDIS_URL },
});
if (r.status !== 0) process.exit(r.status ?? 1);

// Then the outage test with the real thing: stop and start the local PostgreSQL cluster under load
// (alone, since every other test shares that server). Only when the cluster is this machine's own.
const local = ['127.0.0.1', 'localhost', '::1'].includes(new URL(DATABASE_URL).hostname);
if (process.argv.length <= 2 && local && pgVersion && spawnSync('which', ['pg_ctlcluster']).status === 0) {
  console.log('test:services: stopping and starting the local PostgreSQL under load');
  const restart = spawnSync('npx', ['vitest', 'run', 'test/database-outage.test.ts'], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL, REDIS_URL, BRYMIX_TEST_PG_RESTART: '1' },
  });
  await ensure('PostgreSQL', DATABASE_URL, 5432, `pg_ctlcluster --skip-systemctl-redirect ${pgVersion} main start`);
  process.exit(restart.status ?? 1);
}
process.exit(0);
