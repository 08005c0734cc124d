/** loadConfig → createDeps → createApp → listen; SIGTERM/SIGINT drain http, queue, db. */
import { createApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { createDeps, type Deps } from './deps.ts';
import { type MonitorThreads, startMonitorThreads } from './monitor-threads.ts';
import { type RunningWorkers, startWorkers } from './worker.ts';

export async function serve(options: { workers?: boolean } = {}): Promise<void> {
  const config = loadConfig();
  const deps = await createDeps(config);
  const app = await createApp(deps);
  const runWorkers = options.workers ?? config.RUN_WORKERS;
  const workers: RunningWorkers | null = runWorkers ? await startWorkers(deps) : null;
  const threads = config.RUN_MONITORS ? startMonitors(deps, config) : null;
  await app.listen({ host: config.HOST, port: config.PORT });
  deps.logger.info(
    {
      url: `http://localhost:${config.PORT}`,
      database: deps.dbHandle.location,
      queue: deps.queue.kind,
      workers: runWorkers ? config.WORKER_CONCURRENCY : 0,
      monitors: config.RUN_MONITORS ? (threads ? `${threads.count} threads` : 'event loop') : false,
    },
    'brymix is serving',
  );
  installShutdown(deps.logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
    await app.close();
    await threads?.stop();
    await deps.monitorRuntime.stop();
    await workers?.stop(config.SHUTDOWN_TIMEOUT_MS);
    await deps.close();
  });
}

/**
 * Starts watching the monitors: on MONITOR_THREADS worker threads, or on the event loop when it is 0
 * or the database is SQLite in memory (which another thread's connection cannot open).
 * Returns the threads, or null when the event loop watches.
 */
export function startMonitors(deps: Deps, config: Config): MonitorThreads | null {
  // Not awaited: the API answers while the threads load (they claim the monitors once up).
  if (config.MONITOR_THREADS > 0 && deps.dbHandle.location !== ':memory:')
    return startMonitorThreads(deps, config, config.MONITOR_THREADS);
  deps.monitorRuntime.start();
  return null;
}

export async function runWorker(): Promise<void> {
  const config = loadConfig();
  const deps = await createDeps(config);
  const workers = await startWorkers(deps);
  deps.logger.info(
    { database: deps.dbHandle.location, queue: deps.queue.kind, concurrency: config.WORKER_CONCURRENCY },
    'brymix worker started',
  );
  installShutdown(deps.logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
    await workers.stop(config.SHUTDOWN_TIMEOUT_MS);
    await deps.close();
  });
}

/**
 * The live monitors process alone (`brymix monitor-worker`): watches the monitors whose leases it
 * holds. Event webhooks it raises are queued for the workers (`brymix worker`, or `serve`'s).
 */
export async function runMonitorWorker(): Promise<void> {
  const config = loadConfig();
  const deps = await createDeps(config);
  deps.monitorRuntime.start();
  deps.logger.info(
    { database: deps.dbHandle.location, queue: deps.queue.kind, owner: deps.monitorRuntime.owner },
    'brymix monitor worker started',
  );
  installShutdown(deps.logger, config.SHUTDOWN_TIMEOUT_MS, async () => {
    await deps.monitorRuntime.stop();
    await deps.close();
  });
}

function installShutdown(
  logger: { info: (o: object, m: string) => void; error: (o: object, m: string) => void },
  timeoutMs: number,
  drain: () => Promise<void>,
): void {
  let closing = false;
  const onSignal = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: draining requests and running jobs');
    const force = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs + 5_000);
    force.unref();
    drain()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
