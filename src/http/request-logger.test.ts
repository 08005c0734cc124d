import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../infra/logger.ts';
import { lazyChildLoggerFactory } from './request-logger.ts';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger(level, sink) };
}

async function appWith(level: string) {
  const { lines, logger } = capture(level);
  const app = Fastify({
    loggerInstance: logger,
    childLoggerFactory: lazyChildLoggerFactory,
    disableRequestLogging: true,
    genReqId: () => 'req_fixed',
  });
  app.get('/info', async (request) => {
    request.log.info({ step: 'info' }, 'an info line');
    return { ok: true };
  });
  app.get('/warn', async (request) => {
    request.log.warn({ step: 'warn', password: 'hunter2' }, 'a warning');
    request.log.child({ sub: 1 }).error('from a grandchild');
    return { level: request.log.level };
  });
  await app.ready();
  return { app, lines };
}

describe('lazy per-request logger', () => {
  it('writes what pino would, bound to the request id and with redaction, at enabled levels', async () => {
    const { app, lines } = await appWith('info');
    await app.inject({ url: '/info' });
    await app.inject({ url: '/warn' });
    await app.close();
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['an info line', 'req_fixed'],
      ['a warning', 'req_fixed'],
      ['from a grandchild', 'req_fixed'],
    ]);
    expect(lines[1]!.password).toBe('[redacted]');
    expect(lines[2]!.sub).toBe(1);
  });

  it('drops what the level drops and reports the inherited level', async () => {
    const { app, lines } = await appWith('warn');
    await app.inject({ url: '/info' });
    const r = await app.inject({ url: '/warn' });
    await app.close();
    expect(lines.map((l) => l.msg)).toEqual(['a warning', 'from a grandchild']);
    expect(r.json()).toEqual({ level: 'warn' });
  });
});
