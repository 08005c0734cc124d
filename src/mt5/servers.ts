/**
 * Which connector serves which MT5 server name: the servers config file (`MT5_SERVERS_FILE`,
 * documented in config/servers.example.json). The simulator always serves `Brymix-Demo`
 * unless the file says otherwise; `"*"` names the connector for every other server (typically
 * MetaApi, which reaches any broker); without it an unknown server is `unknown_server`.
 * Secrets never sit in the file: entries name environment variables that hold them.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MT5_PASSWORD_VARIABLE } from '../config.ts';
import { isValidZone } from '../rules/days.ts';
import type { BrokerClock, DstRule } from './broker-clock.ts';
import type { Mt5Connector } from './connector.ts';
import { type MetaApiConfig, MetaApiConnector } from './metaapi/index.ts';
import { type ConnectorRouter, createConnectorRouter } from './router.ts';
import { DEMO_SERVER, SimulatorConnector, type SimulatorOptions } from './simulator/index.ts';
import { WebApiConnector } from './webapi/index.ts';

const envName = z
  .string()
  .regex(MT5_PASSWORD_VARIABLE, 'must be the name of an environment variable MT5_<NAME>_PASSWORD');

const entrySchema = z.discriminatedUnion('connector', [
  z.object({ connector: z.literal('simulator') }).strict(),
  z.object({ connector: z.literal('metaapi') }).strict(),
  z
    .object({
      connector: z.literal('webapi'),
      url: z.string().url(),
      manager_login: z.union([z.string(), z.number()]).transform(String),
      /** Name of the environment variable holding the manager password. */
      manager_password_env: envName,
      /**
       * The broker clock (broker-clock.ts), one of: `utc_offset_minutes` (the offset outside DST)
       * with `dst` — `us` for the common UTC+2/+3 "New York close" servers that switch on the US
       * dates, `eu` for the EU dates, `none` (default) for a clock that never changes — or an IANA
       * `time_zone` for a server that keeps a city's time.
       */
      utc_offset_minutes: z.number().int().min(-720).max(840).optional(),
      dst: z.enum(['us', 'eu', 'none']).optional(),
      time_zone: z.string().refine(isValidZone, 'must be an IANA time zone such as Europe/Athens').optional(),
      margin_mode: z.enum(['hedging', 'netting']).optional(),
      insecure_tls: z.boolean().optional(),
      timeout_ms: z.number().int().min(100).max(300_000).optional(),
    })
    .strict()
    // Deal times arrive on the broker's clock; guessing UTC would move every trade by hours.
    .refine((e) => (e.utc_offset_minutes === undefined) !== (e.time_zone === undefined), {
      message: 'give the broker clock as exactly one of utc_offset_minutes (with dst) and time_zone',
      path: ['time_zone'],
    })
    .refine((e) => e.dst === undefined || e.utc_offset_minutes !== undefined, {
      message: 'dst goes with utc_offset_minutes; a time_zone has its own DST rules',
      path: ['dst'],
    }),
]);

/** The entry's broker clock; the schema guarantees exactly one of the two forms. */
function brokerClockOf(entry: {
  utc_offset_minutes?: number | undefined;
  dst?: DstRule | undefined;
  time_zone?: string | undefined;
}): BrokerClock {
  return entry.time_zone !== undefined
    ? { time_zone: entry.time_zone }
    : { utc_offset_minutes: entry.utc_offset_minutes ?? 0, dst: entry.dst ?? 'none' };
}

const serversFileSchema = z.object({ servers: z.record(z.string().min(1).max(128), entrySchema) }).strict();
export type ServersFile = z.infer<typeof serversFileSchema>;

export class ServersFileError extends Error {}

export function readServersFile(path: string): ServersFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ServersFileError(`MT5_SERVERS_FILE ${path}: ${(err as Error).message}`);
  }
  const parsed = serversFileSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ServersFileError(`MT5_SERVERS_FILE ${path}: ${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

export interface ConnectorSettings {
  serversFile?: string | undefined;
  /** Values of the `MT5_<NAME>_PASSWORD` variables the servers file refers to (config.MT5_PASSWORDS). */
  env: Readonly<Record<string, string | undefined>>;
  metaApi?: Omit<MetaApiConfig, 'token'> & { token?: string | undefined };
  simulator?: SimulatorOptions;
  /** Live readers of MetaApi and Web API servers: how late a deal may be listed (config.MT5_LIVE_LOOKBACK_MS). */
  liveLookbackMs?: number;
}

/** The router of a deployment: simulator for Brymix-Demo plus what the servers file declares. */
export function createConfiguredRouter(s: ConnectorSettings): ConnectorRouter {
  const file: ServersFile = s.serversFile ? readServersFile(s.serversFile) : { servers: {} };
  const simulator = new SimulatorConnector(s.simulator);
  const live = s.liveLookbackMs === undefined ? {} : { live: { lookbackMs: s.liveLookbackMs } };
  let metaApi: MetaApiConnector | null = null;
  const useMetaApi = (server: string) => {
    if (!s.metaApi?.token)
      throw new ServersFileError(`MT5_SERVERS_FILE: server ${server} uses MetaApi but METAAPI_TOKEN is not set`);
    metaApi ??= new MetaApiConnector({ ...s.metaApi, token: s.metaApi.token, ...live });
    return metaApi;
  };
  const byServer: Record<string, Mt5Connector> = { [DEMO_SERVER]: simulator };
  let fallback: Mt5Connector | undefined;
  for (const [server, entry] of Object.entries(file.servers)) {
    let connector: Mt5Connector;
    if (entry.connector === 'simulator')
      connector = server === '*' ? simulator : new SimulatorConnector({ ...s.simulator, server });
    else if (entry.connector === 'metaapi') connector = useMetaApi(server);
    else {
      const password = s.env[entry.manager_password_env];
      if (!password)
        throw new ServersFileError(
          `MT5_SERVERS_FILE: server ${server}: environment variable ${entry.manager_password_env} (manager password) is not set`,
        );
      connector = new WebApiConnector({
        url: entry.url,
        managerLogin: entry.manager_login,
        managerPassword: password,
        clock: brokerClockOf(entry),
        ...(entry.margin_mode ? { marginMode: entry.margin_mode } : {}),
        ...(entry.insecure_tls ? { insecureTls: true } : {}),
        ...(entry.timeout_ms ? { timeoutMs: entry.timeout_ms } : {}),
        ...live,
      });
    }
    if (server === '*') fallback = connector;
    else byServer[server] = connector;
  }
  return createConnectorRouter(byServer, fallback);
}
