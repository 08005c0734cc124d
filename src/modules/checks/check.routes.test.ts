/** The checker's HTTP contract (integration guide), end to end through the real app and queue. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkBody,
  type Receiver,
  startReceiver,
  startStack,
  TEST_WEBHOOK_SECRET,
  type TestStack,
  waitForJob,
} from '../../../test/harness.ts';
import { verifyStandardSignature } from '../webhooks/signing.ts';

let stack: TestStack;
let key: string;
let otherKey: string;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack({ listen: true });
  key = (await stack.createKey('Firm A')).key;
  otherKey = (await stack.createKey('Firm B')).key;
  receiver = await startReceiver();
});

afterAll(async () => {
  await receiver.close();
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

/** The guide's Express receiver's verifySignature(), unchanged apart from the secret. */
function guideVerifySignature(payload: string, signature: string): boolean {
  const expected = createHmac('sha256', TEST_WEBHOOK_SECRET).update(payload).digest('hex');
  return timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

describe('POST /api/v1/check', () => {
  it('answers 200 {job_id, status: "queued"} for the guide’s request', async () => {
    const res = await post(checkBody());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['job_id', 'status']);
    expect(body.status).toBe('queued');
    expect(body.job_id).toMatch(/^job_/);
  });

  it('answers 401 problem+json without a key, with a malformed key and with an unknown key', async () => {
    for (const headers of [{}, { 'x-api-key': 'nope' }, { 'x-api-key': `bmx_${'a'.repeat(12)}_${'b'.repeat(43)}` }]) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/api/v1/check',
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(checkBody()),
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });

  it('answers 401 for a revoked key', async () => {
    const k = await stack.createKey('Revoked Firm');
    await stack.deps.keys.revoke(k.id);
    const res = await post(checkBody(), { 'x-api-key': k.key });
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['initial_balance', { initial_balance: -5 }],
    ['initial_balance', { initial_balance: 'lots' }],
    ['mt5_login', { mt5_login: '' }],
    ['mt5_server', { mt5_server: undefined }],
    ['mt5_login', { mt5_login: '1001\r\nX-Injected: yes' }],
    ['mt5_login', { mt5_login: 'demo-account' }],
    ['mt5_login', { mt5_login: 2 ** 60 }],
    ['mt5_server', { mt5_server: 'Brymix-Demo\r\n' }],
    ['mt5_server', { mt5_server: 'Brymix\u0000Demo' }],
    ['mt5_server', { mt5_server: 'S'.repeat(129) }],
    ['user_id', { user_id: 'user_123\nforged log line' }],
    ['user_id', { user_id: '\u001b[2J' }],
    ['challenge_id', { challenge_id: 'challenge_456\u0000' }],
    ['challenge_id', { challenge_id: 'c'.repeat(201) }],
    ['rules.max_drawdown_percent', { rules: { max_drawdown_percent: 'ten' } }],
    ['rules.max_drawdown_percent', { rules: { max_drawdown_percent: 150 } }],
    ['callback_url', { callback_url: 'ftp://example.com/x' }],
    ['callback_url', { callback_url: 'http://169.254.169.254/latest' }],
    ['callback_url', { callback_url: 'http://[::127.0.0.1]/api/webhook/challenge-result' }],
    ['unexpected', { unexpected: true }],
  ])('answers 400 naming %s for a bad body', async (field, patch) => {
    const res = await post({ ...checkBody(), ...patch });
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(JSON.stringify(problem)).not.toContain('demo'); // never echoes the password
  });

  it('says which ids are missing or of the wrong type', async () => {
    const { user_id: _u, ...withoutUser } = checkBody();
    const res = await post({ ...withoutUser, challenge_id: { id: 5 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'user_id', message: 'is required' },
      { field: 'challenge_id', message: 'must be a string or a non-negative integer' },
    ]);
  });

  it('answers 400 for malformed JSON and 400 for an empty body', async () => {
    const bad = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: '{"user_id":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_json');
    const empty = await stack.app.inject({
      method: 'POST',
      url: '/api/v1/check',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
  });

  it('accepts numeric user, challenge and login ids as the PHP and Node examples may send them', async () => {
    const res = await post(checkBody({ user_id: 123, challenge_id: 456, mt5_login: 1005 }));
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ user_id: '123', challenge_id: '456' });
  });

  it('honours Idempotency-Key: same body → same job; different body → 422', async () => {
    const a = await post(checkBody({ challenge_id: 'idem-1' }), { 'idempotency-key': 'abc-123' });
    const b = await post(checkBody({ challenge_id: 'idem-1' }), { 'idempotency-key': 'abc-123' });
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(b.json().job_id).toBe(a.json().job_id);
    const c = await post(checkBody({ challenge_id: 'idem-2' }), { 'idempotency-key': 'abc-123' });
    expect(c.statusCode).toBe(422);
    expect(c.json().code).toBe('idempotency_mismatch');
    // Another tenant may use the same key string independently.
    const d = await post(checkBody({ challenge_id: 'idem-1' }), {
      'idempotency-key': 'abc-123',
      'x-api-key': otherKey,
    });
    expect(d.json().job_id).not.toBe(a.json().job_id);
  });

  it('gives one job to concurrent requests with the same Idempotency-Key', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => post(checkBody({ challenge_id: 'race' }), { 'idempotency-key': 'race-key' })),
    );
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    expect(new Set(results.map((r) => r.json().job_id)).size).toBe(1);
  });
});

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

  function expectBodyProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status = 400) {
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
    // The next request on the same connection: before the fix it was never answered (the socket timed out).
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

describe('GET /api/v1/job/{job_id}', () => {
  it('answers 404 for another tenant’s job and for an unknown job', async () => {
    const res = await post(checkBody());
    const jobId = res.json().job_id;
    const foreign = await stack.app.inject({
      method: 'GET',
      url: `/api/v1/job/${jobId}`,
      headers: { 'x-api-key': otherKey },
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().code).toBe('not_found');
    const unknown = await stack.app.inject({
      method: 'GET',
      url: '/api/v1/job/job_doesnotexist',
      headers: { 'x-api-key': key },
    });
    expect(unknown.statusCode).toBe(404);
    for (const path of ['deliveries', 'redeliver']) {
      const r = await stack.app.inject({
        method: path === 'redeliver' ? 'POST' : 'GET',
        url: `/api/v1/job/${jobId}/${path}`,
        headers: { 'x-api-key': otherKey },
      });
      expect(r.statusCode).toBe(404);
    }
  });

  it('returns the guide’s result object with every metric once the check is done', async () => {
    const res = await post(checkBody({ mt5_login: '1001' }));
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({
      job_id: res.json().job_id,
      user_id: 'user_123',
      challenge_id: 'challenge_456',
      status: 'passed',
      outcome: 'passed',
      violations: [],
    });
    expect(Object.keys(job.metrics as object)).toEqual(
      expect.arrayContaining([
        'initial_balance',
        'current_balance',
        'current_equity',
        'profit_percent',
        'profit_target_percent',
        'profit_target_met',
        'max_drawdown_percent',
        'max_drawdown_limit',
        'total_trades',
        'trades_under_4min',
      ]),
    );
    expect(job.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('verdicts of the demo accounts, delivered by signed webhook', () => {
  const cases = [
    { login: '1001', status: 'passed', outcome: 'passed', rules: [] as string[] },
    { login: '1002', status: 'failed', outcome: 'breached', rules: ['maximum_drawdown'] },
    { login: '1003', status: 'failed', outcome: 'breached', rules: ['maximum_daily_loss'] },
    { login: '1004', status: 'failed', outcome: 'breached', rules: ['minimum_trade_duration'] },
    { login: '1005', status: 'failed', outcome: 'objectives_not_met', rules: [] as string[] },
  ];

  it.each(cases)(
    'login $login → $status ($outcome) with violations $rules',
    async ({ login, status, outcome, rules }) => {
      const before = receiver.received.length;
      const res = await post(
        checkBody({ mt5_login: login, challenge_id: `demo-${login}`, callback_url: receiver.url }),
      );
      expect(res.statusCode).toBe(200);
      const jobId = res.json().job_id;
      const deadline = Date.now() + 15_000;
      let hook = receiver.received.find((h) => h.json.job_id === jobId);
      while (!hook && Date.now() < deadline) {
        await receiver.waitFor(receiver.received.length + 1, 15_000).catch(() => undefined);
        hook = receiver.received.find((h) => h.json.job_id === jobId);
      }
      expect(receiver.received.length).toBeGreaterThan(before);
      expect(hook).toBeDefined();
      expect(guideVerifySignature(hook!.raw, String(hook!.headers['x-signature']))).toBe(true);
      expect(
        verifyStandardSignature(
          TEST_WEBHOOK_SECRET,
          {
            id: String(hook!.headers['webhook-id']),
            timestamp: String(hook!.headers['webhook-timestamp']),
            signature: String(hook!.headers['webhook-signature']),
          },
          hook!.raw,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
      expect(hook!.json).toMatchObject({ job_id: jobId, challenge_id: `demo-${login}`, status, outcome });
      const violations = hook!.json.violations as Array<{ rule: string }>;
      expect([...new Set(violations.map((v) => v.rule))].sort()).toEqual([...rules].sort());
      if (login === '1004') {
        expect(violations).toHaveLength(3);
        expect((hook!.json.metrics as { trades_under_4min: number }).trades_under_4min).toBe(3);
      }
      const polled = await waitForJob(stack.app, key, jobId);
      expect(polled.status).toBe(status);
      expect(JSON.stringify(hook!.json)).not.toContain('"mt5_password"');
    },
  );

  it('ends with status error and an error object for a wrong password, in the job and the webhook', async () => {
    const res = await post(
      checkBody({ mt5_password: 'wrong-password-xyz', callback_url: receiver.url, challenge_id: 'bad-pw' }),
    );
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ status: 'error', error: { code: 'invalid_credentials' } });
    const deadline = Date.now() + 10_000;
    while (!receiver.received.some((h) => h.json.job_id === job.job_id) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 30));
    const hook = receiver.received.find((h) => h.json.job_id === job.job_id)!;
    expect(hook.json).toMatchObject({ status: 'error', error: { code: 'invalid_credentials' } });
    expect(hook.raw).not.toContain('wrong-password-xyz');
  });

  it('ends with status error unknown_server for a server no connector serves', async () => {
    const res = await post(checkBody({ mt5_server: 'Nowhere-Live' }));
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ status: 'error', error: { code: 'unknown_server' } });
  });
});

describe('webhook delivery log and redelivery', () => {
  it('logs each attempt and redelivers with the same webhook-id', async () => {
    const res = await post(checkBody({ mt5_login: '1005', callback_url: receiver.url, challenge_id: 'redeliver' }));
    const jobId = res.json().job_id;
    await waitForJob(stack.app, key, jobId);
    const deadline = Date.now() + 10_000;
    let log = await stack.app.inject({
      method: 'GET',
      url: `/api/v1/job/${jobId}/deliveries`,
      headers: { 'x-api-key': key },
    });
    while (log.json().deliveries[0]?.status !== 'succeeded' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 30));
      log = await stack.app.inject({
        method: 'GET',
        url: `/api/v1/job/${jobId}/deliveries`,
        headers: { 'x-api-key': key },
      });
    }
    const d = log.json().deliveries[0];
    expect(d).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200 });
    expect(d.attempt_log).toHaveLength(1);
    const first = receiver.received.filter((h) => h.json.job_id === jobId);
    const again = await stack.app.inject({
      method: 'POST',
      url: `/api/v1/job/${jobId}/redeliver`,
      headers: { 'x-api-key': key },
    });
    expect(again.statusCode).toBe(202);
    const until = Date.now() + 10_000;
    while (receiver.received.filter((h) => h.json.job_id === jobId).length < 2 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 30));
    const both = receiver.received.filter((h) => h.json.job_id === jobId);
    expect(both).toHaveLength(first.length + 1);
    expect(both[1]!.headers['webhook-id']).toBe(both[0]!.headers['webhook-id']);
    expect(both[1]!.raw).toBe(both[0]!.raw);
  });
});

describe('rule sets in the list and preset forms', () => {
  it('accepts a list of rule specs and reports with the same engine', async () => {
    const res = await post(
      checkBody({
        mt5_login: '1003',
        rules: [
          { type: 'max_loss', pct: 10 },
          { type: 'daily_loss', pct: 6, anchor: 'day_start_balance' },
          { type: 'profit_target', pct: 10 },
        ],
      }),
    );
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job).toMatchObject({ status: 'failed', outcome: 'objectives_not_met', violations: [] });
    expect((job.rules as Array<{ type: string }>).map((r) => r.type)).toEqual([
      'max_loss',
      'daily_loss',
      'profit_target',
    ]);
  });

  it('accepts a preset with overrides', async () => {
    const res = await post(
      checkBody({ mt5_login: '1001', rules: { preset: 'ftmo-2step', overrides: { min_trading_days: { days: 3 } } } }),
    );
    expect(res.statusCode).toBe(200);
    const job = await waitForJob(stack.app, key, res.json().job_id);
    expect(job.rules).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'min_trading_days', days: 3 })]));
    expect(job.status).toBe('passed');
  });

  it.each([
    ['rules.0.pct', [{ type: 'max_loss', pct: -1 }]],
    [
      'rules.1.type',
      [
        { type: 'max_loss', pct: 10 },
        { type: 'max_lose', pct: 10 },
      ],
    ],
    ['rules.0.basis', [{ type: 'max_loss', pct: 10, basis: 'weekly' }]],
    ['rules.preset', { preset: 'nobody-5step' }],
    ['rules.overrides.news_window', { preset: 'ftmo-2step', overrides: { news_window: { minutes_before: 2 } } }],
  ])('answers 400 naming %s for a bad rule set', async (field, rules) => {
    const res = await post(checkBody({ rules }));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
