/**
 * The integration guide's own receivers (its Express and Flask code, unchanged but for the secret,
 * the port and its placeholder functions, which print what they are given) take monitor events as
 * they take check results: the signature verifies and every field they read is there, so they
 * answer 2xx to monitor.alert, monitor.breached and monitor.stopped alike. The Flask half skips when
 * python3 lacks flask.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parentEnv } from '../../../test/env.ts';
import { createScriptedConnector, SCRIPTED_SERVER } from '../../../test/factories/scripted-live.ts';
import {
  checkBody,
  eventually,
  freePort,
  startStack,
  TEST_WEBHOOK_SECRET,
  type TestStack,
} from '../../../test/harness.ts';
import { systemClock } from '../../infra/clock.ts';
import { createConnectorRouter } from '../../mt5/router.ts';

const dir = mkdtempSync(join(tmpdir(), 'brymix-monitor-receivers-'));
const children: ChildProcess[] = [];
const hasFlask = spawnSync('python3', ['-c', 'import flask'], { encoding: 'utf8' }).status === 0;
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

const EXPRESS = (port: number) => `const express = require('express');
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
`;

const FLASK = (port: number) => `from flask import Flask, request, jsonify
import hmac
import hashlib
import json
import sys

app = Flask(__name__)
WEBHOOK_SECRET = ${JSON.stringify(TEST_WEBHOOK_SECRET)}  # Same as Brymix config

def update_challenge_status(challenge_id, status, violations, metrics):
    # One write per line: the development server answers the alert and the breach on two threads at once.
    sys.stdout.write(json.dumps({"challenge_id": challenge_id, "status": status, "violations": violations, "metrics": metrics}) + "\\n")
    sys.stdout.flush()
def send_email_passed(challenge_id): pass
def send_email_failed(challenge_id, violations): pass

@app.route('/', methods=['GET'])
def up():
    return 'up'

def verify_signature(payload, signature):
    expected = hmac.new(
        WEBHOOK_SECRET.encode(),
        payload.encode(),
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(signature, expected)

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
`;

/** Starts a receiver process and collects the JSON lines it prints (one per webhook it accepted). */
async function startReceiver(cmd: string, args: string[], port: number): Promise<Array<Record<string, unknown>>> {
  const child = spawn(cmd, args, {
    cwd: dir,
    env: { ...parentEnv(), NODE_PATH: resolve('node_modules') },
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
  const deadline = Date.now() + 15_000;
  while (
    !(await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${cmd} receiver did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return lines;
}

async function runMonitorAgainst(url: string, login: string): Promise<TestStack> {
  // The real clock: a first attempt that fails (a receiver slow to answer) is retried 5 s later.
  const clock = systemClock;
  const scripted = createScriptedConnector(clock);
  const account = scripted.add(login);
  const stack = await startStack({ clock, connectors: createConnectorRouter({ [SCRIPTED_SERVER]: scripted }) });
  const { key } = await stack.createKey('Receiver Firm');
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/monitors',
    headers: { 'x-api-key': key },
    payload: checkBody({
      mt5_login: login,
      mt5_password: 'pw',
      mt5_server: SCRIPTED_SERVER,
      challenge_id: `challenge_${login}`,
      callback_url: url,
      rules: { max_drawdown_percent: 10, profit_target_percent: 10, max_daily_loss_percent: null },
      alerts: [50],
    }),
  });
  expect(res.statusCode).toBe(201);
  account.equity = 94_000;
  await stack.deps.monitorRuntime.tick();
  account.equity = 88_000;
  await stack.deps.monitorRuntime.tick();
  return stack;
}

async function expectAccepted(stack: TestStack, lines: Array<Record<string, unknown>>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(lines.map((l) => l.status).sort()).toEqual(['active', 'breached']);
  const breach = lines.find((l) => l.status === 'breached')!;
  expect((breach.violations as Array<{ rule: string }>)[0]!.rule).toBe('maximum_drawdown');
  // The delivery log says so once each attempt is logged (just after the receiver answered).
  const deliveries = await eventually(
    () =>
      stack.deps.dbHandle.db
        .selectFrom('webhook_deliveries')
        .select(['status', 'last_status_code', 'event'])
        .where('channel', '=', 'monitor')
        .orderBy('event')
        .execute(),
    (rows: Array<{ status: string }>) => rows.length === 2 && rows.every((r) => r.status === 'succeeded'),
  );
  expect(deliveries).toEqual([
    { status: 'succeeded', last_status_code: 200, event: 'monitor.alert' },
    { status: 'succeeded', last_status_code: 200, event: 'monitor.breached' },
  ]);
}

describe('the guide’s receivers take monitor events', { timeout: 60_000 }, () => {
  it('Express: verifies the signature and records the alert and the breach (2xx each)', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'receiver.cjs'), EXPRESS(port));
    const lines = await startReceiver(process.execPath, ['receiver.cjs'], port);
    const stack = await runMonitorAgainst(`http://127.0.0.1:${port}/api/webhook/challenge-result`, '7701');
    try {
      await expectAccepted(stack, lines);
    } finally {
      await stack.close();
    }
  });

  it.skipIf(!hasFlask)('Flask: verifies the signature and records the alert and the breach (2xx each)', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'receiver.py'), FLASK(port));
    const lines = await startReceiver('python3', ['receiver.py'], port);
    const stack = await runMonitorAgainst(`http://127.0.0.1:${port}/api/webhook/challenge-result`, '7702');
    try {
      await expectAccepted(stack, lines);
    } finally {
      await stack.close();
    }
  });
});
