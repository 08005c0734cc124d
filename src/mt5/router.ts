/**
 * Picks the connector that serves an MT5 server name: the servers named by the servers file
 * (`servers.ts`), then its `"*"` fallback for every other name. Whoever decides whether a server
 * is supported asks `serves(server)`, never the list of names, which leaves out the fallback.
 */
import { ConnectorError, type FetchOptions, type Mt5Connector, type Mt5Credentials } from './connector.ts';
import type { AccountHistory, AccountInfo, OpenPosition } from './history.ts';
import { isLiveCapable, type LiveReader } from './live.ts';

export interface ConnectorRouter extends Mt5Connector {
  /** The connector for `server`; throws `ConnectorError('unknown_server')` when none serves it. */
  forServer(server: string): Mt5Connector;
  /** Whether a connector serves `server`: a named one, or the `"*"` fallback. */
  serves(server: string): boolean;
  /** Server names this router names explicitly, sorted; the `"*"` fallback is not among them. */
  servers(): string[];
  /**
   * The live reader for `server` (one per connector, shared by every account it serves); throws
   * `ConnectorError('unknown_server')` when no connector serves it or its connector cannot read live.
   */
  live(server: string): LiveReader;
}

/** `fallback` serves every server not named (the servers file's `"*"`, e.g. MetaApi). */
export function createConnectorRouter(
  connectors: Record<string, Mt5Connector>,
  fallback?: Mt5Connector,
): ConnectorRouter {
  // A Map, not the record itself: a server named `__proto__` or `constructor` must not resolve.
  const byServer = new Map<string, Mt5Connector>(Object.entries(connectors));

  function forServer(server: string): Mt5Connector {
    const connector = byServer.get(server) ?? fallback;
    if (!connector) {
      throw new ConnectorError('unknown_server', `Unknown MT5 server ${JSON.stringify(server.slice(0, 100))}`, false);
    }
    return connector;
  }

  return {
    kind: 'router',
    forServer,
    serves: (server: string) => byServer.has(server) || fallback !== undefined,
    servers: () => [...byServer.keys()].sort(),
    live(server: string): LiveReader {
      const connector = forServer(server);
      if (!isLiveCapable(connector)) {
        throw new ConnectorError(
          'unknown_server',
          `MT5 server ${JSON.stringify(server.slice(0, 100))} cannot be monitored live (${connector.kind})`,
          false,
        );
      }
      return connector.live();
    },
    fetchHistory: (creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountHistory> =>
      call(() => forServer(creds.server).fetchHistory(creds, opts)),
    getAccountInfo: (creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountInfo> =>
      call(() => forServer(creds.server).getAccountInfo(creds, opts)),
    getPositions: (creds: Mt5Credentials, opts?: FetchOptions): Promise<OpenPosition[]> =>
      call(() => forServer(creds.server).getPositions(creds, opts)),
  };
}

/** Turns a synchronous throw (unknown server) into a rejection, as callers of a Promise expect. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  return fn();
}
