import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: false, listen: true });
});
afterAll(() => stack.close());

describe('account API access log', () => {
  it('records a request whose client hung up (request.ip undefined) with an empty ip instead of throwing', async () => {
    const log = stack.deps.accessLog;
    // What Fastify hands over once the socket is gone: request.ip reads socket.remoteAddress.
    const gone = await new Promise<string | undefined>((resolve) => {
      stack.app.server.once('request', (req) => req.socket.once('close', () => resolve(req.socket.remoteAddress)));
      const { port } = new URL(stack.url);
      const s = connect(Number(port), '127.0.0.1', () => s.end('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.on('data', () => s.destroy());
    });
    expect(gone).toBeUndefined();

    expect(() =>
      log.record({
        at: 1_764_547_200_000,
        request_id: 'req_hungup_0001',
        actor: 'widget',
        key_id: null,
        tenant_id: null,
        widget_id: null,
        account_id: null,
        method: 'GET',
        route: '/api/widgets/stream',
        status: 404,
        ip: gone as unknown as string,
        forwarded_for: null,
        latency_ms: 0,
        reason: 'unknown or revoked widget token',
      }),
    ).not.toThrow();
    const { items } = await log.query({ route: '/api/widgets/stream' });
    expect(items).toEqual([
      expect.objectContaining({
        request_id: 'req_hungup_0001',
        ip: '',
        status: 404,
        reason: 'unknown or revoked widget token',
      }),
    ]);
  });
});
