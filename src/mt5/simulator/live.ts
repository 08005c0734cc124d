/**
 * The simulator's live reader. Monitoring an account starts its real-time trading at the second
 * `start()` is called: every later reading is a pure function of the login, that start and the
 * clock (the live feed is a function of time, the traders are seeded), so any process answers the
 * same for the same cursor. The books are kept in memory per watched account and advanced to the
 * reading's instant; a process that has not seen the account, or is asked for deals it already
 * forgot, replays them from the start. The January logins (scenarios.ts) are closed books: their
 * history is read once and every reading repeats the balance and equity they ended with.
 */
import type { Clock } from '../../infra/clock.ts';
import { centsToAmount } from '../../infra/money.ts';
import { ConnectorError, type FetchOptions, type Mt5Credentials } from '../connector.ts';
import type { AccountHistory, SymbolSpec } from '../history.ts';
import type { LiveReader, LiveReading, LiveStartOptions } from '../live.ts';
import { isoUtc, serverUtcOffsetMinutes } from './calendar.ts';
import { LiveBook, type LiveTrader } from './live-book.ts';
import { breachingTrader, dailyAlertTrader, PRIOR_MS } from './live-scenarios.ts';
import { RandomTrader } from './live-traders.ts';
import { SYMBOL_NAMES, symbolSpec } from './market.ts';
import { hashString } from './prng.ts';
import { INITIAL_BALANCE, SCRIPTS } from './scenarios.ts';

/** What the reader needs of the connector: its credential check and the January accounts. */
export interface SimulatorAccess {
  readonly server: string;
  authorize(creds: Mt5Credentials, opts?: FetchOptions): Promise<void>;
  fetchHistory(creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountHistory>;
  getAccountInfo(creds: Mt5Credentials, opts?: FetchOptions): Promise<{ balance: number; equity: number }>;
}

/** Deals kept per account for readers that fall behind; older ones are replayed when asked. */
const KEEP_DEALS = 256;
/** Accounts nobody read for this long are dropped from memory (a later read replays them). */
const IDLE_MS = 10 * 60_000;

interface Watched {
  book: LiveBook;
  trader: LiveTrader;
  lastReadMs: number;
}

const SYMBOLS_SPEC: Record<string, SymbolSpec> = Object.fromEntries(SYMBOL_NAMES.map((s) => [s, symbolSpec(s)]));

function badCursor(): ConnectorError {
  return new ConnectorError('bad_data', 'Live cursor not issued by this simulator', false);
}

const keyOf = (login: string, startMs: number) => `${login}\u0000${startMs}`;

/** `sim2:<start ms>:<deals handed out>`. */
function parseCursor(cursor: string): { startMs: number; seq: number } {
  const m = /^sim2:(\d{1,15}):(\d{1,9})$/.exec(cursor);
  if (!m) throw badCursor();
  return { startMs: Number(m[1]), seq: Number(m[2]) };
}

export class SimulatorLiveReader implements LiveReader {
  readonly kind = 'simulator';
  private readonly watched = new Map<string, Watched>();
  /** The start of each login's story in this process (while it is watched). */
  private readonly startOf = new Map<string, number>();
  private nextSweepMs = 0;

  constructor(
    private readonly access: SimulatorAccess,
    private readonly clock: Clock,
  ) {}

  async start(creds: Mt5Credentials, opts?: LiveStartOptions): Promise<{ history: AccountHistory; cursor: string }> {
    await this.access.authorize(creds, opts);
    if (Object.hasOwn(SCRIPTS, creds.login)) {
      const history = await this.access.fetchHistory(creds, opts);
      return { history, cursor: `sim1:${history.deals.length}` };
    }
    const resumed = opts?.resume?.startsWith('sim2:') ? parseCursor(opts.resume).startMs : undefined;
    const now = this.clock.now();
    const startMs = resumed ?? this.startOf.get(creds.login) ?? now;
    const at = Math.max(now, startMs);
    // A fresh replay to now keeps every deal since the start: the history so far.
    const w = this.replay(creds.login, startMs);
    w.book.advance(at, w.trader);
    w.lastReadMs = at;
    this.watched.set(keyOf(creds.login, startMs), w);
    this.startOf.set(creds.login, startMs);
    const book = w.book;
    const history: AccountHistory = {
      account: {
        login: creds.login,
        server: this.access.server,
        currency: 'USD',
        initial_balance: INITIAL_BALANCE,
        server_utc_offset_minutes: serverUtcOffsetMinutes(startMs),
        margin_mode: 'hedging',
      },
      deals: book.deals.slice(),
      equity: [
        {
          time: isoUtc(at),
          balance: centsToAmount(book.balanceCents),
          equity: centsToAmount(book.equityCents(at)),
        },
      ],
      positions: book.openPositions(at),
      symbols: SYMBOLS_SPEC,
    };
    return { history, cursor: `sim2:${startMs}:${book.dealCount}` };
  }

  async read(creds: Mt5Credentials, cursor: string, opts?: FetchOptions): Promise<LiveReading> {
    if (cursor.startsWith('sim1:')) {
      if (!Object.hasOwn(SCRIPTS, creds.login)) throw badCursor();
      const now = this.clock.now();
      const info = await this.access.getAccountInfo(creds, opts);
      const positions = (await this.access.fetchHistory(creds, opts)).positions ?? [];
      return { time: isoUtc(now), balance: info.balance, equity: info.equity, deals: [], positions, cursor };
    }
    if (Object.hasOwn(SCRIPTS, creds.login)) throw badCursor();
    const { startMs, seq } = parseCursor(cursor);
    await this.access.authorize(creds, opts);
    const now = this.clock.now();
    const at = Math.max(now, startMs);
    const { book } = this.account(creds.login, startMs, at, seq);
    if (seq > book.dealCount) throw badCursor();
    const deals = book.deals.slice(seq - book.firstSeq);
    book.forget(Math.max(seq, book.dealCount - KEEP_DEALS));
    return {
      time: isoUtc(at),
      balance: centsToAmount(book.balanceCents),
      equity: centsToAmount(book.equityCents(at)),
      deals,
      positions: book.openPositions(at),
      cursor: `sim2:${startMs}:${book.dealCount}`,
    };
  }

  /** The account's books advanced to `at`, replayed from the start when this process cannot serve `seq`. */
  private account(login: string, startMs: number, at: number, seq: number): Watched {
    const key = keyOf(login, startMs);
    let w = this.watched.get(key);
    if (!w || w.book.timeMs > at || seq < w.book.firstSeq) {
      w = this.replay(login, startMs);
      this.watched.set(key, w);
      this.startOf.set(login, startMs);
    }
    w.book.advance(at, w.trader);
    w.lastReadMs = at;
    if (at >= this.nextSweepMs) this.sweep(at);
    return w;
  }

  private replay(login: string, startMs: number): Watched {
    const seed = hashString(`${this.access.server}:${login}:${startMs}`);
    let trader: LiveTrader;
    let fromMs = startMs;
    if (login === '2001') {
      trader = breachingTrader(seed, startMs);
      fromMs = startMs - PRIOR_MS;
    } else if (login === '2002') trader = dailyAlertTrader(seed, startMs);
    else trader = new RandomTrader(seed, startMs);
    const book = new LiveBook(fromMs, INITIAL_BALANCE * 100, seed);
    return { book, trader, lastReadMs: startMs };
  }

  private sweep(now: number): void {
    this.nextSweepMs = now + 60_000;
    for (const [key, w] of this.watched) {
      if (now - w.lastReadMs <= IDLE_MS) continue;
      this.watched.delete(key);
      const [login, startMs] = key.split('\u0000');
      if (this.startOf.get(login!) === Number(startMs)) this.startOf.delete(login!);
    }
  }
}
