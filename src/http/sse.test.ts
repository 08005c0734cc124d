/** SSE streams of the account API and the widgets, as a client sees them on the wire. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../test/harness.ts';

let stack: TestStack;
let key: string;
let accountId: string;
let widgetToken: string;
beforeAll(async () => {
  stack = await startStack({ workers: false, listen: true });
  const k = await stack.createKey();
  key = k.key;
  const d = stack.deps;
  accountId = (await d.accounts.add({ login: '1001', server: 'Brymix-Demo', password: 'demo', key_id: k.id })).id;
  widgetToken = (await d.widgets.create({ account_id: accountId, kind: 'card' })).token;
});
afterAll(() => stack.close());

/** Asks with a time limit: a stream that never sends its headers fails the test instead of hanging it. */
async function ask(method: 'GET' | 'HEAD', path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}${path}`, { method, headers, signal: AbortSignal.timeout(3_000) });
  return res;
}

describe('SSE streams', () => {
  it.each([
    ['the account stream', () => `/api/account/${accountId}/stream`, () => ({ 'x-api-key': key })],
    ['the widget stream', () => `/api/widgets/stream?token=${widgetToken}`, () => ({})],
  ])(
    'answer HEAD on %s with the stream headers and an empty body at once, holding no subscriber',
    async (_name, path, headers) => {
      const res = await ask('HEAD', path(), headers());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(await res.text()).toBe('');
      await expect.poll(() => stack.deps.sseHub.size, { timeout: 2_000 }).toBe(0);
    },
  );

  it('still stream on GET: the first event is the retry hint, then a snapshot', async () => {
    const controller = new AbortController();
    const res = await fetch(`${stack.url}/api/widgets/stream?token=${widgetToken}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: snapshot')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith('retry: 2000\n\n')).toBe(true);
    expect(stack.deps.sseHub.size).toBe(1);
    controller.abort();
    await expect.poll(() => stack.deps.sseHub.size, { timeout: 2_000 }).toBe(0);
  });
});
