import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../test/harness.ts';
import { createLogger, redactUrl } from './logger.ts';

describe('redactUrl', () => {
  it('redacts the values of secret-named query parameters and keeps the rest as sent', () => {
    expect(redactUrl('/sso/impersonate?token=eyJ.abc.def')).toBe('/sso/impersonate?token=[redacted]');
    expect(redactUrl('/api/widgets/data?token=wt_1&theme=dark')).toBe('/api/widgets/data?token=[redacted]&theme=dark');
    expect(redactUrl('/x?API_KEY=k&Key=2&access_token=3&page=4&flag')).toBe(
      '/x?API_KEY=[redacted]&Key=[redacted]&access_token=[redacted]&page=4&flag',
    );
    expect(redactUrl('/x?%74oken=raw')).toBe('/x?%74oken=[redacted]');
    expect(redactUrl('/x?%E0%A4%A=1')).toBe('/x?%E0%A4%A=1');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
  });
});

describe('request log lines', () => {
  const lines: string[] = [];
  let stack: TestStack;
  beforeAll(async () => {
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        lines.push(chunk.toString('utf8'));
        callback();
      },
    });
    stack = await startStack({ logger: createLogger('info', sink) });
  });
  afterAll(() => stack.close());

  it('never carry an SSO token, a widget token or an api_key from the query string', async () => {
    const secrets = ['sso-secret-token-123456', 'wt_widget_secret_654321', 'bk_api_key_secret_777'];
    await stack.app.inject({ url: `/sso/impersonate?token=${secrets[0]}` });
    await stack.app.inject({ url: `/console/clients?session=${secrets[1]}&theme=dark` });
    await stack.app.inject({ url: `/api/v1/job/job_x?api_key=${secrets[2]}` });
    const log = lines.join('');
    expect(log).toContain('/sso/impersonate?token=[redacted]');
    expect(log).toContain('theme=dark');
    for (const s of secrets) expect(log).not.toContain(s);
  });
});
