/** Health, readiness and Prometheus metrics. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.ts';

export function systemRoutes(deps: Pick<Deps, 'ready' | 'metrics' | 'queue'>): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', { schema: { tags: ['system'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

    app.get('/readyz', { schema: { tags: ['system'], summary: 'Readiness: database and queue reachable' } }, async (_request, reply) => {
      const r = await deps.ready();
      const ok = r.db && r.queue;
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks: { database: r.db ? 'ok' : 'down', queue: r.queue ? 'ok' : 'down' } });
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      try {
        const s = await deps.queue.stats();
        for (const [state, n] of Object.entries(s)) deps.metrics.queueDepth.set({ state }, n);
      } catch {
        // queue stats are best effort; the rest of the metrics still answer
      }
      return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    });
  };
}
