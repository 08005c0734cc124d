/**
 * A fingerprint of an evaluation's inputs, so a verdict can be replayed and compared: SHA-256 over
 * a fixed-order serialization of the account, every deal, every equity snapshot, the open
 * positions and the resolved rules (object keys sorted). Deterministic for the same inputs,
 * whatever the order of the deals array.
 */
import { createHash } from 'node:crypto';
import type { AccountHistory } from '../mt5/history.ts';

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

export function inputsHash(history: AccountHistory, rules: unknown, extra: unknown = null): string {
  const h = createHash('sha256');
  h.update(canonical({ account: history.account, rules, extra }));
  // Deals in MT5 order (time, then ticket), so the array order of the input does not matter.
  const deals = [...history.deals].sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.ticket - b.ticket);
  for (const d of deals) {
    h.update(`\n${d.ticket}|${d.order}|${d.time}|${d.type}|${d.entry}|${d.position_id}|${d.symbol}|${d.volume}|${d.price}|${d.profit}|${d.commission}|${d.swap}|${d.fee}|${d.sl ?? ''}`);
  }
  for (const s of history.equity ?? []) h.update(`\ne${s.time}|${s.balance}|${s.equity}`);
  h.update(canonical(history.positions ?? []));
  return `sha256:${h.digest('hex')}`;
}
