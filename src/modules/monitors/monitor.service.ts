/**
 * Live monitors, the API side: start one (validated as a check is, credentials sealed, idempotent),
 * read one or a page of them, stop one, and its events. The watching itself is monitor.runtime.ts.
 */
import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { canonicalJson } from '../../infra/crypto/canonical-json.ts';
import { newId, type Sealer } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Logger } from '../../infra/logger.ts';
import type { CidrList } from '../../infra/net/cidr.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import { flatRulesSchema } from '../../rules/flat.ts';
import type { RuleSpec } from '../../rules/registry.ts';
import { RuleSetError, resolveRuleSet } from '../../rules/ruleset.ts';
import type { AuthenticatedKey } from '../api-keys/api-key.service.ts';
import { checkCallbackUrl } from '../webhooks/ssrf.ts';
import type { FollowedEvent, MonitorEvents } from './monitor.events.ts';
import { createMonitorRepository, LIVE_STATUSES } from './monitor.repository.ts';
import type { MonitorRequest } from './monitor.schemas.ts';
import type { MonitorRow } from './monitor.table.ts';
import { DEFAULT_ALERTS, type LiveFigures, type MonitorStatus, monitorView, readSnapshot } from './monitor.ts';

export interface MonitorServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  sealer: Sealer;
  connectors: Pick<ConnectorRouter, 'live'>;
  events: MonitorEvents;
  callbackAllow: CidrList;
}

/** Idempotency keys are remembered for a day (Stripe keeps them at least 24 h), as for checks. */
const IDEMPOTENCY_TTL_MS = 86_400_000;

const invalid = (field: string, message: string) =>
  new AppError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });

function encodeCursor(row: MonitorRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof createdAt === 'number' && Number.isFinite(createdAt) && typeof id === 'string') return { createdAt, id };
  } catch {
    // answered below
  }
  throw invalid('cursor', 'is not a cursor this API gave (use next_cursor of the previous page)');
}

export function createMonitorService(deps: MonitorServiceDeps) {
  const repo = createMonitorRepository(deps.db);
  /** Told when a monitor starts or stops, so a live process in this one picks it up or drops it at once. */
  const startedListeners = new Set<(id: string) => void>();
  const stoppedListeners = new Set<(id: string) => void>();
  /**
   * The live runtimes in this one (an in-process runtime, monitor threads): a watched monitor one of
   * them holds is shown with the figures of its last reading instead of the row's, which are saved
   * every MONITOR_SNAPSHOT_MS. Asked in the order they registered; the first that holds it answers.
   */
  const liveSources = new Set<(row: MonitorRow) => LiveFigures | null | Promise<LiveFigures | null>>();
  const liveOf = async (row: MonitorRow): Promise<LiveFigures | null> => {
    if (!(LIVE_STATUSES as readonly string[]).includes(row.status)) return null;
    for (const source of liveSources) {
      const figures = await source(row);
      if (figures) return figures;
    }
    return null;
  };
  const view = async (row: MonitorRow, now: number) => monitorView(row, now, await liveOf(row));

  /** The request's rule set resolved to fully-defaulted specs (flat fields fall back to the firm's defaults). */
  function effectiveRules(request: MonitorRequest, auth: AuthenticatedKey): RuleSpec[] {
    const defaults = auth.ruleDefaults ? flatRulesSchema.safeParse(auth.ruleDefaults) : null;
    try {
      return resolveRuleSet(request.rules, defaults?.success ? defaults.data : {});
    } catch (err) {
      if (!(err instanceof RuleSetError)) throw err;
      const errors = err.issues.map((i) => ({ field: i.path ? `rules.${i.path}` : 'rules', message: i.message }));
      throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    }
  }

  async function owned(auth: AuthenticatedKey, id: string): Promise<MonitorRow> {
    const row = await repo.findForTenant(id, auth.tenantId);
    if (!row) throw new AppError('not_found', `No monitor ${id}`);
    return row;
  }

  return {
    async create(
      auth: AuthenticatedKey,
      request: MonitorRequest,
      idempotencyKey: string | undefined,
    ): Promise<{ monitor_id: string; status: MonitorStatus }> {
      if (idempotencyKey !== undefined && (idempotencyKey.length < 1 || idempotencyKey.length > 255))
        throw invalid('Idempotency-Key', 'must be 1–255 characters');
      if (request.callback_url) {
        const check = checkCallbackUrl(request.callback_url, deps.callbackAllow);
        if (!check.ok) throw invalid('callback_url', check.reason);
      }
      try {
        deps.connectors.live(request.mt5_server);
      } catch {
        throw invalid('mt5_server', 'is not a server Brymix can watch live');
      }
      const rules = effectiveRules(request, auth);
      const alerts = [...(request.alerts ?? DEFAULT_ALERTS)].sort((a, b) => a - b);

      const fingerprint = idempotencyKey ? deps.sealer.fingerprint(canonicalJson(request)) : null;
      const replay = (seen: { request_hash: string; monitor_id: string }) => {
        if (seen.request_hash !== fingerprint)
          throw new AppError('idempotency_mismatch', 'This Idempotency-Key was used with a different request body');
        return { monitor_id: seen.monitor_id, status: 'active' as const };
      };
      if (idempotencyKey) {
        const seen = await repo.findIdempotencyKey(auth.tenantId, idempotencyKey);
        if (seen) return replay(seen);
      }

      const now = deps.clock.now();
      const id = newId('mon', 20);
      const credentials = { login: request.mt5_login, password: request.mt5_password, server: request.mt5_server };
      try {
        await deps.db.transaction().execute(async (tx) => {
          await repo.insert(
            {
              id,
              tenant_id: auth.tenantId,
              key_id: auth.keyId,
              user_id: request.user_id,
              challenge_id: request.challenge_id,
              mt5_login: request.mt5_login,
              mt5_server: request.mt5_server,
              credentials_enc: deps.sealer.seal(JSON.stringify(credentials), id),
              initial_balance: request.initial_balance,
              rules: JSON.stringify(rules),
              alerts: JSON.stringify(alerts),
              callback_url: request.callback_url ?? null,
              status: 'active',
              sequence: 0,
              snapshot: null,
              reader_cursor: null,
              last_observation_at: null,
              connection_state: 'connecting',
              connection_since: now,
              connection_error: null,
              lease_owner: null,
              lease_expires_at: null,
              created_at: now,
              updated_at: now,
              ended_at: null,
            },
            tx,
          );
          if (idempotencyKey)
            await repo.insertIdempotencyKey(
              {
                tenant_id: auth.tenantId,
                key: idempotencyKey,
                request_hash: fingerprint!,
                monitor_id: id,
                created_at: now,
              },
              tx,
            );
        });
      } catch (err) {
        // The same Idempotency-Key committed by a concurrent request: answer as that request did.
        if (idempotencyKey && isUniqueViolation(err)) {
          const seen = await repo.findIdempotencyKey(auth.tenantId, idempotencyKey);
          if (seen) return replay(seen);
        }
        throw err;
      }
      deps.logger.info({ monitorId: id, tenantId: auth.tenantId, server: request.mt5_server }, 'monitor started');
      for (const listener of startedListeners) listener(id);
      return { monitor_id: id, status: 'active' };
    },

    async get(auth: AuthenticatedKey, id: string): Promise<Record<string, unknown>> {
      return view(await owned(auth, id), deps.clock.now());
    },

    async list(
      auth: AuthenticatedKey,
      query: { status?: MonitorStatus | undefined; cursor?: string | undefined; limit: number },
    ): Promise<{ monitors: Array<Record<string, unknown>>; next_cursor: string | null }> {
      const page = await repo.list(auth.tenantId, {
        ...(query.status ? { status: query.status } : {}),
        ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
        limit: query.limit,
      });
      const now = deps.clock.now();
      const last = page.rows.at(-1);
      return {
        monitors: await Promise.all(page.rows.map((r) => view(r, now))),
        next_cursor: page.more && last ? encodeCursor(last) : null,
      };
    },

    /** The tenant's newest monitor of a challenge (its API view), or null when it has none. */
    async ofChallenge(auth: AuthenticatedKey, challengeId: string): Promise<Record<string, unknown> | null> {
      const row = await repo.latestOfChallenge(auth.tenantId, challengeId);
      return row ? view(row, deps.clock.now()) : null;
    },

    /**
     * What the watched monitors of these tenants see of one account (login + server): each one's
     * status and the room used of each loss limit with its floor, newest monitor first.
     */
    async watching(
      tenantIds: string[],
      login: string,
      server: string,
    ): Promise<Array<{ monitor_id: string; status: string; limits: ReturnType<typeof readSnapshot>['limits'] }>> {
      const rows = await repo.watchingAccount(tenantIds, login, server);
      return Promise.all(
        rows.map(async (r) => ({
          monitor_id: r.id,
          status: r.status,
          limits: ((await liveOf(r))?.snapshot ?? readSnapshot(r)).limits,
        })),
      );
    },

    /** Stops a watched monitor: its credentials are erased and monitor.stopped is sent. A monitor already ended stays as it is. */
    async stop(auth: AuthenticatedKey, id: string): Promise<Record<string, unknown>> {
      let row = await owned(auth, id);
      for (let tries = 0; tries < 20 && (LIVE_STATUSES as readonly string[]).includes(row.status); tries++) {
        const now = deps.clock.now();
        const r = await deps.events.raise(row, {
          event: 'monitor.stopped',
          occurredAt: now,
          status: 'stopped',
          snapshot: readSnapshot(row),
          patch: { credentials_enc: null, ended_at: now, lease_owner: null, lease_expires_at: null },
          guard: { statuses: LIVE_STATUSES },
        });
        if (r.result === 'raised') {
          deps.logger.info({ monitorId: id }, 'monitor stopped');
          for (const listener of stoppedListeners) listener(id);
          break;
        }
        row = (await repo.find(id))!;
      }
      return view((await repo.find(id))!, deps.clock.now());
    },

    /** The webhook delivery log of a monitor's events (the same log and view as a check's). */
    async deliveries(auth: AuthenticatedKey, id: string) {
      await owned(auth, id);
      return { monitor_id: id, deliveries: await deps.events.deliveries(id) };
    },

    /** Events of a monitor after `afterSequence` (the SSE stream's backlog). */
    async events(auth: AuthenticatedKey, id: string, afterSequence: number): Promise<FollowedEvent[]> {
      await owned(auth, id);
      return deps.events.eventsAfter(id, afterSequence);
    },

    /**
     * Checks the monitor is the tenant's, then gives how to follow its events (see
     * MonitorEvents.follow): a stream answers 404 before it opens, and follows once it has.
     */
    async followerOf(
      auth: AuthenticatedKey,
      id: string,
    ): Promise<(afterSequence: number, onEvent: (e: FollowedEvent) => void) => () => void> {
      await owned(auth, id);
      return (afterSequence, onEvent) => deps.events.follow(id, afterSequence, onEvent);
    },

    onStarted(listener: (id: string) => void): () => void {
      startedListeners.add(listener);
      return () => startedListeners.delete(listener);
    },

    /** The live process of this one shows its monitors' figures as of their last reading. */
    useLive(source: (row: MonitorRow) => LiveFigures | null | Promise<LiveFigures | null>): () => void {
      liveSources.add(source);
      return () => liveSources.delete(source);
    },

    onStopped(listener: (id: string) => void): () => void {
      stoppedListeners.add(listener);
      return () => stoppedListeners.delete(listener);
    },

    /** The work of monitorEventDeliveryJob. */
    handleAttempt: deps.events.handleAttempt,

    /** Re-queues lost event deliveries; forgets old idempotency keys. */
    async sweep(): Promise<number> {
      const requeued = await deps.events.sweep();
      await repo.pruneIdempotencyKeys(deps.clock.now() - IDEMPOTENCY_TTL_MS);
      return requeued;
    },
  };
}

export type MonitorService = ReturnType<typeof createMonitorService>;
