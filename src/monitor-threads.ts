/**
 * The live monitors of `brymix serve` on worker threads (MONITOR_THREADS), so one process watches
 * on every core: each thread runs a monitor runtime on its own connection to the same database
 * (monitor-thread.ts). On SQLite each takes its part of the monitors; on PostgreSQL they share them
 * by leases, as `brymix monitor-worker` processes do. The main thread keeps the API, the queue and
 * the deliveries; it tells the threads of monitors started and stopped through the API, asks them
 * for a watched monitor's figures, adds their counts to its metrics, and sends an event's webhook
 * as soon as a thread has queued it. A thread that dies is started again: on SQLite it takes its
 * part back at once, on PostgreSQL the live processes share its monitors when its leases run out.
 */
import type { Worker } from 'node:worker_threads';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';
import { startModuleWorker } from './infra/worker-thread.ts';
import type { FromMonitorThread, MonitorThreadCounts, ToMonitorThread } from './monitor-thread.ts';
import { liveQuestions } from './monitor-threads.ask.ts';

export interface MonitorThreads {
  readonly count: number;
  /** Resolves when every thread has started watching. */
  ready: Promise<void>;
  /** Each thread's V8 heap and array buffers as it last reported them (null before its first report). */
  memory(): Array<MonitorThreadCounts['memory'] | null>;
  /** Stops every thread: each gives its leases up and closes its connection. */
  stop(): Promise<void>;
}

interface Slot {
  worker: Worker | null;
  watched: number;
  memory: MonitorThreadCounts['memory'] | null;
}

const RESTART_DELAY_MS = 1_000;
const STOP_TIMEOUT_MS = 15_000;
/** How long the API waits for the threads' figures of a monitor before it shows the saved ones. */
const LIVE_ANSWER_MS = 1_000;

export function startMonitorThreads(deps: Deps, config: Config, count: number): MonitorThreads {
  const slots: Slot[] = Array.from({ length: count }, () => ({ worker: null, watched: 0, memory: null }));
  const questions = liveQuestions(LIVE_ANSWER_MS);
  let stopping = false;
  const readyWaits: Promise<void>[] = [];

  const send = (m: ToMonitorThread) => {
    for (const s of slots) s.worker?.postMessage(m);
  };

  function onMessage(slot: Slot, m: FromMonitorThread): void {
    const metrics = deps.metrics;
    if (m.type === 'queued') deps.queue.nudge?.();
    else if (m.type === 'counts') {
      const c = m.counts;
      for (const [result, n] of Object.entries(c.readings)) if (n > 0) metrics.monitorReadings.inc({ result }, n);
      for (const [event, n] of Object.entries(c.events)) if (n > 0) metrics.monitorEvents.inc({ event }, n);
      if (c.overdue > 0) metrics.monitorReadsOverdue.inc(c.overdue);
      slot.watched = c.watched;
      slot.memory = c.memory;
      metrics.monitorsWatched.set(slots.reduce((sum, s) => sum + s.watched, 0));
    } else if (m.type === 'live') questions.answer(m.req, m.figures);
  }

  function start(slot: Slot, index: number): Promise<void> {
    const heapMb = config.MONITOR_THREAD_HEAP_MB;
    const worker = startModuleWorker(
      import.meta.url,
      './monitor-thread',
      { config, storage: deps.storage, index, count },
      heapMb > 0 ? { maxOldGenerationSizeMb: heapMb } : undefined,
    );
    slot.worker = worker;
    return new Promise<void>((resolve) => {
      worker.on('message', (m: FromMonitorThread) => {
        if (m.type === 'ready') {
          deps.logger.info({ owner: m.owner }, 'monitor thread watching');
          resolve();
        } else onMessage(slot, m);
      });
      worker.on('error', (err: Error & { code?: string }) =>
        deps.logger.error(
          { err: err.message, code: err.code },
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? 'monitor thread ran out of its heap (MONITOR_THREAD_HEAP_MB): raise it, or run more threads'
            : 'monitor thread failed',
        ),
      );
      worker.on('exit', (code) => {
        resolve();
        if (slot.worker !== worker) return;
        slot.worker = null;
        slot.watched = 0;
        // A question the thread will not answer now counts as "not watched here".
        questions.threadGone();
        if (stopping) return;
        deps.logger.error({ code }, 'monitor thread exited; starting another');
        setTimeout(() => {
          if (!stopping) void start(slot, index);
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  for (const [index, slot] of slots.entries()) readyWaits.push(start(slot, index));
  const offStarted = deps.monitors.onStarted(() => send({ type: 'started' }));
  const offStopped = deps.monitors.onStopped((id) => send({ type: 'stopped', id }));
  // A thread too busy to answer soon leaves the API with the saved figures, not waiting.
  const offLive = deps.monitors.useLive((row) =>
    questions.ask(
      slots.flatMap((s) => (s.worker ? [s.worker] : [])),
      row,
    ),
  );

  return {
    count,
    ready: Promise.all(readyWaits).then(() => undefined),
    memory: () => slots.map((s) => s.memory),
    async stop() {
      stopping = true;
      offStarted();
      offStopped();
      offLive();
      await Promise.all(
        slots.map(async (s) => {
          const w = s.worker;
          if (!w) return;
          const exited = new Promise<void>((r) => w.once('exit', () => r()));
          w.postMessage({ type: 'stop' } satisfies ToMonitorThread);
          const timer = setTimeout(() => void w.terminate(), STOP_TIMEOUT_MS);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
