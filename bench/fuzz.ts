/**
 * Fuzz: generated hostile requests over every route family against a real `brymix serve` (a child
 * process listening on a port, embedded storage, production settings), then /healthz.
 *
 *   npm run fuzz                                   # 6,000 requests, seed 1, embedded storage
 *   FUZZ_REQUESTS=20000 FUZZ_SEED=7 npm run fuzz   # more, another sequence
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test REDIS_URL=redis://127.0.0.1:6379 npm run fuzz
 *                                                  # PostgreSQL (own schema) + Redis (own prefix)
 *   FUZZ_CONCURRENCY=1 FUZZ_TRACE=1 npm run fuzz 2>trace.txt   # one at a time, each request and answer
 *
 * Families: checks, jobs, account API (+ SSE), widgets (+ pages, SSE), admin, staff auth, audit,
 * console/CRM API, service API, site webhooks, SSO, platform (trader API + pages), system, docs.
 * Each request picks a route, then — with some probability each — another method, hostile path
 * segments, a hostile query, a missing/forged/foreign credential, hostile headers (huge, control
 * bytes, odd content types) and a hostile body (wrong JSON types, huge numbers, deep nesting,
 * prototype keys, invalid UTF-8, multipart garbage, oversized). About one in twenty goes over a
 * raw socket, for what an HTTP client library refuses to send (raw bytes in the path, broken
 * framing). Valid credentials are provisioned first (staff, keys, an account, a widget, a job, a
 * CRM client, a trader session), so most requests reach the handlers, not just the auth hooks.
 *
 * Prints counts by status and every 5xx (method, path, a body excerpt, the server's log line).
 * Exits 1 on any 5xx other than 503 with Retry-After, on any error line in the server's log (a 5xx
 * whose client had already hung up), if the server died, or if /healthz is not 200 at the end.
 * Never run by `npm test`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config.ts';
import { createDeps } from '../src/deps.ts';
import { createLogger } from '../src/infra/logger.ts';
import { ENGLISH, JAPANESE, MODEL, reportHtml, reportXlsx, utf16leWithBom } from '../test/factories/mt5-report.ts';
import { dropStorage, ensureSchema, freePort, newStorage, schemaDatabaseUrl, servicesMode } from '../test/storage.ts';

const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 6000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);
const BIN = fileURLToPath(new URL('../bin/brymix', import.meta.url));

// ---------------------------------------------------------------- deterministic randomness
let state = SEED >>> 0 || 1;
/** mulberry32: the same FUZZ_SEED gives the same request sequence. */
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const chance = (p: number) => rand() < p;
const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
function pick<T>(items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

// ---------------------------------------------------------------- the server under test
// Embedded (SQLite + local queue) by default; with DATABASE_URL and REDIS_URL, PostgreSQL (a schema
// of its own, dropped at the end) and Redis (a prefix of its own), as the test harness does.
const storage = newStorage();
await ensureSchema(storage);
const dir = storage.dataDir; // also the server's working directory: no .env of the checkout is read
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const secrets = {
  WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
  CREDENTIALS_KEY: randomBytes(32).toString('base64url'),
  JWT_SECRET: randomBytes(32).toString('hex'),
  SSO_SECRET: randomBytes(32).toString('hex'),
  SERVICE_API_TOKEN: randomBytes(32).toString('hex'),
  SITE_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
};
const STAFF = { email: 'fuzz-admin@example.com', password: `pw-${randomBytes(12).toString('hex')}` };
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...(servicesMode ? { DATABASE_URL: schemaDatabaseUrl(storage) } : {}),
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: storage.redisPrefix } : {}),
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: String(port),
  DATA_DIR: join(dir, 'data'),
  LOG_LEVEL: 'warn',
  ...secrets,
  // Let requests reach the handlers instead of stopping at the rate limiters.
  LOGIN_MAX_FAILURES: '1000',
  ACCOUNT_API_RATE_PER_MINUTE: '1000000',
  ACCOUNT_RATE_INTERVAL_SECONDS: '0.001',
  ACCOUNT_RATE_BURST: '10000',
  SERVICE_API_RATE_PER_MINUTE: '100000',
};

// The first staff user, as `brymix staff create` makes it: through the same services, on the same
// storage, before the server starts.
{
  const config = loadConfig({ env, envFile: false });
  const deps = await createDeps(config, {
    logger: createLogger('warn'),
    ...(servicesMode ? { pgSchema: storage.pgSchema } : {}),
  });
  await deps.staff.create({ email: STAFF.email, role: 'admin', password: STAFF.password });
  await deps.close();
}

const serverLog: string[] = [];
const server: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
  cwd: dir,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let exited: string | null = null;
server.on('exit', (code, signal) => (exited = `exit code ${code} signal ${signal}`));
// Never leave the server behind, whatever ends this script.
process.on('exit', () => {
  if (!exited) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));
for (const stream of [server.stdout!, server.stderr!]) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) serverLog.push(line);
  });
}

const agent = new Agent({
  connections: CONCURRENCY * 2,
  headersTimeout: 15_000,
  bodyTimeout: 15_000,
  maxHeaderSize: 65_536,
});
type Answer = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

async function call(
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Answer> {
  const res = await request(`${base}${path}`, {
    method: method as 'GET',
    dispatcher: agent,
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('text/event-stream')) {
    res.body.on('error', () => undefined);
    res.body.destroy(); // a live stream: the status is what counts
    return { status: res.statusCode, headers: res.headers, text: '' };
  }
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}
const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(method, path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

for (let i = 0; ; i++) {
  if (exited) throw new Error(`brymix serve ${exited}:\n${serverLog.join('\n')}`);
  try {
    if ((await call('GET', '/healthz')).status === 200) break;
  } catch {
    // not listening yet
  }
  if (i > 600) throw new Error('brymix serve did not answer /healthz within 60 s');
  await new Promise((r) => setTimeout(r, 100));
}

// ---------------------------------------------------------------- credentials and ids
async function must<T>(what: string, p: Promise<Answer>, status: number[] = [200, 201]): Promise<T> {
  const a = await p;
  if (!status.includes(a.status)) throw new Error(`setup: ${what} answered ${a.status}: ${a.text.slice(0, 300)}`);
  return (a.text ? JSON.parse(a.text) : {}) as T;
}
const staffToken = (await must<{ token: string }>('staff login', json('POST', '/api/auth/login', STAFF))).token;
const staffAuth = { authorization: `Bearer ${staffToken}` };
const key = await must<{ id: string; key: string }>(
  'api key',
  json('POST', '/api/admin/keys', { name: 'Fuzz Firm' }, staffAuth),
);
const foreignKey = await must<{ id: string; key: string }>(
  'second api key',
  json('POST', '/api/admin/keys', { name: 'Other Firm' }, staffAuth),
);
const account = await must<{ id: string }>(
  'account',
  json(
    'POST',
    '/api/admin/accounts',
    { login: '1001', server: 'Brymix-Demo', password: 'demo', key_id: key.id },
    staffAuth,
  ),
);
const widget = await must<{ id: string; token: string }>(
  'widget',
  json('POST', '/api/admin/widgets', { account_id: account.id, kind: 'card' }, staffAuth),
);
// What the destructive admin routes (delete, revoke, rotate, allowlist, limits) act on, so the
// credentials above keep working and the other families keep reaching their handlers.
const victimKey = await must<{ id: string }>(
  'victim key',
  json('POST', '/api/admin/keys', { name: 'Victim Firm' }, staffAuth),
);
const victimAccount = await must<{ id: string }>(
  'victim account',
  json(
    'POST',
    '/api/admin/accounts',
    { login: '1002', server: 'Brymix-Demo', password: 'demo', key_id: victimKey.id },
    staffAuth,
  ),
);
const victimWidget = await must<{ id: string }>(
  'victim widget',
  json('POST', '/api/admin/widgets', { account_id: victimAccount.id, kind: 'chart' }, staffAuth),
);
const job = await must<{ job_id: string }>(
  'check',
  json(
    'POST',
    '/api/v1/check',
    {
      user_id: 'u1',
      challenge_id: 'c1',
      mt5_login: '1001',
      mt5_password: 'demo',
      mt5_server: 'Brymix-Demo',
      initial_balance: 100000,
    },
    { 'x-api-key': key.key },
  ),
);

const signSite = (body: string) => createHmac('sha256', secrets.SITE_WEBHOOK_SECRET).update(body).digest('hex');
const siteEvent = JSON.stringify({
  event: 'client.registered',
  data: { clientId: 'FZ1', email: 'fz1@example.com', firstName: 'Fuzz', lastName: 'One' },
  timestamp: new Date().toISOString(),
});
await must(
  'site webhook',
  call('POST', '/api/webhooks/site', {
    headers: { 'content-type': 'application/json', 'x-webhook-signature': signSite(siteEvent) },
    body: siteEvent,
  }),
);

const trader = {
  email: 'fz-trader@example.com',
  password: 'fuzz-trader-password-1',
  firstName: 'Fuzz',
  lastName: 'Trader',
};
const signup = await json('POST', '/api/platform/signup', trader);
if (signup.status !== 201 && signup.status !== 200)
  throw new Error(`setup: signup answered ${signup.status}: ${signup.text}`);
const traderCookie = String([signup.headers['set-cookie']].flat()[0] ?? '').split(';')[0]!;
const traderAccounts = await must<{ accounts: Array<{ id: string }> }>(
  'trader accounts',
  call('GET', '/api/platform/accounts', { headers: { cookie: traderCookie } }),
);
const traderAccountId = traderAccounts.accounts[0]?.id ?? 'acc_none';

let clientId = 'cli_none';
for (let i = 0; i < 100 && clientId === 'cli_none'; i++) {
  const list = await must<{ items: Array<{ id: string; email: string }> }>(
    'clients',
    call('GET', '/api/clients?q=fz-trader', { headers: staffAuth }),
  );
  clientId = list.items.find((c) => c.email === trader.email)?.id ?? 'cli_none';
  if (clientId === 'cli_none') await new Promise((r) => setTimeout(r, 100));
}
const siteClient =
  (await must<{ items: Array<{ id: string }> }>('clients', call('GET', '/api/clients?q=fz1', { headers: staffAuth })))
    .items[0]?.id ?? 'cli_none';
const sso = await json('POST', `/api/clients/${clientId}/impersonate`, { reason: 'fuzz setup' }, staffAuth);
const ssoToken = sso.status === 200 ? (JSON.parse(sso.text) as { ssoToken: string }).ssoToken : 'none';

// ---------------------------------------------------------------- hostile material
const HOSTILE_SEGMENTS = [
  '..',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%00',
  '%0d%0aSet-Cookie:%20x=1',
  '%ff%fe',
  '%c0%af',
  '%',
  '%zz',
  '__proto__',
  'constructor',
  'prototype',
  "1'%20OR%20'1'='1",
  '1;DROP%20TABLE%20jobs',
  '%7B%7B7*7%7D%7D',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j lookup-injection probe, sent as literal text
  '${jndi:ldap:x}',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  'a'.repeat(300),
  'x'.repeat(5000),
  '%F0%9F%92%A9',
  '%E2%80%AE',
  '%20',
  '.',
  '~',
  '*',
  'acc_',
  'job_',
  'key_',
  'cli_',
  `wgt_${'A'.repeat(43)}`,
  'fz1%40example.com',
];
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\r\n',
  '\u202e',
  '\ud800',
  '💩',
  'a'.repeat(100_000),
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as literal text
  '${7*7}',
  '../../etc/passwd',
  '%s%s%s%n',
  'null',
  'true',
  '-0',
  '1e309',
  'NaN',
  '0x10',
  '١٢٣',
];
const HOSTILE_NUMBERS = [0, -1, -0, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 0.1 + 0.2, 123456789012345680000];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

function hostileValue(depth = 0): unknown {
  switch (int(0, 9)) {
    case 0:
      return pick(HOSTILE_STRINGS);
    case 1:
      return pick(HOSTILE_NUMBERS);
    case 2:
      return pick([true, false, null]);
    case 3:
      return depth < 3 ? Array.from({ length: int(0, 4) }, () => hostileValue(depth + 1)) : [];
    case 4:
      return depth < 3
        ? Object.fromEntries(
            Array.from({ length: int(0, 4) }, () => [
              pick([...PROTO_KEYS, 'a', 'type', 'pct', 'value']),
              hostileValue(depth + 1),
            ]),
          )
        : {};
    case 5:
      return Array.from({ length: int(1000, 20_000) }, () => 1);
    case 6:
      return 'x'.repeat(int(1, 2_000_000));
    case 7:
      return String(int(-1e9, 1e9));
    case 8:
      return { __proto__: { polluted: true } };
    default:
      return randomBytes(int(1, 64)).toString('latin1');
  }
}

function deepNesting(): string {
  const depth = pick([100, 1_000, 10_000, 100_000]);
  return pick([
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
    `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    `{"rules":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
  ]);
}

/** A valid body with fields replaced, dropped, added or retyped. */
function mutate(valid: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...valid };
  const keys = Object.keys(out);
  for (let i = int(1, 3); i > 0; i--) {
    const op = int(0, 3);
    if (op === 0 && keys.length) out[pick(keys)] = hostileValue();
    else if (op === 1 && keys.length) delete out[pick(keys)];
    else if (op === 2) out[pick([...PROTO_KEYS, 'extra', 'unexpected'])] = hostileValue();
    else if (keys.length) {
      const k = pick(keys);
      const v = out[k];
      const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? '');
      out[k] = pick([[v], { value: v }, text, Number(text)]);
    }
  }
  return out;
}

function multipartGarbage(): { contentType: string; body: Buffer } {
  const b = `fz${randomBytes(6).toString('hex')}`;
  const field = (n: string, v: string) => `--${b}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
  const file = `--${b}\r\nContent-Disposition: form-data; name="report"; filename="ReportHistory-1.${pick(['html', 'xlsx', 'exe', ''])}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const fields =
    field('user_id', 'u') + field('challenge_id', 'c') + field('initial_balance', pick(['10000', 'x', '-1', '1e309']));
  const variants: Array<[string, string | Buffer]> = [
    ['multipart/form-data', `${fields}--${b}--\r\n`],
    ['multipart/form-data; boundary=other', `${fields}--${b}--\r\n`],
    [`multipart/form-data; boundary=${b}`, randomBytes(int(1, 4096))],
    [`multipart/form-data; boundary=${b}`, `${fields}${file}<html><body>${'<td>'.repeat(int(0, 2000))}`],
    [
      `multipart/form-data; boundary=${b}`,
      `${fields}${file}${randomBytes(int(0, 8192)).toString('latin1')}\r\n--${b}--\r\n`,
    ],
    [
      `multipart/form-data; boundary=${b}`,
      `${fields}${file}PK\u0003\u0004${randomBytes(200).toString('latin1')}\r\n--${b}--\r\n`,
    ],
    [
      `multipart/form-data; boundary=${b}`,
      `${Array.from({ length: int(21, 60) }, (_, i) => field(`f${i}`, 'x')).join('')}--${b}--\r\n`,
    ],
    [
      `multipart/form-data; boundary=${b}`,
      `${field('__proto__', '{"x":1}')}${field('rules', '{"max_drawdown_percent":')}--${b}--\r\n`,
    ],
    [`multipart/form-data; boundary=${b}`, `${fields}${file}<html></html>\r\n${file}<html></html>\r\n--${b}--\r\n`],
    [
      `multipart/form-data; boundary=${b}`,
      `--${b}\r\nContent-Disposition: form-data; name="${'n'.repeat(2000)}"\r\n\r\nx\r\n--${b}--\r\n`,
    ],
    [`multipart/form-data; boundary=${'b'.repeat(100)}`, ''],
  ];
  const [contentType, body] = pick(variants);
  return { contentType, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1') };
}

function invalidUtf8(): Buffer {
  return Buffer.concat([
    Buffer.from('{"user_id":"'),
    Buffer.from([pick([0xc0, 0xff, 0xfe, 0xed, 0x80]), 0xa0, 0xa1, 0xe2, 0x28]),
    Buffer.from('","challenge_id":"c","initial_balance":1}'),
  ]);
}

// ---------------------------------------------------------------- hostile terminal reports
/** A byte string with a few bytes flipped, cut or repeated: a damaged download. */
function damage(bytes: Uint8Array): Uint8Array {
  const out = Buffer.from(bytes);
  switch (int(0, 3)) {
    case 0:
      for (let i = int(1, 20); i > 0; i--) out[int(0, out.length - 1)] = int(0, 255);
      return out;
    case 1:
      return out.subarray(0, int(0, out.length));
    case 2:
      return Buffer.concat([out.subarray(0, int(0, out.length)), out]);
    default:
      return Buffer.concat([out, randomBytes(int(1, 512))]);
  }
}
const sheet = (rows: string) =>
  zipSync({
    '[Content_Types].xml': Buffer.from('<Types/>'),
    'xl/workbook.xml': Buffer.from('<workbook><sheets><sheet name="Sheet1" r:id="rId1"/></sheets></workbook>'),
    'xl/worksheets/sheet1.xml': Buffer.from(`<worksheet><sheetData>${rows}</sheetData></worksheet>`),
  });
const REPORTS: Array<{ name: string; bytes: () => Uint8Array }> = [
  { name: 'ReportHistory-5550123.html', bytes: () => utf16leWithBom(reportHtml(ENGLISH), true) },
  { name: 'ReportHistory-5550123.html', bytes: () => Buffer.from(reportHtml(JAPANESE, MODEL)) },
  { name: 'ReportHistory-5550123.xlsx', bytes: () => reportXlsx(ENGLISH, MODEL) },
  { name: 'ReportHistory-5550123.xlsx', bytes: () => damage(reportXlsx(ENGLISH, MODEL)) },
  { name: 'ReportHistory-5550123.html', bytes: () => damage(utf16leWithBom(reportHtml(ENGLISH))) },
  { name: 'ReportHistory-1.xlsx', bytes: () => sheet('<row>'.repeat(int(1000, 80_000))) },
  {
    name: 'ReportHistory-1.xlsx',
    bytes: () => sheet(`<row><c t="s"><v>${int(0, 1e9)}</v></c></row>`.repeat(int(1, 2000))),
  },
  {
    name: 'ReportHistory-1.xlsx',
    bytes: () => zipSync({ 'xl/worksheets/sheet1.xml': new Uint8Array(int(1, 8) * 1_048_576) }),
  },
  { name: 'ReportHistory-1.html', bytes: () => Buffer.from(`<html><title>${'<'.repeat(int(1000, 80_000))}`) },
  { name: 'ReportHistory-1.html', bytes: () => Buffer.from(`<table>${'<tr><td>1'.repeat(int(100, 20_000))}`) },
  { name: 'ReportHistory-1.htm', bytes: () => randomBytes(int(0, 65_536)) },
  {
    name: 'ReportHistory-1.xlsx',
    bytes: () => Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(int(0, 4096))]),
  },
];

function reportUpload(): { name: string; bytes: Buffer } {
  const r = pick(REPORTS);
  return { name: r.name, bytes: Buffer.from(r.bytes()) };
}

// ---------------------------------------------------------------- the routes, by family
type Auth = 'none' | 'apiKey' | 'staff' | 'service' | 'site' | 'widget' | 'trader';
interface Route {
  family: string;
  method: string;
  path: string;
  auth: Auth;
  body?: () => Record<string, unknown>;
  query?: () => Record<string, string>;
  /** A well-formed multipart upload of a (hostile) terminal report. */
  multipartReport?: boolean;
  /** Share of bodies mutated (default 0.7); the rest are sent as the route expects them. */
  mutateRate?: number;
}
const checkBody = () => ({
  user_id: `u${int(1, 99)}`,
  challenge_id: `c${int(1, 99)}`,
  mt5_login: pick(['1001', '1002', '1005', 1003]),
  mt5_password: 'demo',
  mt5_server: 'Brymix-Demo',
  initial_balance: 100000,
  rules: { max_drawdown_percent: 10, profit_target_percent: 10 },
});
const siteBody = () =>
  pick([
    {
      event: 'client.registered',
      data: { clientId: `FZ${int(1, 50)}`, email: `fz${int(1, 50)}@example.com`, firstName: 'F', lastName: 'Z' },
      timestamp: new Date().toISOString(),
    },
    {
      event: 'deposit.completed',
      data: { transactionId: `tx${int(1, 1e6)}`, email: 'fz1@example.com', amount: '100.50', currency: 'USD' },
      timestamp: new Date().toISOString(),
    },
    {
      event: 'kyc.updated',
      data: { email: 'fz1@example.com', kycStatus: 'approved' },
      timestamp: new Date().toISOString(),
    },
    {
      event: 'account.updated',
      data: {
        email: 'fz1@example.com',
        accountId: `acc-${int(1, 9)}`,
        login: '7001',
        server: 'Brymix-Demo',
        status: 'active',
        balance: 1000,
      },
      timestamp: new Date().toISOString(),
    },
  ]);
const ROUTES: Route[] = [
  { family: 'checks', method: 'POST', path: '/api/v1/check', auth: 'apiKey', body: checkBody },
  {
    family: 'checks',
    method: 'POST',
    path: '/api/v1/check',
    auth: 'apiKey',
    mutateRate: 0.2,
    body: () => {
      const r = reportUpload();
      return {
        user_id: 'u-report',
        challenge_id: `c${int(1, 99)}`,
        report_base64: r.bytes.toString('base64'),
        report_filename: r.name,
        initial_balance: 10000,
        server_utc_offset_minutes: pick([0, 120, 180]),
        rules: { preset: 'ftmo-2step' },
      };
    },
  },
  { family: 'checks', method: 'POST', path: '/api/v1/check', auth: 'apiKey', multipartReport: true },
  { family: 'jobs', method: 'GET', path: '/api/v1/job/:job', auth: 'apiKey' },
  { family: 'jobs', method: 'GET', path: '/api/v1/job/:job/deliveries', auth: 'apiKey' },
  { family: 'jobs', method: 'POST', path: '/api/v1/job/:job/redeliver', auth: 'apiKey' },
  ...['info', 'positions', 'summary', 'stream'].map(
    (r): Route => ({ family: 'accounts API', method: 'GET', path: `/api/account/:account/${r}`, auth: 'apiKey' }),
  ),
  { family: 'widgets', method: 'GET', path: '/api/widgets/data', auth: 'widget' },
  { family: 'widgets', method: 'GET', path: '/api/widgets/stream', auth: 'widget' },
  ...['card', 'chart', 'positions', 'stats', 'customize'].map(
    (k): Route => ({ family: 'widgets', method: 'GET', path: `/widgets/${k}`, auth: 'widget' }),
  ),
  { family: 'admin', method: 'GET', path: '/api/admin/accounts', auth: 'staff' },
  {
    family: 'admin',
    method: 'POST',
    path: '/api/admin/accounts',
    auth: 'staff',
    body: () => ({
      login: String(int(1000, 1010)),
      server: 'Brymix-Demo',
      password: 'demo',
      name: 'Fuzz',
      rules: { max_daily_loss_percent: 5 },
    }),
  },
  { family: 'admin', method: 'DELETE', path: '/api/admin/accounts/:victimAccount', auth: 'staff' },
  {
    family: 'admin',
    method: 'POST',
    path: '/api/admin/accounts/:victimAccount/links',
    auth: 'staff',
    body: () => ({ key_id: pick([victimKey.id, foreignKey.id]) }),
  },
  { family: 'admin', method: 'DELETE', path: '/api/admin/accounts/:victimAccount/links/:victimKey', auth: 'staff' },
  {
    family: 'admin',
    method: 'PUT',
    path: '/api/admin/accounts/:victimAccount/rules',
    auth: 'staff',
    body: () => ({ rules: { max_daily_loss_percent: 5 }, initial_balance: 100000 }),
  },
  { family: 'admin', method: 'GET', path: '/api/admin/keys', auth: 'staff' },
  {
    family: 'admin',
    method: 'POST',
    path: '/api/admin/keys',
    auth: 'staff',
    body: () => ({ name: 'Fuzz', allowed_cidrs: ['10.0.0.0/8'] }),
  },
  {
    family: 'admin',
    method: 'POST',
    path: '/api/admin/keys/:victimKey/rotate',
    auth: 'staff',
    body: () => ({ overlap: pick(['24h', '0', '30m', '-1h', '999999999d']) }),
  },
  {
    family: 'admin',
    method: 'PUT',
    path: '/api/admin/keys/:victimKey/allowlist',
    auth: 'staff',
    body: () => ({ allowed_cidrs: [pick(['127.0.0.1', '10.0.0.0/8', '::1', 'not-a-cidr', '300.1.1.1/99'])] }),
  },
  {
    family: 'admin',
    method: 'PUT',
    path: '/api/admin/keys/:victimKey/limits',
    auth: 'staff',
    body: () => ({ per_minute: int(1, 1_000_000), account_interval_seconds: 0.001, account_burst: 10_000 }),
  },
  {
    family: 'admin',
    method: 'GET',
    path: '/api/admin/widgets',
    auth: 'staff',
    query: () => ({ account_id: account.id }),
  },
  {
    family: 'admin',
    method: 'POST',
    path: '/api/admin/widgets',
    auth: 'staff',
    body: () => ({
      account_id: account.id,
      kind: pick(['card', 'chart', 'positions', 'stats', 'nope']),
      options: { theme: 'dark' },
    }),
  },
  { family: 'admin', method: 'POST', path: '/api/admin/widgets/:victimWidget/revoke', auth: 'staff' },
  {
    family: 'admin',
    method: 'GET',
    path: '/api/admin/access-log',
    auth: 'staff',
    query: () => ({ status_class: String(int(1, 5)), limit: String(int(1, 1000)), from: '2026-01-01T00:00:00Z' }),
  },
  { family: 'admin', method: 'GET', path: '/admin', auth: 'none' },
  {
    family: 'staff auth',
    method: 'POST',
    path: '/api/auth/login',
    auth: 'none',
    body: () => ({ email: pick([STAFF.email, 'nobody@example.com']), password: pick(['wrong-password', 'x']) }),
  },
  { family: 'staff auth', method: 'GET', path: '/api/auth/me', auth: 'staff' },
  {
    family: 'audit',
    method: 'GET',
    path: '/api/audit',
    auth: 'staff',
    query: () => ({ page: String(int(1, 5)), pageSize: String(int(1, 500)), outcome: 'success' }),
  },
  { family: 'audit', method: 'GET', path: '/api/audit/verify', auth: 'staff' },
  {
    family: 'console/CRM API',
    method: 'GET',
    path: '/api/clients',
    auth: 'staff',
    query: () => ({
      q: pick(['fz', 'Fuzz', '%', '_', "'"]),
      sort: pick(['created_desc', 'name_asc']),
      page: '1',
      pageSize: '25',
    }),
  },
  { family: 'console/CRM API', method: 'GET', path: '/api/clients/:client', auth: 'staff' },
  {
    family: 'console/CRM API',
    method: 'PATCH',
    path: '/api/clients/:client/kyc',
    auth: 'staff',
    body: () => ({ kycStatus: pick(['approved', 'rejected', 'in_review']), kycNotes: 'fuzz' }),
  },
  { family: 'console/CRM API', method: 'GET', path: '/api/clients/:client/notes', auth: 'staff' },
  {
    family: 'console/CRM API',
    method: 'POST',
    path: '/api/clients/:client/notes',
    auth: 'staff',
    body: () => ({ comment: 'fuzz note' }),
  },
  ...['activity', 'accounts', 'transactions'].map(
    (r): Route => ({
      family: 'console/CRM API',
      method: 'GET',
      path: `/api/clients/:client/${r}`,
      auth: 'staff',
      query: () => ({ limit: String(int(1, 200)) }),
    }),
  ),
  {
    family: 'console/CRM API',
    method: 'POST',
    path: '/api/clients/:client/impersonate',
    auth: 'staff',
    body: () => ({ reason: 'fuzzing the console' }),
  },
  ...['/console', '/console/login', '/console/clients', '/console/clients/:client', '/console/audit'].map(
    (p): Route => ({ family: 'console/CRM API', method: 'GET', path: p, auth: 'none' }),
  ),
  { family: 'service API', method: 'GET', path: '/api/service/clients/:email', auth: 'service' },
  { family: 'service API', method: 'GET', path: '/api/service/accounts/:email', auth: 'service' },
  {
    family: 'service API',
    method: 'PATCH',
    path: '/api/service/clients/:email/kyc',
    auth: 'service',
    body: () => ({ kycStatus: 'pending' }),
  },
  {
    family: 'service API',
    method: 'POST',
    path: '/api/service/clients/:email/notes',
    auth: 'service',
    body: () => ({ comment: 'from the platform' }),
  },
  {
    family: 'service API',
    method: 'GET',
    path: '/api/service/clients/:email/activity',
    auth: 'service',
    query: () => ({ limit: '10' }),
  },
  { family: 'site webhooks', method: 'POST', path: '/api/webhooks/site', auth: 'site', body: siteBody },
  {
    family: 'SSO',
    method: 'GET',
    path: '/sso/impersonate',
    auth: 'none',
    query: () => ({ token: pick([ssoToken, 'eyJhbGciOiJub25lIn0.e30.', 'x'.repeat(4000)]) }),
  },
  {
    family: 'platform',
    method: 'POST',
    path: '/api/platform/signup',
    auth: 'none',
    body: () => ({
      email: `fz${int(1, 1e6)}@example.com`,
      password: 'a-long-enough-password',
      firstName: 'F',
      lastName: 'Z',
    }),
  },
  {
    family: 'platform',
    method: 'POST',
    path: '/api/platform/signin',
    auth: 'none',
    body: () => ({ email: trader.email, password: pick(['wrong-password', 'x']) }),
  },
  { family: 'platform', method: 'GET', path: '/api/platform/me', auth: 'trader' },
  { family: 'platform', method: 'GET', path: '/api/platform/accounts', auth: 'trader' },
  { family: 'platform', method: 'GET', path: '/api/platform/accounts/:traderAccount/equity', auth: 'trader' },
  {
    family: 'platform',
    method: 'POST',
    path: '/api/platform/deposits',
    auth: 'trader',
    body: () => ({ accountId: traderAccountId, amount: pick(['100.00', 50, '0.001', -5]), method: 'card' }),
  },
  {
    family: 'platform',
    method: 'POST',
    path: '/api/platform/withdrawals',
    auth: 'trader',
    body: () => ({ accountId: traderAccountId, amount: pick(['1.00', 1e9]) }),
  },
  {
    family: 'platform',
    method: 'POST',
    path: '/api/platform/password',
    auth: 'trader',
    body: () => ({ currentPassword: 'wrong-password-x', newPassword: 'another-long-password' }),
  },
  { family: 'platform', method: 'POST', path: '/api/platform/kyc', auth: 'trader', body: () => ({}) },
  ...['/signup', '/signin', '/dashboard'].map(
    (p): Route => ({ family: 'platform', method: 'GET', path: p, auth: 'none' }),
  ),
  ...[
    '/healthz',
    '/readyz',
    '/metrics',
    '/openapi.json',
    '/docs/',
    '/docs/json',
    '/static/shared/base.css',
    '/static/vendor/lightweight-charts.js',
    '/nope',
  ].map((p): Route => ({ family: 'system', method: 'GET', path: p, auth: 'none' })),
];

const VALID_PARAMS: Record<string, () => string> = {
  job: () => pick([job.job_id, 'job_doesnotexist000000']),
  account: () => pick([account.id, '1001']),
  victimAccount: () => victimAccount.id,
  victimKey: () => victimKey.id,
  victimWidget: () => victimWidget.id,
  client: () => pick([clientId, siteClient]),
  email: () => encodeURIComponent(pick([trader.email, 'fz1@example.com'])),
  traderAccount: () => traderAccountId,
};
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'CONNECT_'];

function credential(
  auth: Auth,
  headers: Record<string, string>,
  query: Record<string, string>,
  body: string | undefined,
): void {
  const mode = rand();
  const forged = mode >= 0.75 && mode < 0.9;
  if (mode >= 0.9) return; // missing
  if (mode >= 0.7 && mode < 0.75) {
    // another family's credential, or a hostile one
    headers[pick(['x-api-key', 'authorization', 'cookie'])] = pick([
      `Bearer ${key.key}`,
      staffToken,
      `brymix_trader=${'%'.repeat(10)}`,
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      'Bearer',
      'x'.repeat(8000),
      `Bearer ${secrets.SERVICE_API_TOKEN.slice(1)}`,
    ]);
    return;
  }
  const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;
  switch (auth) {
    case 'apiKey':
      headers['x-api-key'] = forged ? flip(key.key) : chance(0.1) ? foreignKey.key : key.key;
      break;
    case 'staff':
      headers.authorization = `Bearer ${forged ? flip(staffToken) : staffToken}`;
      break;
    case 'service':
      headers.authorization = `Bearer ${forged ? flip(secrets.SERVICE_API_TOKEN) : secrets.SERVICE_API_TOKEN}`;
      break;
    case 'site':
      headers['x-webhook-signature'] = forged ? flip(signSite(body ?? '')) : signSite(body ?? '');
      break;
    case 'widget':
      query.token = forged ? flip(widget.token) : widget.token;
      break;
    case 'trader':
      headers.cookie = forged ? flip(traderCookie) : traderCookie;
      if (chance(0.8)) headers['x-requested-with'] = 'fetch';
      break;
    case 'none':
      break;
  }
}

interface Planned {
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  raw?: Buffer;
}

const FAMILIES = [...new Set(ROUTES.map((r) => r.family))];

function plan(): Planned {
  // Every family gets the same share, however many routes it has.
  const family = pick(FAMILIES);
  const route = pick(ROUTES.filter((r) => r.family === family));
  const method = chance(0.8) ? route.method : pick(METHODS);
  let path = route.path.replace(/:(\w+)/g, (_m, name: string) =>
    chance(0.6) ? VALID_PARAMS[name]!() : pick(HOSTILE_SEGMENTS),
  );
  if (chance(0.08))
    path = pick([
      `${path}/`,
      `${path}//x`,
      path.toUpperCase(),
      `${path}/..`,
      `/./${path.slice(1)}`,
      `${path}%2f`,
      `${path};x=1`,
      `//${path}`,
      `${path}#frag`,
    ]);
  const query: Record<string, string> = chance(0.7) && route.query ? route.query() : {};
  if (chance(0.25))
    for (let i = int(1, 4); i > 0; i--)
      query[
        pick([
          'limit',
          'page',
          'pageSize',
          'cursor',
          'token',
          'q',
          'from',
          'to',
          'status',
          '__proto__[x]',
          'constructor',
          'sort',
          'account_id',
          'a[]',
        ])
      ] = String(pick([...HOSTILE_STRINGS.slice(0, 20), ...HOSTILE_NUMBERS.map(String)]));
  const headers: Record<string, string> = {};
  let body: string | Buffer | undefined;
  const withBody = !['GET', 'HEAD'].includes(method) && chance(0.9);
  if (withBody && route.multipartReport && chance(0.8)) {
    const b = `fzr${randomBytes(8).toString('hex')}`;
    const field = (n: string, v: string) => `--${b}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
    const r = reportUpload();
    headers['content-type'] = `multipart/form-data; boundary=${b}`;
    body = Buffer.concat([
      Buffer.from(
        field('user_id', 'u-mp') +
          field('challenge_id', `c${int(1, 99)}`) +
          field('initial_balance', chance(0.8) ? '10000' : pick(['1e309', '-5'])) +
          field('rules', chance(0.8) ? '{"preset":"ftmo-2step"}' : pick(['{', '[]', '{"max_drawdown_percent":"x"}'])),
      ),
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="report"; filename="${r.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      r.bytes,
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
  } else if (withBody) {
    const r = rand();
    if (r < 0.4 && route.body) {
      body = JSON.stringify(chance(route.mutateRate ?? 0.7) ? mutate(route.body()) : route.body());
      if (chance(0.8)) headers['content-type'] = 'application/json';
    } else if (r < 0.5) body = deepNesting();
    else if (r < 0.6)
      body = `{${PROTO_KEYS.map((k) => `"${k}":${JSON.stringify(hostileValue())}`).join(',')}${route.body ? `,${JSON.stringify(route.body()).slice(1)}` : '}'}`;
    else if (r < 0.67) body = JSON.stringify(hostileValue());
    else if (r < 0.77) {
      const mp = multipartGarbage();
      headers['content-type'] = mp.contentType;
      body = mp.body;
    } else if (r < 0.83) body = invalidUtf8();
    else if (r < 0.87) body = `{"user_id":"${'x'.repeat(int(1_048_000, 1_200_000))}"}`;
    else if (r < 0.93)
      body = pick([
        '',
        'null',
        '[]',
        '"x"',
        '1',
        'true',
        '{',
        '{"a":1}{"b":2}',
        '\ufeff{}',
        '{"a":1e999999}',
        '{"a":-0}',
      ]);
    else body = randomBytes(int(1, 2048));
    headers['content-type'] ??= pick([
      'application/json',
      'application/json',
      'application/json',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      '',
      'application/json; boundary=x',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'multipart/form-data',
    ]);
    if (headers['content-type'] === '') delete headers['content-type'];
  }
  credential(route.auth, headers, query, typeof body === 'string' ? body : body?.toString('latin1'));
  if (chance(0.3)) {
    for (let i = int(1, 3); i > 0; i--) {
      const [name, value] = pick<[string, string]>([
        ['x-request-id', pick(['x', 'a'.repeat(200), '../../', 'req_ok_12345678', '%00'])],
        ['x-forwarded-for', pick(['127.0.0.1', '::1, 10.0.0.1', 'garbage', '1.1.1.1'.repeat(500)])],
        ['idempotency-key', pick(['k', 'k'.repeat(10_000), '\u00e9', ''])],
        ['accept', pick(['*/*', 'text/html', 'application/xml', 'x'.repeat(1000)])],
        ['accept-encoding', pick(['gzip', 'br', 'identity;q=0', 'x'])],
        ['range', pick(['bytes=0-1', 'bytes=-1', 'bytes=99999999999-', 'x'])],
        ['if-none-match', '"x"'],
        ['if-modified-since', pick(['yesterday', 'Tue, 01 Dec 2099 00:00:00 GMT'])],
        ['origin', 'https://evil.example'],
        ['webhook-id', pick(['msg_1', 'x'.repeat(1000)])],
        ['webhook-timestamp', pick(['0', '-1', '99999999999999999999', 'x'])],
        ['webhook-signature', pick(['v1,AAAA', 'v1,', 'x'])],
        ['cookie', pick(['brymix_staff=x', 'brymix_trader=%', 'a=b; a=c', '='.repeat(100)])],
        ['x-huge', 'h'.repeat(pick([1000, 8000, 20_000, 70_000]))],
      ]);
      headers[name] = value;
    }
  }
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeQuery(k)}=${encodeQuery(v)}`)
    .join('&');
  const fullPath = qs ? `${path}?${qs}` : path;
  if (chance(0.05))
    return { family: route.family, method, path: fullPath, headers, raw: rawVariant(method, fullPath, headers, body) };
  return { family: route.family, method, path: fullPath, headers, ...(body !== undefined ? { body } : {}) };
}

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 it would be (%ED%A0%80). */
function encodeQuery(s: string): string {
  return s
    .split(/([\ud800-\udfff])/)
    .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

/** What a client library will not send: raw bytes in the path and headers, broken framing. */
function rawVariant(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
): Buffer {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  const variants: Array<() => Buffer> = [
    () =>
      Buffer.concat([
        Buffer.from(`${method} ${path.split('?')[0]}`),
        Buffer.from([0xff, 0xfe, 0x80]),
        Buffer.from(` HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: ${payload.length}\r\n\r\n`),
        payload,
      ]),
    () =>
      Buffer.concat([
        Buffer.from(
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nX-Bad: a\u0000b\r\nContent-Length: ${payload.length}\r\n\r\n`,
        ),
        payload,
      ]),
    () =>
      Buffer.concat([
        Buffer.from(
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: ${payload.length}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        ),
        payload,
      ]),
    () =>
      Buffer.concat([
        Buffer.from(
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: ${payload.length + 50}\r\n\r\n`,
        ),
        payload,
      ]),
    () =>
      Buffer.concat([
        Buffer.from(
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nTransfer-Encoding: chunked\r\n\r\n${payload.length.toString(16)}\r\n`,
        ),
        payload,
        Buffer.from('\r\n'),
      ]),
    () => Buffer.from(`${method} ${path} HTTP/1.0\r\n${head}\r\n\r\n`),
    () => Buffer.from(`${method} ${path} HTTP/9.9\r\nHost: x\r\n\r\n`),
    () => Buffer.from(`GARBAGE\r\n\r\n`),
    () =>
      Buffer.concat([
        Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: -1\r\n\r\n`),
        payload,
      ]),
    () =>
      Buffer.from(
        `${method} ${path} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
      ),
  ];
  return pick(variants)();
}

function sendRaw(bytes: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      socket.end();
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      data += d;
      if (data.length > 200_000) socket.destroy();
    });
    const done = () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      const headers: Record<string, string> = {};
      for (const line of data.split('\r\n\r\n')[0]!.split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: m ? Number(m[1]) : 0, headers, text: data.slice(data.indexOf('\r\n\r\n') + 4, 2000) });
    };
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

// ---------------------------------------------------------------- run
const counts = new Map<string, number>();
const families = new Map<string, number>();
/** family → status class (2xx, 4xx, …) → count: shows whether requests reach the handlers. */
const byFamily = new Map<string, Map<string, number>>();
function tally(family: string, status: number | string): void {
  const cls = typeof status === 'number' ? (status === 0 ? 'closed' : `${String(status)[0]}xx`) : 'client';
  const m = byFamily.get(family) ?? new Map<string, number>();
  m.set(cls, (m.get(cls) ?? 0) + 1);
  byFamily.set(family, m);
}
const failures: Array<{
  method: string;
  path: string;
  status: number;
  family: string;
  headers: Record<string, string>;
  body: string;
  answer: string;
}> = [];
let allowed503 = 0;
let next = 0;
const started = performance.now();

function describe(p: Planned, status: number, answer: string) {
  const bodyText = p.raw
    ? p.raw.toString('latin1')
    : p.body === undefined
      ? ''
      : Buffer.isBuffer(p.body)
        ? p.body.toString('latin1')
        : p.body;
  return {
    method: p.method,
    path: p.path.slice(0, 300),
    status,
    family: p.family,
    headers: Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k, v.slice(0, 120)])),
    body: bodyText.slice(0, 400),
    answer: answer.slice(0, 300),
  };
}

/** The slowest answers: what holds the server (or its event loop) up. */
const slowest: Array<{ ms: number; what: string }> = [];
function timed(p: Planned, ms: number): void {
  if (slowest.length < 8 || ms > slowest.at(-1)!.ms) {
    slowest.push({
      ms,
      what: `${p.method} ${p.path.slice(0, 100)} [${p.family}] ${p.headers['content-type'] ?? ''} ${p.body ? `${Buffer.byteLength(p.body)} B: ${JSON.stringify((Buffer.isBuffer(p.body) ? p.body.toString('latin1') : p.body).slice(0, 60))}` : ''}`,
    });
    slowest.sort((a, b) => b.ms - a.ms).splice(8);
  }
}

async function worker(): Promise<void> {
  while (next < TOTAL) {
    next++;
    const p = plan();
    let answer: Answer;
    const t0 = performance.now();
    const index = next;
    if (process.env.FUZZ_TRACE)
      console.error(
        `> ${index} ${p.raw ? 'RAW ' : ''}${p.method} ${p.path.slice(0, 120)} ${JSON.stringify(p.headers).slice(0, 300)} body ${p.body === undefined ? '-' : Buffer.byteLength(p.body)}`,
      );
    try {
      if (p.raw) answer = await sendRaw(p.raw);
      else
        answer = await call(p.method === 'CONNECT_' ? 'CONNECT' : p.method, p.path, {
          headers: p.headers,
          ...(p.body !== undefined ? { body: p.body } : {}),
        });
    } catch (err) {
      // undici refuses some methods/headers itself, or the server closed the connection (431, 400 on
      // a broken frame): not an answer of the application.
      const code = (err as { code?: string }).code ?? (err as Error).name;
      if (process.env.FUZZ_TRACE) console.error(`< ${index} ${code} ${(performance.now() - t0).toFixed(0)} ms`);
      const label = `client: ${code}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      // No answer in 15 s is a hang, not a refusal.
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
        failures.push(describe(p, 0, `no answer: ${code}`));
      families.set(p.family, (families.get(p.family) ?? 0) + 1);
      tally(p.family, 'client');
      continue;
    }
    timed(p, performance.now() - t0);
    if (process.env.FUZZ_TRACE) console.error(`< ${index} ${answer.status} ${(performance.now() - t0).toFixed(0)} ms`);
    const label = p.raw ? `${answer.status || 'closed'} (raw)` : String(answer.status);
    counts.set(label, (counts.get(label) ?? 0) + 1);
    families.set(p.family, (families.get(p.family) ?? 0) + 1);
    tally(p.family, answer.status);
    if (answer.status >= 500) {
      if (answer.status === 503 && answer.headers['retry-after'] !== undefined) allowed503++;
      else {
        failures.push(describe(p, answer.status, answer.text));
      }
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - started) / 1000;

const health = exited ? null : await call('GET', '/healthz').catch(() => null);
const ready = exited ? null : await call('GET', '/readyz').catch(() => null);

console.log(
  `\nbrymix fuzz: ${TOTAL} requests, seed ${SEED}, ${CONCURRENCY} at a time, ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)} req/s)\n`,
);
const CLASSES = ['2xx', '3xx', '4xx', '5xx', 'closed', 'client'];
console.log(
  `requests by family: ${'family'.padEnd(16)} ${'total'.padStart(6)} ${CLASSES.map((c) => c.padStart(6)).join(' ')}`,
);
for (const [f, n] of [...families].sort((a, b) => b[1] - a[1])) {
  const m = byFamily.get(f)!;
  console.log(
    `  ${f.padEnd(34)} ${String(n).padStart(6)} ${CLASSES.map((c) => String(m.get(c) ?? 0).padStart(6)).join(' ')}`,
  );
}
console.log('\nanswers by status:');
for (const [s, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`  ${s.padEnd(26)} ${n}`);
console.log('\nslowest answers:');
for (const s of slowest) console.log(`  ${s.ms.toFixed(0).padStart(6)} ms  ${s.what}`);
const fivexx = [...counts].filter(([s]) => /^5/.test(s)).reduce((a, [, n]) => a + n, 0);
console.log(`\n5xx: ${fivexx} (503 with Retry-After: ${allowed503}); failures: ${failures.length}`);
console.log(
  `server: ${exited ?? 'running'}; /healthz ${health?.status ?? 'no answer'}; /readyz ${ready?.status ?? 'no answer'}`,
);

// A 5xx the client never saw (it had hung up) still shows in the server's log as an error line.
const errorLines = serverLog.filter((l) => /"level":(50|60)/.test(l));
console.log(`server error log lines: ${errorLines.length}`);
if (failures.length > 0 || errorLines.length > 0) {
  const file = join(tmpdir(), `brymix-fuzz-failures-seed${SEED}.json`);
  writeFileSync(file, JSON.stringify({ failures, serverErrors: errorLines }, null, 2));
  console.log(`\nfirst failures (all, with the server's error lines, in ${file}):`);
  for (const f of failures.slice(0, 15))
    console.log(
      `  ${f.status} ${f.method} ${f.path.slice(0, 120)} [${f.family}] body: ${JSON.stringify(f.body.slice(0, 120))}`,
    );
  console.log('\nserver error lines (distinct messages):');
  const distinct = new Map<string, string>();
  for (const l of errorLines) {
    let key = l.slice(0, 200);
    try {
      const o = JSON.parse(l) as { msg?: string; err?: { message?: string; stack?: string } };
      key = `${o.msg ?? ''}: ${o.err?.message ?? ''} @ ${(o.err?.stack ?? '').split('\n')[1]?.trim() ?? ''}`;
    } catch {
      // not JSON: keep the text
    }
    distinct.set(key, l);
  }
  for (const k of [...distinct.keys()].slice(0, 10)) console.log(`  ${k.slice(0, 400)}`);
}

server.kill('SIGTERM');
await new Promise<void>((r) => (exited ? r() : server.once('exit', () => r())));
await agent.close();
await dropStorage(storage);
const ok = failures.length === 0 && errorLines.length === 0 && health?.status === 200;
console.log(ok ? '\nPASS: no 5xx, no server error, /healthz 200' : '\nFAIL');
process.exit(ok ? 0 : 1);
