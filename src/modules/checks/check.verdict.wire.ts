/**
 * A history as it crosses to a verdict thread. Its equity snapshots (thousands of points, most of
 * its bytes) go as columns: their times as one string and their balance and equity as doubles,
 * which cross as two buffers copied whole; the rest (account, deals, positions, bars, symbols) as
 * JSON text. Parsing that costs the thread about a fifth of parsing the whole history as JSON, and
 * the snapshot objects it builds back are the garbage of three fields each, not of a parse.
 *
 * Lossless for what a verdict reads of a snapshot, its `time`, `balance` and `equity`: doubles
 * keep every number bit for bit (JSON turned NaN into null). A snapshot whose time is not a string
 * or holds a line break, or whose figures are not numbers, sends the whole history as JSON.
 */
import type { AccountHistory, EquitySnapshot } from '../../mt5/history.ts';

export type HistoryWire =
  | { json: string }
  | {
      /** The history without `equity`, as JSON. */
      json: string;
      /** The snapshots' times joined by line breaks. */
      times: string;
      balance: Float64Array;
      equity: Float64Array;
    };

export function toWire(history: AccountHistory): HistoryWire {
  const snaps = history.equity;
  if (!snaps || snaps.length === 0) return { json: JSON.stringify(history) };
  const n = snaps.length;
  const times = new Array<string>(n);
  const balance = new Float64Array(n);
  const equity = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = snaps[i]!;
    const t = s.time;
    if (typeof t !== 'string' || typeof s.balance !== 'number' || typeof s.equity !== 'number' || t.includes('\n'))
      return { json: JSON.stringify(history) };
    times[i] = t;
    balance[i] = s.balance;
    equity[i] = s.equity;
  }
  const { equity: _, ...rest } = history;
  return { json: JSON.stringify(rest), times: times.join('\n'), balance, equity };
}

export function fromWire(wire: HistoryWire): AccountHistory {
  const history = JSON.parse(wire.json) as AccountHistory;
  if (!('times' in wire)) return history;
  const times = wire.times.split('\n');
  const snaps = new Array<EquitySnapshot>(times.length);
  for (let i = 0; i < times.length; i++)
    snaps[i] = { time: times[i]!, balance: wire.balance[i]!, equity: wire.equity[i]! };
  history.equity = snaps;
  return history;
}
