/**
 * The simulator's live reader. The January accounts are closed books: their history is read once
 * and every later reading repeats the balance and equity they ended with, with no new deals.
 */
import type { Clock } from '../../infra/clock.ts';
import type { FetchOptions, Mt5Credentials } from '../connector.ts';
import type { AccountHistory } from '../history.ts';
import type { LiveReader, LiveReading } from '../live.ts';

interface AccountSource {
  fetchHistory(creds: Mt5Credentials, opts?: FetchOptions): Promise<AccountHistory>;
  getAccountInfo(creds: Mt5Credentials, opts?: FetchOptions): Promise<{ balance: number; equity: number }>;
}

const CURSOR_PREFIX = 'sim1:';

export class SimulatorLiveReader implements LiveReader {
  readonly kind = 'simulator';

  constructor(
    private readonly source: AccountSource,
    private readonly clock: Clock,
  ) {}

  async start(creds: Mt5Credentials, opts?: FetchOptions): Promise<{ history: AccountHistory; cursor: string }> {
    const history = await this.source.fetchHistory(creds, opts);
    return { history, cursor: `${CURSOR_PREFIX}${history.deals.length}` };
  }

  async read(creds: Mt5Credentials, cursor: string, opts?: FetchOptions): Promise<LiveReading> {
    const history = await this.source.fetchHistory(creds, opts);
    const info = await this.source.getAccountInfo(creds, opts);
    return {
      time: new Date(this.clock.now()).toISOString(),
      balance: info.balance,
      equity: info.equity,
      deals: [],
      positions: [...(history.positions ?? [])],
      cursor,
    };
  }
}
