/**
 * A fingerprint of an evaluation's inputs, so a verdict can be replayed and compared: SHA-256 over
 * a fixed-order serialization of the account, every deal, every equity snapshot, the open
 * positions and the resolved rules (object keys sorted). Deterministic for the same inputs,
 * whatever the order of the deals and snapshot arrays: it reads them in the decoded (time) order.
 */
import { createHash } from 'node:crypto';
import type { DecodedHistory } from './decode.ts';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function inputsHash(decoded: DecodedHistory, rules: unknown, extra: unknown = null): string {
  const history = decoded.history;
  const h = createHash('sha256');
  h.update(canonical({ account: history.account, rules, extra }));
  // Deals in MT5 order (time, then ticket), snapshots in time order. Fed to the hash in chunks of
  // lines joined once: one update() per line costs more than the hashing itself at millions of
  // lines, and a chunk grown line by line (a rope of strings) costs the hash a third more to read.
  const lines: string[] = [];
  const line = (text: string) => {
    if (lines.push(text) === 4096) {
      h.update(lines.join(''));
      lines.length = 0;
    }
  };
  for (const d of decoded.deals.src) {
    line(
      `\n${d.ticket}|${d.order}|${d.time}|${d.type}|${d.entry}|${d.position_id}|${d.symbol}|${d.volume}|${d.price}|${d.profit}|${d.commission}|${d.swap}|${d.fee}|${d.sl ?? ''}`,
    );
  }
  // A snapshot's balance mostly repeats the one before (it moves only with deals): its text is
  // reused, as turning a fractional number into text costs more than the rest of the line.
  let balance: unknown;
  let balanceText = '';
  for (const s of decoded.snapshots.src) {
    if (s.balance !== balance) {
      balance = s.balance;
      balanceText = `${s.balance}`;
    }
    line(`\ne${s.time}|${balanceText}|${s.equity}`);
  }
  h.update(lines.join(''));
  h.update(canonical(history.positions ?? []));
  return `sha256:${h.digest('hex')}`;
}
