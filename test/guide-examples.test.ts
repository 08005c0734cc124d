/**
 * The integration guide's own code, run as a prop firm would: its Python client (requests) with
 * its Flask receiver, and its Node client (axios) with its Express receiver. Only the API key,
 * the URLs and the guide's placeholder functions (save_job_id, update_challenge_status, …) are
 * filled in; the receivers' code is the guide's, unchanged. Each receiver must answer 2xx (its
 * own signature check passing) and record every kind of result Brymix sends: passed, failed
 * (breached, objectives not met) and every job error code — the guide's Flask receiver reads
 * `result['violations']` and `result['metrics']` whatever the status, so a body without them would
 * be a 500 and three days of retries. The Python half skips when python3 lacks flask or requests.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobErrorCode } from '../src/modules/checks/check.ts';
import type { Mt5Connector } from '../src/mt5/connector.ts';
import { createConnectorRouter } from '../src/mt5/router.ts';
import { DEMO_SERVER, SimulatorConnector } from '../src/mt5/simulator/index.ts';
import { reportHtml } from './factories/mt5-report.ts';
import {
  checkBody,
  dropStorage,
  freePort,
  newStorage,
  startStack,
  TEST_WEBHOOK_SECRET,
  type TestStack,
} from './harness.ts';

const execFileAsync = promisify(execFile);
const probe = spawnSync('python3', ['-c', 'import flask, requests, sys; print(sys.executable)'], { encoding: 'utf8' });
const hasPython = probe.status === 0;
/** The interpreter itself, not a version manager's shim (pyenv's adds seconds to every start). */
const python = hasPython ? probe.stdout.trim() : 'python3';
let stack: TestStack;
let key: string;
const dir = mkdtempSync(join(tmpdir(), 'brymix-guide-'));
const children: ChildProcess[] = [];

/**
 * The outside world, with one fault injected: beside the demo MT5 server, a server whose client
 * library crashes mid-read (a plain TypeError, not a connector error) — what `internal` is for.
 */
const CRASHING_SERVER = 'Crash-Live';
const crashing: Mt5Connector = {
  kind: 'simulator',
  fetchHistory: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'Deal')")),
  getAccountInfo: () => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'Balance')")),
  getPositions: () => Promise.resolve([]),
};

beforeAll(async () => {
  stack = await startStack({
    listen: true,
    // One attempt: an unreachable server or a crash ends the job now instead of after the queue's backoff.
    env: { CHECK_MAX_ATTEMPTS: '1' },
    connectors: createConnectorRouter({ [DEMO_SERVER]: new SimulatorConnector(), [CRASHING_SERVER]: crashing }),
  });
  key = (await stack.createKey('your_propfirm_name')).key;
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stack.close();
});

/** Starts a receiver process and collects the JSON lines it prints (one per webhook handled). */
async function startReceiver(
  cmd: string,
  args: string[],
  port: number,
): Promise<{ lines: Array<Record<string, unknown>> }> {
  const child = spawn(cmd, args, {
    cwd: dir,
    env: { ...process.env, NODE_PATH: resolve('node_modules') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let end = buf.indexOf('\n'); end >= 0; end = buf.indexOf('\n')) {
      const line = buf.slice(0, end);
      buf = buf.slice(end + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const end = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (up) return { lines };
    if (Date.now() > end) throw new Error(`${cmd} receiver did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a client script (asynchronously: the API under test lives in this process). */
async function run(cmd: string, args: string[]): Promise<string> {
  const r = await execFileAsync(cmd, args, {
    cwd: dir,
    env: { ...process.env, NODE_PATH: resolve('node_modules') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return r.stdout;
}

async function waitForLine(
  lines: Array<Record<string, unknown>>,
  challengeId: string,
): Promise<Record<string, unknown>> {
  const end = Date.now() + 20_000;
  for (;;) {
    const line = lines.find((l) => l.challenge_id === challengeId);
    if (line) return line;
    if (Date.now() > end) throw new Error(`no webhook for ${challengeId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the guide's receivers read from a result (its Flask and Express code, and its Response Format). */
const GUIDE_KEYS = ['job_id', 'user_id', 'challenge_id', 'status', 'metrics', 'violations', 'timestamp'];
const GUIDE_METRICS = [
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
];

interface Want {
  status: 'passed' | 'failed' | 'error';
  outcome?: 'passed' | 'breached' | 'objectives_not_met';
  violations: string[];
  error?: string;
}

/** Every kind of result, each provoked through the real app as a firm's traffic would. */
interface Kind {
  name: string;
  want: Want;
  /** Submitted with the guide's client (MT5 credentials)… */
  credentials?: { login: string; password: string; server: string };
  /** …or by another route: a terminal report upload, or a restart with another CREDENTIALS_KEY. */
  submit?: (challengeId: string, callbackUrl: string) => Promise<Submitted>;
}

interface Submitted {
  jobId: string;
  /** Where the job can be read (another stack for the restart case). */
  at: TestStack;
  apiKey: string;
  done?: () => Promise<void>;
}

const demo = (login: string, password = 'demo', server = DEMO_SERVER) => ({ login, password, server });

/** A terminal report one of whose deals has a type MT5 does not define: it uploads, then cannot be read. */
function reportWithUnknownDealType(): string {
  const html = reportHtml();
  const at = html.indexOf('<td nowrap>1001</td>');
  return Buffer.from(
    html.slice(0, at) + html.slice(at).replace('<td nowrap>balance</td>', '<td nowrap>transfer</td>'),
  ).toString('base64');
}

async function uploadBadReport(challengeId: string, callbackUrl: string): Promise<Submitted> {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key },
    payload: {
      user_id: 'user_123',
      challenge_id: challengeId,
      report_base64: reportWithUnknownDealType(),
      report_filename: 'ReportHistory-5550123.html',
      initial_balance: 100000.0,
      callback_url: callbackUrl,
    },
  });
  expect(res.statusCode).toBe(200);
  return { jobId: res.json().job_id as string, at: stack, apiKey: key };
}

/** The operator restarts Brymix with another CREDENTIALS_KEY while a check waits in the queue. */
async function restartWithAnotherKey(challengeId: string, callbackUrl: string): Promise<Submitted> {
  const storage = newStorage();
  const before = await startStack({ storage, workers: false });
  const apiKey = (await before.createKey('your_propfirm_name')).key;
  const res = await before.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': apiKey },
    payload: checkBody({ challenge_id: challengeId, callback_url: callbackUrl }),
  });
  expect(res.statusCode).toBe(200);
  await before.close();
  const after = await startStack({ storage, env: { CREDENTIALS_KEY: randomBytes(32).toString('base64url') } });
  return {
    jobId: res.json().job_id as string,
    at: after,
    apiKey,
    done: async () => {
      await after.close();
      await dropStorage(storage);
    },
  };
}

const KINDS: Kind[] = [
  { name: 'passed', credentials: demo('1001'), want: { status: 'passed', outcome: 'passed', violations: [] } },
  {
    name: 'breached-drawdown',
    credentials: demo('1002'),
    want: { status: 'failed', outcome: 'breached', violations: ['maximum_drawdown'] },
  },
  {
    name: 'breached-daily',
    credentials: demo('1003'),
    want: { status: 'failed', outcome: 'breached', violations: ['maximum_daily_loss'] },
  },
  {
    name: 'breached-duration',
    credentials: demo('1004'),
    want: { status: 'failed', outcome: 'breached', violations: ['minimum_trade_duration'] },
  },
  {
    name: 'objectives-not-met',
    credentials: demo('1005'),
    want: { status: 'failed', outcome: 'objectives_not_met', violations: [] },
  },
  {
    name: 'invalid-credentials',
    credentials: demo('1001', 'not-the-password'),
    want: { status: 'error', error: 'invalid_credentials', violations: [] },
  },
  {
    name: 'unknown-server',
    credentials: demo('1001', 'demo', 'Nowhere-Live'),
    want: { status: 'error', error: 'unknown_server', violations: [] },
  },
  {
    name: 'unreachable',
    credentials: demo('1099'),
    want: { status: 'error', error: 'mt5_unreachable', violations: [] },
  },
  {
    name: 'internal',
    credentials: demo('1001', 'demo', CRASHING_SERVER),
    want: { status: 'error', error: 'internal', violations: [] },
  },
  { name: 'bad-data', submit: uploadBadReport, want: { status: 'error', error: 'bad_data', violations: [] } },
  {
    name: 'credentials-unavailable',
    submit: restartWithAnotherKey,
    want: { status: 'error', error: 'credentials_unavailable', violations: [] },
  },
];

async function jobOf(s: Submitted): Promise<Record<string, unknown>> {
  return (
    await s.at.app.inject({ url: `/api/v1/job/${s.jobId}`, headers: { 'x-api-key': s.apiKey } })
  ).json() as Record<string, unknown>;
}

/** The first delivery attempt of a job's webhook, once made: what the receiver answered. */
async function firstAttempt(
  s: Submitted,
): Promise<{ status_code: number | null; error: string | null; response_body: string | null }> {
  const end = Date.now() + 25_000;
  for (;;) {
    const res = await s.at.app.inject({ url: `/api/v1/job/${s.jobId}/deliveries`, headers: { 'x-api-key': s.apiKey } });
    const attempt = (
      res.json() as {
        deliveries?: Array<{
          attempt_log: Array<{ status_code: number | null; error: string | null; response_body: string | null }>;
        }>;
      }
    ).deliveries?.[0]?.attempt_log[0];
    if (attempt) return attempt;
    if (Date.now() > end)
      throw new Error(`no delivery attempt for ${s.jobId}: ${JSON.stringify(await jobOf(s)).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Credentials = { login: string; password: string; server: string };

/** Every job error code (check.ts): a new one fails the test until it has a kind above. */
const EVERY_ERROR_CODE: Record<JobErrorCode, true> = {
  invalid_credentials: true,
  unknown_server: true,
  mt5_unreachable: true,
  bad_data: true,
  credentials_unavailable: true,
  internal: true,
};

/**
 * Submits every kind of result for one receiver and checks, for each: the receiver answered 2xx
 * at the first attempt and recorded it (status, violations, metrics), and the job says the same.
 */
async function everyKind(
  prefix: string,
  callbackUrl: string,
  lines: Array<Record<string, unknown>>,
  /** Submits with the guide's client, one process for all (job ids in order). */
  viaGuide: (checks: Array<{ challengeId: string } & Credentials>) => Promise<string[]>,
  /** Polls with the guide's check_job_status, when the guide has one for this language. */
  poll?: (jobIds: string[]) => Promise<Record<string, Record<string, unknown>>>,
): Promise<void> {
  expect(KINDS.flatMap((k) => k.want.error ?? []).sort()).toEqual(Object.keys(EVERY_ERROR_CODE).sort());
  const submitted: Array<{ kind: Kind; challengeId: string; s: Submitted }> = [];
  const guided = KINDS.filter((k) => k.credentials).map((k) => ({ kind: k, challengeId: `${prefix}-${k.name}` }));
  const ids = await viaGuide(guided.map((g) => ({ challengeId: g.challengeId, ...g.kind.credentials! })));
  expect(ids).toHaveLength(guided.length);
  for (const [i, g] of guided.entries()) submitted.push({ ...g, s: { jobId: ids[i]!, at: stack, apiKey: key } });
  for (const kind of KINDS.filter((k) => k.submit)) {
    const challengeId = `${prefix}-${kind.name}`;
    submitted.push({ kind, challengeId, s: await kind.submit!(challengeId, callbackUrl) });
  }
  for (const { s } of submitted) expect(s.jobId).toMatch(/^job_/);
  try {
    // Every webhook first (they run concurrently), then one poll of them all.
    for (const { kind, challengeId, s } of submitted) {
      const attempt = await firstAttempt(s);
      expect({ kind: kind.name, status_code: attempt.status_code, error: attempt.error }).toEqual({
        kind: kind.name,
        status_code: 200,
        error: null,
      });
      expect(attempt.response_body).toContain('received');
      await waitForLine(lines, challengeId);
    }
    const polled = poll ? await poll(submitted.filter((x) => x.s.at === stack).map((x) => x.s.jobId)) : {};
    for (const { kind, challengeId, s } of submitted) {
      const recorded = await waitForLine(lines, challengeId);
      expect(recorded.status).toBe(kind.want.status);
      expect(Array.isArray(recorded.violations)).toBe(true);
      expect([...new Set((recorded.violations as Array<{ rule: string }>).map((v) => v.rule))]).toEqual(
        kind.want.violations,
      );
      expect(Object.keys(recorded.metrics as object)).toEqual(expect.arrayContaining(GUIDE_METRICS));
      // The polled result (the guide's check_job_status where it has one) carries the same keys.
      const job = polled[s.jobId] ?? (await jobOf(s));
      expect(Object.keys(job)).toEqual(expect.arrayContaining(GUIDE_KEYS));
      expect(job).toMatchObject({
        job_id: s.jobId,
        challenge_id: challengeId,
        status: kind.want.status,
        violations: recorded.violations,
        metrics: recorded.metrics,
      });
      if (kind.want.outcome) expect(job.outcome).toBe(kind.want.outcome);
      if (kind.want.error) expect((job.error as { code: string }).code).toBe(kind.want.error);
    }
  } finally {
    for (const { s } of submitted) await s.done?.();
  }
}

describe.skipIf(!hasPython)('the guide’s Python client and Flask receiver', () => {
  it('answers 2xx and records every kind of result: passed, breached, objectives not met and each error code', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'receiver.py'),
      `import json, sys, threading
from flask import Flask, request, jsonify
import hmac
import hashlib

app = Flask(__name__)
WEBHOOK_SECRET = ${JSON.stringify(TEST_WEBHOOK_SECRET)}  # Same as Brymix config

# Flask serves webhooks on several threads: one whole line at a time.
stdout_lock = threading.Lock()
def update_challenge_status(challenge_id, status, violations, metrics):
    with stdout_lock:
        print(json.dumps({"challenge_id": challenge_id, "status": status, "violations": violations, "metrics": metrics}), flush=True)
def send_email_passed(challenge_id): pass
def send_email_failed(challenge_id, violations): pass

def verify_signature(payload, signature):
    expected = hmac.new(
        WEBHOOK_SECRET.encode(),
        payload.encode(),
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(signature, expected)

@app.route('/', methods=['GET'])
def up():
    return 'up'

@app.route('/api/webhook/challenge-result', methods=['POST'])
def handle_challenge_result():
    # Verify signature
    signature = request.headers.get('X-Signature')
    payload = request.get_data(as_text=True)
    
    if not verify_signature(payload, signature):
        return jsonify({"error": "Invalid signature"}), 401
    
    # Process result
    result = request.json
    
    challenge_id = result['challenge_id']
    status = result['status']  # 'passed' or 'failed'
    violations = result['violations']
    metrics = result['metrics']
    
    # Update challenge in your database
    update_challenge_status(
        challenge_id=challenge_id,
        status=status,
        violations=violations,
        metrics=metrics
    )
    
    # Notify trader
    if status == 'passed':
        send_email_passed(challenge_id)
    else:
        send_email_failed(challenge_id, violations)
    
    return jsonify({"status": "received"}), 200

app.run(host='127.0.0.1', port=${port})
`,
    );
    writeFileSync(
      join(dir, 'client.py'),
      `import json, sys
import requests

def save_job_id(challenge_id, job_id):
    print(job_id)

def submit_challenge_check(user_id, challenge_id, mt5_credentials):
    url = "${stack.url}/api/v1/check"
    
    headers = {
        "X-API-Key": "${key}",
        "Content-Type": "application/json"
    }
    
    payload = {
        "user_id": user_id,
        "challenge_id": challenge_id,
        "mt5_login": mt5_credentials["login"],
        "mt5_password": mt5_credentials["password"],
        "mt5_server": mt5_credentials["server"],
        "initial_balance": 100000.0,
        "rules": {
            "max_drawdown_percent": 10.0,
            "profit_target_percent": 10.0
        },
        "callback_url": "http://127.0.0.1:${port}/api/webhook/challenge-result"
    }
    
    response = requests.post(url, json=payload, headers=headers)
    
    if response.status_code == 200:
        result = response.json()
        job_id = result["job_id"]
        
        # Store job_id in your database linked to the challenge
        save_job_id(challenge_id, job_id)
        
        return job_id
    else:
        raise Exception(f"Failed to submit check: {response.text}")

def check_job_status(job_id):
    url = f"${stack.url}/api/v1/job/{job_id}"
    
    headers = {
        "X-API-Key": "${key}"
    }
    
    response = requests.get(url, headers=headers)
    
    if response.status_code == 200:
        return response.json()
    else:
        raise Exception(f"Failed to get status: {response.text}")

if sys.argv[1] == 'submit':
    for c in json.loads(sys.argv[2]):
        submit_challenge_check("user_123", c["challengeId"], {"login": c["login"], "password": c["password"], "server": c["server"]})
else:
    print(json.dumps({job_id: check_job_status(job_id) for job_id in sys.argv[2:]}))
`,
    );
    const receiver = await startReceiver(python, ['receiver.py'], port);
    await everyKind(
      'py',
      `http://127.0.0.1:${port}/api/webhook/challenge-result`,
      receiver.lines,
      async (checks) => (await run(python, ['client.py', 'submit', JSON.stringify(checks)])).trim().split('\n'),
      async (jobIds) =>
        JSON.parse(await run(python, ['client.py', 'status', ...jobIds])) as Record<string, Record<string, unknown>>,
    );
  }, 150_000);
});

describe('the guide’s Node client (axios) and Express receiver', () => {
  it('answers 2xx and records every kind of result: passed, breached, objectives not met and each error code', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'receiver.cjs'),
      `const express = require('express');
const crypto = require('crypto');

const app = express();
const WEBHOOK_SECRET = ${JSON.stringify(TEST_WEBHOOK_SECRET)};

async function updateChallengeStatus(r) { console.log(JSON.stringify({ challenge_id: r.challengeId, status: r.status, violations: r.violations, metrics: r.metrics })); }
async function sendEmailPassed() {}
async function sendEmailFailed() {}
app.get('/', (req, res) => res.send('up'));

function verifySignature(payload, signature) {
    const expected = crypto
        .createHmac('sha256', WEBHOOK_SECRET)
        .update(payload)
        .digest('hex');
    return crypto.timingSafeEqual(
        Buffer.from(signature),
        Buffer.from(expected)
    );
}

app.post('/api/webhook/challenge-result', express.raw({type: 'application/json'}), async (req, res) => {
    const signature = req.headers['x-signature'];
    const payload = req.body.toString();
    
    if (!verifySignature(payload, signature)) {
        return res.status(401).json({error: 'Invalid signature'});
    }
    
    const result = JSON.parse(payload);
    
    // Update challenge
    await updateChallengeStatus({
        challengeId: result.challenge_id,
        status: result.status,
        violations: result.violations,
        metrics: result.metrics
    });
    
    // Notify trader
    if (result.status === 'passed') {
        await sendEmailPassed(result.challenge_id);
    } else {
        await sendEmailFailed(result.challenge_id, result.violations);
    }
    
    res.json({status: 'received'});
});
app.listen(${port}, '127.0.0.1');
`,
    );
    writeFileSync(
      join(dir, 'client.cjs'),
      `const axios = require('axios');
async function saveJobId(challengeId, jobId) { console.log(jobId); }

async function submitChallengeCheck(userId, challengeId, mt5Credentials) {
    const url = '${stack.url}/api/v1/check';
    
    const response = await axios.post(url, {
        user_id: userId,
        challenge_id: challengeId,
        mt5_login: mt5Credentials.login,
        mt5_password: mt5Credentials.password,
        mt5_server: mt5Credentials.server,
        initial_balance: 100000.0,
        rules: {
            max_drawdown_percent: 10.0,
            profit_target_percent: 10.0
        },
        callback_url: 'http://localhost:${port}/api/webhook/challenge-result'
    }, {
        headers: {
            'X-API-Key': '${key}',
            'Content-Type': 'application/json'
        }
    });
    
    const jobId = response.data.job_id;
    
    // Store job_id in your database
    await saveJobId(challengeId, jobId);
    
    return jobId;
}
(async () => {
    for (const c of JSON.parse(process.argv[2])) await submitChallengeCheck('user_123', c.challengeId, { login: c.login, password: c.password, server: c.server });
})().catch((e) => { console.error(e.message); process.exit(1); });
`,
    );
    const receiver = await startReceiver(process.execPath, ['receiver.cjs'], port);
    await everyKind('js', `http://localhost:${port}/api/webhook/challenge-result`, receiver.lines, async (checks) =>
      (await run(process.execPath, ['client.cjs', JSON.stringify(checks)])).trim().split('\n'),
    );
  }, 150_000);
});
