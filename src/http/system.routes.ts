/** Health, readiness and Prometheus metrics. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import { safeEqual, sha256Hex } from '../infra/crypto/index.ts';
import type { GroupCommitStats } from '../infra/db/group-commit.ts';
import type { DbHandle } from '../infra/db/index.ts';
import type { Metrics } from '../infra/metrics.ts';
import type { JobQueue } from '../infra/queue/types.ts';
import { sendProblem } from './error-handler.ts';
import { AppError } from './errors.ts';
import { ipAllowed } from './ip-allowlist.ts';

/**
 * Who may read /metrics (route names, request counts, queue depths — an operator's view): a client
 * address inside METRICS_ALLOW_CIDRS (loopback by default), or anyone presenting METRICS_TOKEN as a
 * Bearer token. A presented token that does not match is refused even from an allowed address.
 */
function metricsAccess(config: Pick<Config, 'METRICS_ALLOW_CIDRS' | 'METRICS_TOKEN'>) {
  const token = config.METRICS_TOKEN;
  // Compared as SHA-256 digests: equal lengths, so neither content nor length shows in the timing.
  const tokenDigest = token === undefined ? undefined : sha256Hex(token);
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    const header = request.headers.authorization;
    const presented =
      token !== undefined && typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
    if (presented !== undefined) {
      if (safeEqual(sha256Hex(presented), tokenDigest!)) done();
      else refuse(request, reply, 'The metrics token is not valid');
      return;
    }
    if (config.METRICS_ALLOW_CIDRS.length > 0 && ipAllowed(request.ip, config.METRICS_ALLOW_CIDRS)) {
      done();
      return;
    }
    if (token !== undefined) {
      refuse(
        request,
        reply,
        'Send Authorization: Bearer <METRICS_TOKEN>, or read /metrics from an address in METRICS_ALLOW_CIDRS',
      );
      return;
    }
    void sendProblem(
      request,
      reply,
      new AppError('forbidden', 'Metrics are served only to addresses in METRICS_ALLOW_CIDRS'),
    );
  };
}

function refuse(request: FastifyRequest, reply: FastifyReply, detail: string): void {
  reply.header('www-authenticate', 'Bearer realm="metrics"');
  void sendProblem(request, reply, new AppError('unauthorized', detail));
}

export interface SystemRoutesDeps {
  config: Pick<Config, 'METRICS_ALLOW_CIDRS' | 'METRICS_TOKEN'>;
  metrics: Metrics;
  queue: Pick<JobQueue, 'stats'>;
  /** SQLite's group-commit figures, counted into /metrics. */
  dbHandle?: Pick<DbHandle, 'commitStats'>;
  /** Whether the database and the queue answer (/readyz). */
  ready(): Promise<{ db: boolean; queue: boolean }>;
}

export function systemRoutes(deps: SystemRoutesDeps): FastifyPluginAsyncZod {
  let counted: GroupCommitStats = { commits: 0, units: 0 };
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['system'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

    app.get(
      '/readyz',
      { schema: { tags: ['system'], summary: 'Readiness: database and queue reachable' } },
      async (_request, reply) => {
        const r = await deps.ready();
        const ok = r.db && r.queue;
        return reply.code(ok ? 200 : 503).send({
          status: ok ? 'ready' : 'unavailable',
          checks: { database: r.db ? 'ok' : 'down', queue: r.queue ? 'ok' : 'down' },
        });
      },
    );

    app.get('/metrics', { schema: { hide: true }, onRequest: metricsAccess(deps.config) }, async (_request, reply) => {
      try {
        const s = await deps.queue.stats();
        for (const [state, n] of Object.entries(s)) deps.metrics.queueDepth.set({ state }, n);
      } catch {
        // queue stats are best effort; the rest of the metrics still answer
      }
      const commits = deps.dbHandle?.commitStats?.();
      if (commits) {
        deps.metrics.sqliteCommits.inc(commits.commits - counted.commits);
        deps.metrics.sqliteCommitCallers.inc(commits.units - counted.units);
        counted = commits;
      }
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
  };
}
