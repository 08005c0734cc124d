/** createApp(deps): plugins, one register() per module, error handling. No I/O of its own. */

import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Deps } from './deps.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { refuseNulCharacters } from './http/nul-guard.ts';
import { documentSecurity, SECURITY_SCHEMES } from './http/openapi-security.ts';
import { lazyChildLoggerFactory } from './http/request-logger.ts';
import { systemRoutes } from './http/system.routes.ts';
import { newId } from './infra/crypto/index.ts';
import { accountsPlugin } from './modules/accounts/accounts.plugin.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { checkRoutes } from './modules/checks/check.routes.ts';
import { crmPlugin } from './modules/crm/crm.plugin.ts';
import { monitorRoutes } from './modules/monitors/monitor.routes.ts';
import { platformRoutes } from './modules/platform/platform.routes.ts';
import { staffRoutes } from './modules/staff/staff.routes.ts';
import { widgetRoutes } from './modules/widgets/widget.routes.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
// The project root: one level up from src/app.ts, two from the compiled dist/src/app.js.
const ROOT = new URL(import.meta.url.endsWith('.ts') ? '../' : '../../', import.meta.url);
const WEB_DIR = fileURLToPath(new URL('web/', ROOT));
const LIGHTWEIGHT_CHARTS_DIR = fileURLToPath(new URL('node_modules/lightweight-charts/dist/', ROOT));

const ACCESS_LOGGED = /^\/api\/(account|widgets)\//;

export async function createApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.BODY_LIMIT_BYTES,
    // Accept a caller's request id when it is sane, otherwise make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req', 16);
    },
    childLoggerFactory: lazyChildLoggerFactory,
    // The account API and widget feeds write every request to the access log (who, what, status,
    // latency); repeating each in the process log at thousands a second would only be noise.
    // Their errors are still logged.
    logController: new LogController({
      disableRequestLogging: (req: { url?: string }) => ACCESS_LOGGED.test(req.url ?? ''),
    }),
    trustProxy: deps.config.TRUST_PROXY_CIDRS.length > 0 ? [...deps.config.TRUST_PROXY_CIDRS] : false,
    ajv: { customOptions: { removeAdditional: false } },
    ...(deps.tls ? { https: deps.tls } : {}),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // An empty JSON body is "no body", so POSTs without a payload (redeliver) work.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = new Error('invalid JSON') as Error & { code: string; statusCode: number };
      err.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      err.statusCode = 400;
      done(err, undefined);
    }
  });

  // Callback-style hooks: on every request, so no promise per hook.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });

  registerErrorHandling(app);
  // Before any route's validation: a NUL in a path, query or body value is refused naming it.
  app.addHook('preValidation', refuseNulCharacters);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Brymix API',
        version: '1.0.0',
        description:
          'Brymix: the challenge checker (results by signed webhook or by polling), the read-only account data API ' +
          'and widget feeds, and the CRM with its service API and site webhooks. Each route names how it authenticates.',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Browser pages' assets: web/ at /static/, and the charting library from node_modules.
  await app.register(fastifyStatic, {
    root: WEB_DIR,
    prefix: '/static/',
    decorateReply: true,
    index: false,
    maxAge: 300_000,
  });
  app.get('/static/vendor/lightweight-charts.js', { schema: { hide: true } }, (_request, reply) =>
    reply.sendFile('lightweight-charts.standalone.production.js', LIGHTWEIGHT_CHARTS_DIR, { maxAge: 86_400_000 }),
  );

  documentSecurity(app);
  // Open SSE streams would keep close() waiting for ever: end them; clients reconnect by themselves.
  app.addHook('preClose', async () => deps.sseHub.close());

  const { clock, keys, staff, audit, sseHub: hub, accountFeed: feed, accessLog, widgets } = deps;
  await app.register(systemRoutes(deps));
  await app.register(checkRoutes({ checks: deps.checks, keys, reportMaxBytes: deps.config.REPORT_MAX_BYTES }));
  await app.register(monitorRoutes({ monitors: deps.monitors, keys, hub }));
  await app.register(
    accountsPlugin({
      keys,
      accounts: deps.accounts,
      access: deps.accountAccess,
      feed,
      accessLog,
      widgets,
      hub,
      clock,
      staff,
    }),
  );
  await app.register(widgetRoutes({ widgets, feed, hub, clock, accessLog }));
  await app.register(staffRoutes({ staff, secureCookies: deps.site.secureCookies }));
  await app.register(auditRoutes({ audit, staff }));
  await app.register(
    crmPlugin({
      crm: deps.crm,
      siteWebhooks: deps.siteWebhooks,
      serviceTokens: deps.serviceTokens,
      window: deps.window,
      audit,
      staff,
      serviceRatePerMinute: deps.config.SERVICE_API_RATE_PER_MINUTE,
    }),
  );
  await app.register(platformRoutes({ platform: deps.platform, secureCookies: deps.site.secureCookies }));
  return app;
}
