/**
 * One live monitors runtime on a worker thread of `brymix serve` (monitor-threads.ts starts it):
 * the thread opens its own connection to the same database and runs a runtime on it: on SQLite it
 * takes its part of the monitors (the process is the database's only one), on PostgreSQL it shares
 * them by leases with the other threads and processes, as a `brymix monitor-worker` does.
 * It tells the main thread what the main thread's API and metrics need: its counts every second,
 * that an event was queued (so the main thread's queue sends it now, not at its next poll), and a
 * watched monitor's figures when the API asks for them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from './config.ts';
import { createDeps, type Deps } from './deps.ts';
import type { MonitorRow } from './modules/monitors/monitor.table.ts';
import type { LiveFigures } from './modules/monitors/monitor.ts';

/** Main thread → monitor thread. */
export type ToMonitorThread =
  | { type: 'started' }
  | { type: 'stopped'; id: string }
  | { type: 'live'; req: number; row: MonitorRow }
  | { type: 'stop' };

/** What a monitor thread counted since its last report (the main thread adds it to its metrics). */
export interface MonitorThreadCounts {
  readings: Record<string, number>;
  overdue: number;
  events: Record<string, number>;
  watched: number;
  /** The thread's own V8 heap and array buffers, in bytes. */
  memory: { heapUsed: number; heapTotal: number; arrayBuffers: number };
}

/** Monitor thread → main thread. */
export type FromMonitorThread =
  | { type: 'ready'; owner: string }
  | { type: 'counts'; counts: MonitorThreadCounts }
  | { type: 'queued' }
  | { type: 'live'; req: number; figures: LiveFigures | null }
  | { type: 'stopped' };

const port = parentPort!;
const post = (m: FromMonitorThread) => port.postMessage(m);
const { config, storage, index, count } = workerData as {
  config: Config;
  storage: Deps['storage'];
  /** This thread's part of the monitors on SQLite (monitor.repository.ts inPartition). */
  index: number;
  count: number;
};

const deps = await createDeps(config, {
  ...storage,
  migrate: false,
  // An event's delivery is queued in this thread's transaction; the main thread's queue runs it now.
  monitorThread: { onEvent: () => post({ type: 'queued' }), index, count },
});
const runtime = deps.monitorRuntime;

/** The counters' values at the last report: each report sends what was added since. */
const sent = new Map<string, number>();
async function report(): Promise<void> {
  const m = deps.metrics;
  const since = (key: string, value: number) => {
    const d = value - (sent.get(key) ?? 0);
    sent.set(key, value);
    return d;
  };
  const readings: Record<string, number> = {};
  for (const v of (await m.monitorReadings.get()).values)
    readings[String(v.labels.result)] = since(`r:${v.labels.result}`, v.value);
  const events: Record<string, number> = {};
  for (const v of (await m.monitorEvents.get()).values)
    events[String(v.labels.event)] = since(`e:${v.labels.event}`, v.value);
  const overdue = since(
    'overdue',
    (await m.monitorReadsOverdue.get()).values.reduce((s, v) => s + v.value, 0),
  );
  const { heapUsed, heapTotal, arrayBuffers } = process.memoryUsage();
  post({
    type: 'counts',
    counts: {
      readings,
      overdue,
      events,
      watched: runtime.stats().monitors,
      memory: { heapUsed, heapTotal, arrayBuffers },
    },
  });
}
const reporter = setInterval(() => void report().catch(() => undefined), 1_000);

port.on('message', (m: ToMonitorThread) => {
  if (m.type === 'started') runtime.claimSoon();
  else if (m.type === 'stopped') runtime.drop(m.id);
  else if (m.type === 'live') post({ type: 'live', req: m.req, figures: runtime.figures(m.row) });
  else if (m.type === 'stop') {
    clearInterval(reporter);
    void (async () => {
      await report().catch(() => undefined);
      await deps.close();
      post({ type: 'stopped' });
      process.exit(0); // ends this thread only
    })();
  }
});

runtime.start();
post({ type: 'ready', owner: runtime.owner });
