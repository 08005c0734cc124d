/**
 * The services a CLI command uses: the server's own composition root (`createDeps`), so a command
 * sees the same connectors (MT5_SERVERS_FILE), database, queue and settings as `brymix serve`.
 * No HTTP and no workers: createDeps starts neither; `serve` and `worker` start their own.
 */
import { loadConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import { createLogger } from '../infra/logger.ts';

export async function withDeps<T>(fn: (deps: Deps) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  // Loaded on use: `check` and `report` need no services and start without them.
  const { createDeps } = await import('../deps.ts');
  // Logs go to stderr: stdout carries the command's output (`--json | jq`).
  const deps = await createDeps(config, {
    logger: createLogger(config.LOG_LEVEL, process.stderr),
    ...(options.migrate === false ? { migrate: false } : {}),
  });
  try {
    return await fn(deps);
  } finally {
    await deps.close();
  }
}
