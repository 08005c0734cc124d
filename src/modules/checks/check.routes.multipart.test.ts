/** POST /api/v1/check with broken multipart bodies, sent through the real app and over a real socket. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBody, startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
let key: string;

beforeAll(async () => {
  stack = await startStack({ listen: true });
  key = (await stack.createKey('Firm A')).key;
});

afterAll(async () => {
  await stack.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
}

/** Multipart bodies written byte by byte, the way a broken client or an attacker sends them. */
describe('POST /api/v1/check with a malformed multipart body', () => {
  const B = 'brymixB0undary';
  const field = (name: string, value: string) =>
    `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const reportHead = `--${B}\r\nContent-Disposition: form-data; name="report"; filename="ReportHistory-1.html"\r\nContent-Type: text/html\r\n\r\n`;
  const fields = field('user_id', 'user_mp') + field('challenge_id', 'ch_mp') + field('initial_balance', '10000');

  function postRaw(contentType: string, payload: Buffer | string) {
    return stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key, 'content-type': contentType },
      payload,
    });
  }

  function expectBodyProblem(res: Awaited<ReturnType<typeof postRaw>>, status = 400) {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const problem = res.json();
    expect(problem.code).toBe(status === 413 ? 'payload_too_large' : 'validation_failed');
    return problem;
  }

  it.each([
    [
      'no boundary parameter',
      'multipart/form-data',
      `${fields}--${B}--\r\n`,
      'is not a well-formed multipart/form-data body (Multipart: Boundary not found)',
    ],
    [
      'a boundary the body never uses',
      'multipart/form-data; boundary=somethingElse',
      `${fields}--${B}--\r\n`,
      'is not a well-formed multipart/form-data body (Unexpected end of multipart data)',
    ],
    [
      'garbage bytes',
      `multipart/form-data; boundary=${B}`,
      Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x2d, 0x2d, 0x41, 0x80, 0x0d]),
      'is not a well-formed multipart/form-data body (Unexpected end of multipart data)',
    ],
    [
      'a file part cut off before its closing boundary',
      `multipart/form-data; boundary=${B}`,
      `${fields}${reportHead}<html><body><table>`,
      'is not a well-formed multipart/form-data body (Unexpected end of multipart data)',
    ],
    [
      'a part header cut off',
      `multipart/form-data; boundary=${B}`,
      `${fields}--${B}\r\nContent-Dispos`,
      'is not a well-formed multipart/form-data body (Unexpected end of multipart data)',
    ],
    [
      'two file parts',
      `multipart/form-data; boundary=${B}`,
      `${fields}${reportHead}<html></html>\r\n${reportHead}<html></html>\r\n--${B}--\r\n`,
      'must hold at most 1 file part (report)',
    ],
    [
      'more than 20 fields',
      `multipart/form-data; boundary=${B}`,
      `${Array.from({ length: 25 }, (_, i) => field(`f${i}`, 'x')).join('')}--${B}--\r\n`,
      'must hold at most 20 form fields',
    ],
    [
      'a part named __proto__',
      `multipart/form-data; boundary=${B}`,
      `${field('__proto__', '{"polluted":true}')}--${B}--\r\n`,
      'has a part whose name is a reserved property name',
    ],
  ])('answers 400 naming the body for %s', async (_name, contentType, payload, message) => {
    const problem = expectBodyProblem(await postRaw(contentType, payload));
    expect(problem.errors).toEqual([{ field: 'body', message }]);
    expect(problem.detail).toBe(`body: ${message}`);
  });

  it('answers 400 naming user_id for a form field carrying CR LF', async () => {
    const res = await postRaw(
      `multipart/form-data; boundary=${B}`,
      `${field('user_id', 'u\r\nX: y')}${field('challenge_id', 'ch_mp')}${field('initial_balance', '10000')}${reportHead}<html></html>\r\n--${B}--\r\n`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'user_id', message: 'must be printable text (no control characters such as CR, LF, NUL or tab)' },
    ]);
  });

  it('answers 400 naming a form field carrying NUL, as for a JSON body', async () => {
    const res = await postRaw(
      `multipart/form-data; boundary=${B}`,
      `${fields}${field('server_time_zone', 'Europe/Prague\u0000')}${reportHead}<html></html>\r\n--${B}--\r\n`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'server_time_zone', message: 'must not contain NUL characters (\\u0000)' },
    ]);
  });

  it('answers 413 naming the report when the file is over REPORT_MAX_BYTES', async () => {
    const big = `${fields}${reportHead}${'<td>1</td>'.repeat(1_100_000)}\r\n--${B}--\r\n`;
    const problem = expectBodyProblem(await postRaw(`multipart/form-data; boundary=${B}`, big), 413);
    expect(problem.errors).toEqual([{ field: 'report', message: 'must be at most 10485760 bytes (REPORT_MAX_BYTES)' }]);
  });

  it('reads a rules part sent as application/json like one sent as text', async () => {
    const rules = `--${B}\r\nContent-Disposition: form-data; name="rules"\r\nContent-Type: application/json\r\n\r\n{"max_drawdown_percent":"ten"}\r\n`;
    const res = await postRaw(
      `multipart/form-data; boundary=${B}`,
      `${fields}${rules}${reportHead}<html></html>\r\n--${B}--\r\n`,
    );
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().errors)).toContain('max_drawdown_percent');
  });

  /** One HTTP/1.1 request written to a real socket; resolves with everything the server answers. */
  function rawRequest(head: string, body: string, { halfClose = false } = {}): Promise<string> {
    const { hostname, port } = new URL(stack.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`${head}\r\n${body}`);
        if (halfClose) socket.end();
      });
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (answer += d));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer in 5 s: ${answer}`)));
    });
  }
  const requestHead = (extra: string) =>
    `POST /api/v1/check HTTP/1.1\r\nHost: brymix.test\r\nX-Api-Key: ${key}\r\nContent-Type: multipart/form-data; boundary=${B}\r\nConnection: close\r\n${extra}`;

  it('answers 400 naming the body over a real socket when the upload stops mid-file (Content-Length and chunked)', async () => {
    const truncated = `${fields}${reportHead}<html><body><table><tr><td>Deals`;
    for (const answer of [
      await rawRequest(requestHead(`Content-Length: ${Buffer.byteLength(truncated)}\r\n`), truncated),
      await rawRequest(
        requestHead('Transfer-Encoding: chunked\r\n'),
        `${Buffer.byteLength(truncated).toString(16)}\r\n${truncated}\r\n0\r\n\r\n`,
      ),
    ]) {
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('content-type: application/problem+json');
      const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      // busboy words it by where the bytes stop: "Unexpected end…" or "Part terminated early due to unexpected end…"
      expect(problem.errors).toEqual([
        {
          field: 'body',
          message: expect.stringMatching(
            /^is not a well-formed multipart\/form-data body \(.*nexpected end of multipart data\)$/,
          ),
        },
      ]);
    }
  });

  it('closes a kept-alive connection after refusing a form before its file was read, instead of hanging the next request on it', async () => {
    const file = `${field('rules', '{"max_drawdown_percent":')}${reportHead}${'<td>1</td>'.repeat(30_000)}\r\n--${B}--\r\n`;
    const keptAlive = `POST /api/v1/check HTTP/1.1\r\nHost: brymix.test\r\nX-Api-Key: ${key}\r\nContent-Type: multipart/form-data; boundary=${B}\r\nContent-Length: ${Buffer.byteLength(file)}\r\n`;
    // The next request on the same connection must be answered, not left waiting until the socket times out.
    const answer = await rawRequest(keptAlive, `${file}GET /healthz HTTP/1.1\r\nHost: brymix.test\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('"field":"rules"');
  });

  it('answers 400 to a client that hangs up before the promised bytes arrive, and keeps serving', async () => {
    const part = `${fields}${reportHead}<html>`;
    expect(await rawRequest(requestHead('Content-Length: 100000\r\n'), part, { halfClose: true })).toMatch(
      /^HTTP\/1\.1 400 /,
    );
    expect(
      await rawRequest(
        requestHead('Transfer-Encoding: chunked\r\n'),
        `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`,
        { halfClose: true },
      ),
    ).toMatch(/^HTTP\/1\.1 400 /);
    const health = await fetch(`${stack.url}/healthz`);
    expect(health.status).toBe(200);
    const after = await post(checkBody({ challenge_id: 'after-broken-uploads' }));
    expect(after.statusCode).toBe(200);
  });
});
