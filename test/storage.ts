/** Test configuration and throw-away storage (SQLite dir, PostgreSQL schema, Redis prefix). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Config, loadConfig } from '../src/config.ts';

export const TEST_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
export const TEST_CREDENTIALS_KEY = randomBytes(32).toString('base64url');

export const servicesMode = Boolean(process.env.DATABASE_URL);

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    envFile: false,
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      CREDENTIALS_KEY: TEST_CREDENTIALS_KEY,
      QUEUE_POLL_MS: '20',
      QUEUE_LEASE_MS: '2000',
      CALLBACK_ALLOW_CIDRS: '127.0.0.0/8,::1/128',
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      ...env,
    },
  });
}

export interface StackStorage {
  dataDir: string;
  pgSchema: string;
  redisPrefix: string;
}

export function newStorage(): StackStorage {
  const tag = randomBytes(6).toString('hex');
  return {
    dataDir: mkdtempSync(join(tmpdir(), 'brymix-test-')),
    pgSchema: `t_${tag}`,
    redisPrefix: `brymix-test-${tag}`,
  };
}

export async function dropStorage(storage: StackStorage): Promise<void> {
  rmSync(storage.dataDir, { recursive: true, force: true });
  if (servicesMode && process.env.DATABASE_URL) {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${storage.pgSchema}" cascade`);
    } finally {
      await client.end();
    }
  }
}

/** DATABASE_URL pinned to the storage's schema, for child processes (CLI, server) in services mode. */
export function schemaDatabaseUrl(storage: StackStorage): string {
  const base = process.env.DATABASE_URL!;
  return `${base}${base.includes('?') ? '&' : '?'}options=-c%20search_path%3D${storage.pgSchema}`;
}

/** Creates the storage's PostgreSQL schema (child processes connect with search_path only). */
export async function ensureSchema(storage: StackStorage): Promise<void> {
  if (!servicesMode) return;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`create schema if not exists "${storage.pgSchema}"`);
  } finally {
    await client.end();
  }
}

/** A TCP port free on loopback right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
