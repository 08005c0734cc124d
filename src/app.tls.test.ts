/**
 * HTTPS by configuration: with TLS_CERT_FILE and TLS_KEY_FILE the same app answers over TLS (the
 * account API with its key, and nothing over plain HTTP). The certificate is made by `openssl` for
 * this run; the test skips where the tool is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../test/harness.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'brymix-tls-'));
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
let stack: TestStack;
let port: number;
let apiKey: string;
let accountId: string;

function get(path: string, headers: Record<string, string>, tls: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      {
        host: '127.0.0.1',
        port,
        path,
        headers,
        ...(tls ? { ca: readFileSync(certFile), servername: 'localhost' } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe.skipIf(!hasOpenssl())('HTTPS with TLS_CERT_FILE / TLS_KEY_FILE', () => {
  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    stack = await startStack({ workers: false, env: { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } });
    await stack.app.listen({ host: '127.0.0.1', port: 0 });
    port = (stack.app.server.address() as AddressInfo).port;
    const key = await stack.deps.keys.create('TLS Firm');
    apiKey = key.key;
    accountId = (
      await stack.deps.accounts.add({ login: '1001', server: 'Brymix-Demo', password: 'demo', key_id: key.id })
    ).id;
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the account API over TLS with a certificate the client verifies', async () => {
    const r = await get(`/api/account/${accountId}/info`, { 'x-api-key': apiKey }, true);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ account_id: accountId, login: '1001', currency: 'USD' });
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const outcome = await get('/healthz', {}, false).then(
      (r) => `status ${r.status}`,
      (err: Error) => `error ${err.message}`,
    );
    expect(outcome).not.toBe('status 200');
  });
});
