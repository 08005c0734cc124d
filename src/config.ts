/**
 * The only reader of process.env. Reads `.env` (without overriding the real environment),
 * generates missing secrets into `.env` on first start, validates everything with Zod and
 * returns a frozen object.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isIpOrCidr } from './infra/net/cidr.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);
const secret = z.string().min(32, 'must be at least 32 characters of random data');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  /** Prefix for BullMQ queue names and Redis keys, so several deployments can share a Redis. */
  REDIS_PREFIX: z.string().default('brymix'),
  WEBHOOK_SECRET: secret,
  CREDENTIALS_KEY: z.string().regex(/^[A-Za-z0-9+/=_-]{43,44}$/, 'must be 32 bytes, base64 or base64url encoded'),
  RUN_WORKERS: bool.default(true),
  /**
   * Jobs a worker process runs at once. A check mostly waits on the MT5 side (a history read is one
   * or more HTTP round trips) and its CPU-bound step runs on a verdict thread, so one process keeps
   * many in flight: at most this many checks, over the upstream's latency, finish a second.
   */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  QUEUE_POLL_MS: z.coerce.number().int().min(10).default(250),
  QUEUE_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  CHECK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(10),
  /**
   * CIDRs callback URLs may resolve to in spite of the private-address block. Development
   * defaults to loopback (the guide's Node example calls back to localhost); production to none.
   */
  CALLBACK_ALLOW_CIDRS: csv.optional(),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  TRUST_PROXY_CIDRS: csv.default([]),
  /**
   * Client addresses (CIDRs or single addresses, after TRUST_PROXY_CIDRS) that may read /metrics
   * without a token. Default: loopback only. Empty: none (METRICS_TOKEN only).
   */
  METRICS_ALLOW_CIDRS: csv
    .refine((list) => list.every(isIpOrCidr), 'must be comma-separated IP addresses or CIDRs')
    .default(['127.0.0.0/8', '::1/128']),
  /** Bearer token that opens /metrics from any address (Prometheus `authorization` / `bearer_token`). */
  METRICS_TOKEN: secret.optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Simulated MT5 round trip of the built-in simulator (demos, benchmarks, crash tests). */
  SIMULATOR_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  // --- mt5 connectors ---
  /** JSON file mapping MT5 server names to connectors (config/servers.example.json); unset: simulator only. */
  MT5_SERVERS_FILE: z.string().optional(),
  /** MetaApi API token (header auth-token); needed when a server uses the metaapi connector. */
  METAAPI_TOKEN: z.string().optional(),
  METAAPI_PROVISIONING_URL: z.string().url().default('https://mt-provisioning-api-v1.agiliumtrade.agiliumtrade.ai'),
  /** Client (terminal data) host; `{region}` is replaced by the account's region. */
  METAAPI_CLIENT_URL: z.string().min(1).default('https://mt-client-api-v1.{region}.agiliumtrade.ai'),
  METAAPI_MARKET_DATA_URL: z.string().min(1).default('https://mt-market-data-client-api-v1.{region}.agiliumtrade.ai'),
  METAAPI_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(60_000),
  /** Live monitoring over MetaApi or the Web API: how late a deal may be listed and still be handed out. */
  MT5_LIVE_LOOKBACK_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  /** Largest terminal report accepted by POST /api/v1/check (raw file bytes). */
  REPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(100_000_000).default(10_485_760),
  /** An uploaded xlsx may inflate to at most this much in one entry / in all (zip bombs answer 413). */
  REPORT_MAX_ENTRY_INFLATED_BYTES: z.coerce.number().int().min(65_536).max(1_073_741_824).default(41_943_040),
  REPORT_MAX_INFLATED_BYTES: z.coerce.number().int().min(65_536).max(1_073_741_824).default(67_108_864),
  /**
   * Worker threads that judge checks (consistency, rules, result), so one process works on every
   * core; 0 judges them on the event loop. Default: one fewer than the cores, at least 1, at most 4.
   */
  CHECK_THREADS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.min(4, Math.max(1, availableParallelism() - 1))),
  /** Longest an uploaded report may take to parse (on a worker thread) before it is refused. */
  REPORT_PARSE_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(10_000),
  // --- accounts, account API and widgets ---
  /** One upstream read per account per this interval, however many clients (the seed: 5 s). */
  ACCOUNT_POLL_INTERVAL_MS: z.coerce.number().int().min(250).max(300_000).default(5_000),
  /** Cached account data is never served older than this (seed: 5-minute cache TTL). */
  ACCOUNT_CACHE_MAX_AGE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(300_000),
  /** Deal history (statistics, chart) is re-read at most this often, and when a position closes. */
  ACCOUNT_HISTORY_INTERVAL_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** Per upstream read (seed: 5-second timeout). */
  ACCOUNT_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Default limits of an API key on the account API (configurable per key). */
  ACCOUNT_API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(100),
  ACCOUNT_RATE_INTERVAL_SECONDS: z.coerce.number().min(0.001).max(3600).default(5),
  ACCOUNT_RATE_BURST: z.coerce.number().int().min(1).max(10_000).default(3),
  /** SSE comment heartbeat, so proxies and OBS keep the stream open. */
  SSE_HEARTBEAT_MS: z.coerce.number().int().min(1_000).default(15_000),
  // --- live monitors ---
  /** Whether `brymix serve` watches monitors itself (embedded); set false where `brymix monitor-worker` processes do. */
  RUN_MONITORS: bool.default(true),
  /** One upstream read per account per interval, however many monitors watch it. */
  MONITOR_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(1_000),
  /** A monitor without a fresh reading for this long is `stale`, and is never judged on older data. */
  MONITOR_STALE_AFTER_S: z.coerce.number().int().min(1).max(86_400).default(30),
  /** Longest one upstream read of a monitored account may take. */
  MONITOR_READ_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** How long a live process's claim on a monitor lasts unless renewed (renewed every third of it). */
  MONITOR_LEASE_MS: z.coerce.number().int().min(1_000).max(600_000).default(6_000),
  /** Monitors a live process claims per round at most, so processes starting together share them. */
  MONITOR_CLAIM_BATCH: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /**
   * Worker threads that run the live monitors of `brymix serve`, sharing them by leases, so one
   * process watches on every core; 0 runs them on the event loop (as an in-memory SQLite database
   * must). Default: one per core, at most 8.
   */
  MONITOR_THREADS: z.coerce.number().int().min(0).max(64).default(Math.min(8, availableParallelism())),
  /**
   * The old-generation limit of each monitor thread's V8 heap, in MiB (0: V8's own). V8 grows a busy
   * heap to several times its live data; with a limit it collects sooner instead. A thread holds
   * about 16–20 KiB per monitor (12,500 monitors: about 250 MiB).
   */
  MONITOR_THREAD_HEAP_MB: z.coerce.number().int().min(0).max(65_536).default(512),
  /**
   * Account time a deal or reading may arrive late (a deal polled after a later equity reading) and
   * still be judged exactly where it belongs. A monitor keeps one to two windows of readings; an item
   * later than that is judged at the window's start, counted and logged.
   */
  MONITOR_REPLAY_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(120),
  /** How often a monitor's figures are saved for GET when no event happens. */
  MONITOR_SNAPSHOT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** How often an event stream (GET …/events) reads events raised by another process. */
  MONITOR_EVENTS_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  /** HTTPS: PEM files of the certificate (chain) and key; leave unset behind a TLS-terminating proxy. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  // --- crm and trading platform ---
  /** Signs staff access tokens (HS256, audience `staff`). */
  JWT_SECRET: secret,
  /** Lifetime of a staff access token; short by design (reference/security.md §4). */
  STAFF_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(43_200).default(900),
  /** Failed staff or trader logins allowed per email (and 4x per IP) in LOGIN_WINDOW_SECONDS. */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** A Bearer token of the service API besides the hashed ones made by the CLI. */
  SERVICE_API_TOKEN: secret,
  SERVICE_API_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(100),
  /** Signs SSO impersonation tokens (HS256, audience `trading-platform`). */
  SSO_SECRET: secret,
  /** x-webhook-signature of POST /api/webhooks/site (and of the platform's outgoing events). */
  SITE_WEBHOOK_SECRET: secret,
  TRADING_PLATFORM_URL: z.string().url().optional(),
  /** Platform side: where its events go, and the twin of the CRM's SSO secret. */
  CRM_BASE_URL: z.string().url().optional(),
  CRM_SSO_SECRET: secret.optional(),
  PLATFORM_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(2_592_000).default(43_200),
});

export type Config = Readonly<
  Omit<z.infer<typeof schema>, 'CALLBACK_ALLOW_CIDRS' | 'TRUST_PROXY_CIDRS' | 'METRICS_ALLOW_CIDRS'> & {
    CALLBACK_ALLOW_CIDRS: readonly string[];
    TRUST_PROXY_CIDRS: readonly string[];
    METRICS_ALLOW_CIDRS: readonly string[];
    /**
     * The MT5 manager passwords the servers file names (variables `MT5_<NAME>_PASSWORD`, from the
     * environment or .env): the file holds names, never the secrets themselves.
     */
    MT5_PASSWORDS: Readonly<Record<string, string>>;
  }
>;

/** The only variable names a servers file may give as `manager_password_env`. */
export const MT5_PASSWORD_VARIABLE = /^MT5_[A-Z0-9_]+_PASSWORD$/;

/** Secrets generated on first start when missing. */
const GENERATED_SECRETS: Record<string, () => string> = {
  WEBHOOK_SECRET: () => `whsec_${randomBytes(32).toString('base64')}`,
  CREDENTIALS_KEY: () => randomBytes(32).toString('base64url'),
  JWT_SECRET: () => randomBytes(32).toString('hex'),
  SERVICE_API_TOKEN: () => randomBytes(32).toString('hex'),
  SSO_SECRET: () => randomBytes(32).toString('hex'),
  SITE_WEBHOOK_SECRET: () => randomBytes(32).toString('hex'),
};

export class ConfigError extends Error {}

/** Parses dotenv syntax: KEY=value, optional quotes, # comments, `export ` prefix. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2] ?? '';
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]!] = value;
  }
  return out;
}

/**
 * Passwords a CLI command may take from its environment when not piped or typed. Read from the
 * real environment only, never from `.env`: they are meant for one command's shell.
 */
export interface CliSecrets {
  /** The investor password of `accounts add`. */
  BRYMIX_MT5_PASSWORD?: string;
  /** The password of `staff create` and `staff password`. */
  BRYMIX_STAFF_PASSWORD?: string;
}

export function cliSecrets(env: NodeJS.ProcessEnv = process.env): CliSecrets {
  const { BRYMIX_MT5_PASSWORD, BRYMIX_STAFF_PASSWORD } = env;
  return Object.freeze({
    ...(BRYMIX_MT5_PASSWORD ? { BRYMIX_MT5_PASSWORD } : {}),
    ...(BRYMIX_STAFF_PASSWORD ? { BRYMIX_STAFF_PASSWORD } : {}),
  });
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of the .env file; `false` disables reading and writing it (tests). */
  envFile?: string | false;
  /** Where to report generated secrets (defaults to stderr). */
  notice?: (message: string) => void;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = { ...(options.env ?? process.env) };
  const envFile = options.envFile === undefined ? resolve('.env') : options.envFile;
  const fileValues = envFile && existsSync(envFile) ? parseDotenv(readFileSync(envFile, 'utf8')) : {};
  const merged: Record<string, string | undefined> = { ...fileValues, ...env };

  const generated: string[] = [];
  for (const [name, make] of Object.entries(GENERATED_SECRETS)) {
    if (!merged[name]) {
      merged[name] = make();
      generated.push(name);
    }
  }
  if (generated.length > 0 && envFile) {
    const lines = `${generated.map((n) => `${n}=${merged[n]}`).join('\n')}\n`;
    if (existsSync(envFile)) {
      const current = readFileSync(envFile, 'utf8');
      appendFileSync(envFile, (current.endsWith('\n') || current === '' ? '' : '\n') + lines, { mode: 0o600 });
    } else {
      writeFileSync(envFile, `# Generated by Brymix on first start. Keep this file secret.\n${lines}`, { mode: 0o600 });
    }
    (options.notice ?? ((m) => process.stderr.write(`${m}\n`)))(
      `brymix: generated ${generated.join(', ')} into ${envFile} (share WEBHOOK_SECRET with your webhook receivers)`,
    );
  }

  const result = schema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const c = result.data;
  // RFC 8725 §3.12: different token kinds, different keys — a staff token must never pass as an SSO token.
  if (c.JWT_SECRET === c.SSO_SECRET || (c.CRM_SSO_SECRET !== undefined && c.CRM_SSO_SECRET === c.JWT_SECRET)) {
    throw new ConfigError('Invalid configuration: JWT_SECRET and SSO_SECRET (and CRM_SSO_SECRET) must differ');
  }
  const callbackAllow = c.CALLBACK_ALLOW_CIDRS ?? (c.NODE_ENV === 'production' ? [] : ['127.0.0.0/8', '::1/128']);
  const mt5Passwords = Object.fromEntries(
    Object.entries(merged).filter(
      (e): e is [string, string] => MT5_PASSWORD_VARIABLE.test(e[0]) && typeof e[1] === 'string' && e[1] !== '',
    ),
  );
  return Object.freeze({
    ...c,
    CALLBACK_ALLOW_CIDRS: Object.freeze(callbackAllow),
    TRUST_PROXY_CIDRS: Object.freeze(c.TRUST_PROXY_CIDRS),
    METRICS_ALLOW_CIDRS: Object.freeze(c.METRICS_ALLOW_CIDRS),
    MT5_PASSWORDS: Object.freeze(mt5Passwords),
  });
}

export interface SiteSettings {
  /** Where SSO links send staff: this process's own trading platform unless TRADING_PLATFORM_URL names another. */
  tradingPlatformUrl: string;
  /** Where the trading platform sends its events: this process's own CRM unless CRM_BASE_URL names another. */
  crmBaseUrl: string;
  /** Whether the platform runs in this process (the CRM may then ask it directly who has an account). */
  platformIsLocal: boolean;
  secureCookies: boolean;
}

/** Platform-side settings default to their CRM-side twins when both run in one process. */
export function siteSettings(config: Config): SiteSettings {
  const self = (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  const tradingPlatformUrl = (config.TRADING_PLATFORM_URL ?? self).replace(/\/+$/, '');
  return {
    tradingPlatformUrl,
    crmBaseUrl: (config.CRM_BASE_URL ?? self).replace(/\/+$/, ''),
    platformIsLocal: tradingPlatformUrl === self,
    secureCookies: config.NODE_ENV === 'production' || (config.PUBLIC_URL ?? '').startsWith('https:'),
  };
}
