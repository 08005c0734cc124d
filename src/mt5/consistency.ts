/**
 * Is a fetched history the account's whole story? Before any verdict, a history is checked against
 * the account's own figures; data that disagrees ends the job as `error` (`bad_data`), never as a
 * verdict on a partial or garbled history (a rule passed on an empty history is a silently wrong
 * verdict). Every connector's history (simulator, MetaApi, Manager Web API, terminal report)
 * passes here in check.runner.ts; a connector that knows more (the Web API's announced row
 * counts, the balance and credit the server reports) calls it itself with those figures.
 *
 * What is checked, in integer cents:
 * - every row count a source announced equals the rows it delivered (Web API `Total` vs pages);
 * - no deal ticket appears twice (a server that ignores `offset` repeats its first page);
 * - the reported balance = initial balance + Σ (profit + commission + swap + fee) of every deal
 *   but credit, within `toleranceCents` (MT5's Balance excludes credit, reference/mt5.md §3.1);
 * - the reported credit = Σ credit deals (when the initial balance holds no credit);
 * - every equity snapshot's `balance` (a figure the source read, not one we computed) equals the
 *   running balance of the deals at its instant, or at some instant up to `snapshotSlackMs`
 *   later: some sources stamp a reading to the minute (a terminal report's "generated at");
 * - every open position has its opening deal in the history (a position in the trade state that
 *   the history does not know means missing deals).
 *
 * Pure: no I/O, no clock.
 */
import { decodeHistory } from '../rules/decode.ts';
import { ConnectorError } from './connector.ts';
import type { AccountHistory, Deal, EquitySnapshot } from './history.ts';

export interface ReportedFigures {
  /** The account's balance as its source reports it now (MT5 Balance: credit excluded). */
  balance?: number;
  /** The account's credit as its source reports it now. */
  credit?: number;
  /** Rows a source announced against the rows it then delivered. */
  counts?: Array<{ what: string; reported: number; received: number }>;
}

type InconsistencyCode =
  | 'count_mismatch'
  | 'duplicate_deal'
  | 'balance_mismatch'
  | 'credit_mismatch'
  | 'snapshot_balance_mismatch'
  | 'position_without_opening_deal';

export interface Inconsistency {
  code: InconsistencyCode;
  message: string;
}

export interface ConsistencyOptions {
  /** Largest difference in cents still taken as equal (default 1: one cent of rounding). */
  toleranceCents?: number;
  /** How long after its stamp a snapshot may have been read (default 60 s). */
  snapshotSlackMs?: number;
  /** Most problems listed (default 5). */
  limit?: number;
}

const cents = (x: number): number => Math.round(x * 100);
const dealCents = (d: Deal): number => cents(d.profit) + cents(d.commission) + cents(d.swap) + cents(d.fee);
const money = (c: number): string => {
  const abs = Math.abs(c);
  return `${c < 0 ? '-' : ''}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
};

/**
 * A history's deals in MT5 order (time, then ticket) and its snapshots in time order, each with its
 * instant in epoch ms: what the rule engine's decoding (rules/decode.ts) already holds, so a verdict
 * checks consistency without reading the times again.
 */
export interface OrderedHistory {
  deals: { length: number; ms: ArrayLike<number>; src: readonly Deal[] };
  snapshots: { length: number; ms: ArrayLike<number>; src: readonly EquitySnapshot[] };
}

export function findInconsistencies(
  history: AccountHistory,
  reported: ReportedFigures = {},
  opts: ConsistencyOptions = {},
): Inconsistency[] {
  // The rule engine's decoding orders them as this check reads them (time, then ticket; snapshots by time).
  const ordered: OrderedHistory = decodeHistory(history);
  return findInconsistenciesOrdered(history, ordered, reported, opts);
}

/** findInconsistencies on a history whose deals and snapshots are given in order with their instants. */
function findInconsistenciesOrdered(
  history: AccountHistory,
  ordered: OrderedHistory,
  reported: ReportedFigures = {},
  opts: ConsistencyOptions = {},
): Inconsistency[] {
  const tolerance = opts.toleranceCents ?? 1;
  const slack = opts.snapshotSlackMs ?? 60_000;
  const limit = opts.limit ?? 5;
  const out: Inconsistency[] = [];
  const add = (code: InconsistencyCode, message: string) => {
    if (out.length < limit) out.push({ code, message });
  };

  for (const c of reported.counts ?? []) {
    if (c.reported !== c.received)
      add('count_mismatch', `the source announced ${c.reported} ${c.what} but delivered ${c.received}`);
  }

  const seen = new Set<number>();
  for (const d of history.deals) {
    if (seen.has(d.ticket)) add('duplicate_deal', `deal ${d.ticket} appears more than once`);
    seen.add(d.ticket);
  }

  // Cash balance (credit excluded) through time: deals in time order, ticket order within an instant.
  const deals = ordered.deals;
  const dealMoney = new Float64Array(deals.length);
  const initial = cents(history.account.initial_balance);
  let cash = initial;
  let credit = 0;
  let nonCredit = 0;
  for (let i = 0; i < deals.length; i++) {
    const d = deals.src[i]!;
    const c = dealCents(d);
    if (d.type === 'credit') credit += c;
    else {
      cash += c;
      dealMoney[i] = c;
      nonCredit++;
    }
  }

  if (reported.balance !== undefined && Math.abs(cents(reported.balance) - cash) > tolerance) {
    add(
      'balance_mismatch',
      `the account's balance is ${money(cents(reported.balance))} but its history adds up to ${money(cash)} (initial ${money(initial)} + ${money(cash - initial)} from ${nonCredit} deals): ${money(cents(reported.balance) - cash)} unaccounted for`,
    );
  }
  if (reported.credit !== undefined && Math.abs(cents(reported.credit) - credit) > tolerance) {
    add(
      'credit_mismatch',
      `the account's credit is ${money(cents(reported.credit))} but its credit deals add up to ${money(credit)}`,
    );
  }

  const snapshots = ordered.snapshots;
  let di = 0;
  let running = initial;
  let lastBalance = Number.NaN;
  let lastWant = 0;
  for (let k = 0; k < snapshots.length; k++) {
    const ms = snapshots.ms[k]!;
    const s = snapshots.src[k]!;
    for (; di < deals.length && deals.ms[di]! <= ms; di++) running += dealMoney[di]!;
    // A snapshot's balance mostly repeats the one before: its cents are reused.
    if (s.balance !== lastBalance) {
      lastBalance = s.balance;
      lastWant = cents(s.balance);
    }
    const want = lastWant;
    let ok = Math.abs(want - running) <= tolerance;
    // A reading stamped early (to the minute): the balance after the deals of the next `slack` ms.
    for (let j = di, r = running; !ok && j < deals.length && deals.ms[j]! <= ms + slack; j++) {
      r += dealMoney[j]!;
      ok = Math.abs(want - r) <= tolerance;
    }
    if (!ok)
      add(
        'snapshot_balance_mismatch',
        `the balance read at ${s.time} is ${money(want)} but the deals up to then add up to ${money(running)}`,
      );
  }

  const opened = new Set<number>();
  for (const d of history.deals)
    if ((d.type === 'buy' || d.type === 'sell') && (d.entry === 'in' || d.entry === 'inout')) opened.add(d.position_id);
  for (const p of history.positions ?? []) {
    if (!opened.has(p.ticket))
      add(
        'position_without_opening_deal',
        `position ${p.ticket} (${p.symbol}, opened ${p.open_time}) is open but the history has no deal opening it`,
      );
  }
  return out;
}

/**
 * Throws `ConnectorError('bad_data')` naming what disagrees; the job then ends as `error`.
 * `retryable` when another read may see settled data (an account that traded while we read).
 */
export function assertConsistent(
  history: AccountHistory,
  reported: ReportedFigures = {},
  opts: ConsistencyOptions & { retryable?: boolean; source?: string; ordered?: OrderedHistory } = {},
): void {
  const problems = opts.ordered
    ? findInconsistenciesOrdered(history, opts.ordered, reported, opts)
    : findInconsistencies(history, reported, opts);
  if (problems.length === 0) return;
  const from = opts.source ? ` from ${opts.source}` : '';
  throw new ConnectorError(
    'bad_data',
    `The history of account ${history.account.login}${from} is inconsistent, so no verdict was given: ${problems.map((p) => p.message).join('; ')}`,
    opts.retryable ?? false,
  );
}
