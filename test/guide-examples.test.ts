/**
 * The integration guide's own code, run as a prop firm would: its Python client (requests) with
 * its Flask receiver, and its Node client (axios) with its Express receiver. Only the API key,
 * the URLs and the guide's placeholder functions (save_job_id, update_challenge_status, …) are
 * filled in. Each must get a job id, a webhook that passes its own signature check, and the
 * right verdict. The Python half skips when python3 lacks flask or requests.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startStack, TEST_WEBHOOK_SECRET, type TestStack } from './harness.ts';

const execFileAsync = promisify(execFile);
const hasPython = spawnSync('python3', ['-c', 'import flask, requests'], { stdio: 'ignore' }).status === 0;
let stack: TestStack;
let key: string;
const dir = mkdtempSync(join(tmpdir(), 'brymix-guide-'));
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ listen: true });
  key = (await stack.createKey('your_propfirm_name')).key;
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stack.close();
});

/** Starts a receiver process and collects the JSON lines it prints (one per webhook handled). */
async function startReceiver(cmd: string, args: string[], port: number): Promise<{ lines: Array<Record<string, unknown>> }> {
  const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, NODE_PATH: resolve('node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const end = Date.now() + 15_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) return { lines };
    if (Date.now() > end) throw new Error(`${cmd} receiver did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a client script (asynchronously: the API under test lives in this process). */
async function run(cmd: string, args: string[]): Promise<string> {
  const r = await execFileAsync(cmd, args, { cwd: dir, env: { ...process.env, NODE_PATH: resolve('node_modules') }, encoding: 'utf8', timeout: 30_000 });
  return r.stdout;
}

async function waitForLine(lines: Array<Record<string, unknown>>, challengeId: string): Promise<Record<string, unknown>> {
  const end = Date.now() + 20_000;
  for (;;) {
    const line = lines.find((l) => l.challenge_id === challengeId);
    if (line) return line;
    if (Date.now() > end) throw new Error(`no webhook for ${challengeId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const expected: Record<string, { status: string; violations: string[] }> = {
  '1001': { status: 'passed', violations: [] },
  '1002': { status: 'failed', violations: ['maximum_drawdown'] },
  '1003': { status: 'failed', violations: ['maximum_daily_loss'] },
  '1004': { status: 'failed', violations: ['minimum_trade_duration'] },
  '1005': { status: 'failed', violations: [] },
};

describe.skipIf(!hasPython)('the guide’s Python client and Flask receiver', () => {
  it('get a job id, a verified webhook and the right verdict for each demo login', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'receiver.py'),
      `import json, sys
from flask import Flask, request, jsonify
import hmac
import hashlib

app = Flask(__name__)
WEBHOOK_SECRET = ${JSON.stringify(TEST_WEBHOOK_SECRET)}  # Same as Brymix config

def update_challenge_status(challenge_id, status, violations, metrics):
    print(json.dumps({"challenge_id": challenge_id, "status": status, "violations": [v["rule"] for v in violations], "metrics": metrics}), flush=True)
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
      `import sys
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
    submit_challenge_check("user_123", sys.argv[2], {"login": sys.argv[3], "password": "demo", "server": "Brymix-Demo"})
else:
    print(check_job_status(sys.argv[2])["status"])
`,
    );
    const receiver = await startReceiver('python3', ['receiver.py'], port);
    for (const [login, want] of Object.entries(expected)) {
      const jobId = (await run('python3', ['client.py', 'submit', `py-${login}`, login])).trim();
      expect(jobId).toMatch(/^job_/);
      const hook = await waitForLine(receiver.lines, `py-${login}`);
      expect(hook.status).toBe(want.status);
      expect([...new Set(hook.violations as string[])]).toEqual(want.violations);
      expect((await run('python3', ['client.py', 'status', jobId])).trim()).toBe(want.status);
    }
  }, 90_000);
});

describe('the guide’s Node client (axios) and Express receiver', () => {
  it('get a job id, a verified webhook and the right verdict for each demo login', async () => {
    const port = await freePort();
    writeFileSync(
      join(dir, 'receiver.cjs'),
      `const express = require('express');
const crypto = require('crypto');

const app = express();
const WEBHOOK_SECRET = ${JSON.stringify(TEST_WEBHOOK_SECRET)};

async function updateChallengeStatus(r) { console.log(JSON.stringify({ challenge_id: r.challengeId, status: r.status, violations: r.violations.map((v) => v.rule) })); }
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
submitChallengeCheck('user_123', process.argv[2], { login: process.argv[3], password: 'demo', server: 'Brymix-Demo' }).catch((e) => { console.error(e.message); process.exit(1); });
`,
    );
    const receiver = await startReceiver(process.execPath, ['receiver.cjs'], port);
    for (const [login, want] of Object.entries(expected)) {
      const jobId = (await run(process.execPath, ['client.cjs', `js-${login}`, login])).trim();
      expect(jobId).toMatch(/^job_/);
      const hook = await waitForLine(receiver.lines, `js-${login}`);
      expect(hook.status).toBe(want.status);
      expect([...new Set(hook.violations as string[])]).toEqual(want.violations);
    }
  }, 90_000);
});
