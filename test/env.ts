/**
 * The test process's environment, read in one place outside src/ (where only src/config.ts may
 * read process.env): which services the suite runs against, and the minimal environment a child
 * process (./bin/brymix, a guide's script) starts with.
 */
import { type StackStorage, schemaDatabaseUrl, servicesMode } from './storage.ts';

/** REDIS_URL when the suite runs against Redis (npm run test:services), else undefined. */
export const testRedisUrl: string | undefined = process.env.REDIS_URL || undefined;

/** A variable of the test process's environment (e.g. to save and restore it around a test). */
export function parentEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/**
 * The environment of a ./bin/brymix child: PATH and HOME only, silent logs, and in services mode
 * this test's own PostgreSQL schema and Redis prefix, as a deployment would run it.
 */
export function cliChildEnv(storage: StackStorage, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'silent' };
  if (servicesMode) env.DATABASE_URL = schemaDatabaseUrl(storage);
  if (testRedisUrl) Object.assign(env, { REDIS_URL: testRedisUrl, REDIS_PREFIX: storage.redisPrefix });
  return { ...env, ...extra };
}
