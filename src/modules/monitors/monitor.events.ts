/**
 * A monitor's events: each is recorded in the same transaction as the change it reports (the
 * monitor's status, its next `sequence`, its webhook delivery), under an id derived from what it is
 * about, so it is raised once even by two processes or after a restart. Webhooks go through the
 * one delivery engine on a channel of their own, signed exactly like check results (`X-Signature`
 * plus Standard Webhooks with WEBHOOK_SECRET, `webhook-id` = the event id), on the same schedule
 * and with the same attempt log. Listeners in this process hear of an event as soon as it commits;
 * `follow` also reads the table, so a stream sees events raised by another process.
 */
import type { Updateable } from 'kysely';
import type { Clock } from '../../infra/clock.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { JobQueue } from '../../infra/queue/types.ts';
import { type MonitorEventDeliveryPayload, monitorEventDeliveryJob } from '../../jobs.ts';
import { createDeliveryEngine, type DeliveryRecord } from '../webhooks/delivery.engine.ts';
import { resultWebhookScheme } from '../webhooks/signing.ts';
import type { WebhookSender } from '../webhooks/webhook.sender.ts';
import { type DeliveryView, deliveryView } from '../webhooks/webhook.service.ts';
import { createMonitorRepository } from './monitor.repository.ts';
import type { MonitorRow, MonitorsTable } from './monitor.table.ts';
import {
  eventBody,
  eventOf,
  type MonitorEventName,
  type MonitorSnapshot,
  type MonitorStatus,
  monitorEventId,
} from './monitor.ts';

export interface MonitorEventsDeps {
  db: Db;
  queue: JobQueue;
  clock: Clock;
  logger: Logger;
  sender: WebhookSender;
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  /** How often a followed monitor's table rows are read for events raised by other processes. */
  followPollMs: number;
  random?: () => number;
  /**
   * Told of each event inside the transaction that records it (another module's change that must
   * commit with the event, or not at all); what it returns runs after the commit (e.g. dispatching
   * an outbox row it wrote, which that outbox's sweep also covers if the process dies first).
   */
  onRaised?: (tx: Db, raised: RaisedEvent) => Promise<(() => Promise<void>) | null>;
}

/** An event as `onRaised` hears of it: the monitor as it is after the event. */
export interface RaisedEvent {
  monitor: MonitorRow;
  event: MonitorEventName;
  eventId: string;
  occurredAt: number;
  status: MonitorStatus;
  snapshot: MonitorSnapshot;
}

export interface RaiseInput {
  event: MonitorEventName;
  /** What the event is about (an alert's limit, level and day; a stale spell's start); see monitorEventId. */
  subject?: string;
  occurredAt: number;
  /** The status the monitor has after the event. */
  status: MonitorStatus;
  snapshot: MonitorSnapshot;
  /** Other columns changed with the event (credentials erased, the lease given up, …). */
  patch?: Updateable<MonitorsTable>;
  /** Which statuses the event may follow, and the lease holder that raises it (a live process). */
  guard: { owner?: string; statuses: readonly MonitorStatus[] };
}

/**
 * raised: recorded now. duplicate: recorded before (same event id): nothing to do. moved: the
 * monitor changed under the caller (another event, a stop, a lost lease): reread it and decide again.
 */
export type RaiseOutcome =
  | { result: 'raised'; row: MonitorRow; sequence: number }
  | { result: 'duplicate' }
  | { result: 'moved' };

export interface FollowedEvent {
  event: string;
  sequence: number;
  body: Record<string, unknown>;
}

export function createMonitorEvents(deps: MonitorEventsDeps) {
  const { clock } = deps;
  const repo = createMonitorRepository(deps.db);
  const engine = createDeliveryEngine({
    db: deps.db,
    clock,
    logger: deps.logger,
    maxAttempts: deps.maxAttempts,
    timeoutMs: deps.timeoutMs,
    ...(deps.random ? { random: deps.random } : {}),
    channel: {
      name: 'monitor',
      idPrefix: 'evt',
      logName: 'monitor event',
      sign: resultWebhookScheme(deps.secret),
      sender: deps.sender,
      queueAttempt: (deliveryId, attempt, options) =>
        deps.queue.enqueue(
          monitorEventDeliveryJob,
          { delivery_id: deliveryId, attempt },
          { ...options, maxAttempts: 1 },
        ),
    },
  });
  /** Local listeners by monitor id. */
  const listeners = new Map<string, Set<() => void>>();

  function notify(monitorId: string): void {
    for (const wake of listeners.get(monitorId) ?? []) wake();
  }

  return {
    /** Records an event with the monitor's change, then queues its webhook. */
    async raise(row: MonitorRow, input: RaiseInput): Promise<RaiseOutcome> {
      const eventId = monitorEventId(row.id, input.event, input.subject);
      const sequence = row.sequence + 1;
      const now = clock.now();
      const body = eventBody(row, {
        event: input.event,
        eventId,
        sequence,
        occurredAt: input.occurredAt,
        status: input.status,
        snapshot: input.snapshot,
        now,
      });
      const payload = JSON.stringify(body);
      const patch: Updateable<MonitorsTable> = {
        ...input.patch,
        status: input.status,
        snapshot: JSON.stringify(input.snapshot),
        updated_at: now,
      };
      let deliveryId: string | null = null;
      let afterCommit: (() => Promise<void>) | null = null;
      try {
        const moved = await deps.db.transaction().execute(async (tx) => {
          if (!(await repo.advance(tx, row.id, row.sequence, patch, input.guard))) return true;
          await repo.insertEvent(
            {
              id: eventId,
              monitor_id: row.id,
              sequence,
              event: input.event,
              occurred_at: input.occurredAt,
              payload,
              created_at: now,
            },
            tx,
          );
          if (row.callback_url)
            deliveryId = await engine.create(tx, {
              id: eventId,
              url: row.callback_url,
              event: input.event,
              tenantId: row.tenant_id,
              payload,
            });
          if (deps.onRaised)
            afterCommit = await deps.onRaised(tx, {
              monitor: { ...row, ...(patch as Partial<MonitorRow>), sequence },
              event: input.event,
              eventId,
              occurredAt: input.occurredAt,
              status: input.status,
              snapshot: input.snapshot,
            });
          return false;
        });
        if (moved) return { result: 'moved' };
      } catch (err) {
        if (isUniqueViolation(err)) return { result: 'duplicate' };
        throw err;
      }
      deps.logger.info({ monitorId: row.id, event: input.event, eventId, sequence }, 'monitor event');
      if (deliveryId)
        await engine
          .dispatch(deliveryId)
          .catch((err: Error) =>
            deps.logger.error({ err: err.message, eventId }, 'could not queue monitor event; the sweeper will retry'),
          );
      if (afterCommit)
        await (afterCommit as () => Promise<void>)().catch((err: Error) =>
          deps.logger.error({ err: err.message, eventId }, 'the follow-up of a monitor event failed after its commit'),
        );
      notify(row.id);
      return { result: 'raised', row: { ...row, ...(patch as Partial<MonitorRow>), sequence }, sequence };
    },

    /**
     * Calls `onEvent` with each event of a monitor after `afterSequence`, in order, as they are
     * recorded (at once in this process, within `followPollMs` from another). Returns how to stop.
     */
    follow(monitorId: string, afterSequence: number, onEvent: (e: FollowedEvent) => void): () => void {
      let cursor = afterSequence;
      let reading: Promise<void> | null = null;
      let again = false;
      let stopped = false;
      const read = (): void => {
        if (stopped) return;
        if (reading) {
          again = true;
          return;
        }
        reading = (async () => {
          try {
            for (;;) {
              const rows = await repo.eventsAfter(monitorId, cursor, 500);
              for (const r of rows) {
                if (stopped) return;
                cursor = r.sequence;
                onEvent(eventOf(r));
              }
              if (rows.length < 500) break;
            }
          } catch (err) {
            deps.logger.warn({ err: (err as Error).message, monitorId }, 'could not read monitor events');
          }
        })().finally(() => {
          reading = null;
          if (again) {
            again = false;
            read();
          }
        });
      };
      let set = listeners.get(monitorId);
      if (!set) {
        set = new Set();
        listeners.set(monitorId, set);
      }
      set.add(read);
      const timer = setInterval(read, deps.followPollMs);
      timer.unref();
      read();
      return () => {
        stopped = true;
        clearInterval(timer);
        set.delete(read);
        if (set.size === 0) listeners.delete(monitorId);
      };
    },

    eventsAfter: (monitorId: string, sequence: number, limit = 500) =>
      repo.eventsAfter(monitorId, sequence, limit).then((rows) => rows.map(eventOf)),

    /** The work of monitorEventDeliveryJob. */
    handleAttempt(payload: MonitorEventDeliveryPayload): Promise<void> {
      return engine.runAttempt(payload.delivery_id, payload.attempt);
    },

    /** An event's delivery with its attempt log (the delivery id is the event id). */
    delivery: (eventId: string): Promise<DeliveryRecord | null> => engine.find(eventId),

    /** The webhook deliveries of a monitor's events, oldest event first, with their attempt logs. */
    async deliveries(
      monitorId: string,
    ): Promise<Array<{ event_id: string; event: string; sequence: number } & DeliveryView>> {
      const out: Array<{ event_id: string; event: string; sequence: number } & DeliveryView> = [];
      for (const e of await repo.eventsAfter(monitorId, 0, 1000)) {
        const found = await engine.find(e.id);
        if (found)
          out.push({ event_id: e.id, event: e.event, sequence: e.sequence, ...deliveryView(found, deps.maxAttempts) });
      }
      return out;
    },

    /** Re-queues monitor events whose queue job was lost. */
    sweep: (): Promise<number> => engine.sweep(),
  };
}

export type MonitorEvents = ReturnType<typeof createMonitorEvents>;
