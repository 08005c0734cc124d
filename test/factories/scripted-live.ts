/**
 * An MT5 server whose accounts a test moves by hand, read through the LiveReader contract
 * (src/mt5/live.ts): the test sets balance, equity and open positions, books deals, and switches an
 * account to fail (server unreachable). It counts starts and reads per login, so a test can see one
 * upstream read per account however many monitors watch it.
 */
import type { Clock } from '../../src/infra/clock.ts';
import { ConnectorError, type Mt5Connector, type Mt5Credentials } from '../../src/mt5/connector.ts';
import type { AccountHistory, Deal, OpenPosition } from '../../src/mt5/history.ts';
import type { LiveCapable, LiveReader, LiveReading } from '../../src/mt5/live.ts';

export const SCRIPTED_SERVER = 'Scripted-Live';

export interface ScriptedAccount {
  password: string;
  initialBalance: number;
  balance: number;
  equity: number;
  deals: Deal[];
  positions: OpenPosition[];
  /** When set, every start and read fails with this. */
  failing: ConnectorError | null;
  /** A reading taken this many ms before the clock (a source serving old data). */
  lagMs: number;
  starts: number;
  reads: number;
}

export interface ScriptedConnector extends Mt5Connector, LiveCapable {
  accounts: Map<string, ScriptedAccount>;
  add(login: string, initialBalance?: number): ScriptedAccount;
}

let nextTicket = 1000;

/** A closed trade of `profit` on EURUSD: in `minutes` before `at`, out at `at` (over the 4-minute minimum). */
export function closedTrade(at: number, profit: number, minutes = 10): Deal[] {
  const position = nextTicket++;
  const base = {
    order: position,
    position_id: position,
    symbol: 'EURUSD',
    volume: 1,
    commission: 0,
    swap: 0,
    fee: 0,
    comment: '',
  };
  return [
    {
      ...base,
      ticket: nextTicket++,
      time: new Date(at - minutes * 60_000).toISOString(),
      type: 'buy',
      entry: 'in',
      price: 1.1,
      profit: 0,
    },
    { ...base, ticket: nextTicket++, time: new Date(at).toISOString(), type: 'sell', entry: 'out', price: 1.2, profit },
  ];
}

export function createScriptedConnector(clock: Clock): ScriptedConnector {
  const accounts = new Map<string, ScriptedAccount>();
  const account = (creds: Mt5Credentials): ScriptedAccount => {
    const a = accounts.get(creds.login);
    if (!a || a.password !== creds.password)
      throw new ConnectorError('invalid_credentials', 'Invalid MT5 login or password', false);
    if (a.failing) throw a.failing;
    return a;
  };
  const history = (login: string, a: ScriptedAccount): AccountHistory => ({
    account: {
      login,
      server: SCRIPTED_SERVER,
      currency: 'USD',
      initial_balance: a.initialBalance,
      server_utc_offset_minutes: 0,
      margin_mode: 'hedging',
    },
    deals: [...a.deals],
    equity: [],
    positions: [...a.positions],
  });
  const reader: LiveReader = {
    kind: 'scripted',
    async start(creds) {
      const a = account(creds);
      a.starts++;
      return { history: history(creds.login, a), cursor: String(a.deals.length) };
    },
    async read(creds, cursor): Promise<LiveReading> {
      const a = account(creds);
      a.reads++;
      return {
        time: new Date(clock.now() - a.lagMs).toISOString(),
        balance: a.balance,
        equity: a.equity,
        deals: a.deals.slice(Number(cursor)),
        positions: [...a.positions],
        cursor: String(a.deals.length),
      };
    },
  };
  const unsupported = () =>
    Promise.reject(new ConnectorError('bad_data', 'the scripted server is read live only', false));
  return {
    kind: 'scripted',
    accounts,
    add(login, initialBalance = 100_000) {
      const a: ScriptedAccount = {
        password: 'pw',
        initialBalance,
        balance: initialBalance,
        equity: initialBalance,
        deals: [],
        positions: [],
        failing: null,
        lagMs: 0,
        starts: 0,
        reads: 0,
      };
      accounts.set(login, a);
      return a;
    },
    live: () => reader,
    fetchHistory: unsupported,
    getAccountInfo: unsupported,
    getPositions: unsupported,
  };
}
