/**
 * A fingerprint of an evaluation's inputs, so a verdict can be replayed and compared: SHA-256 over
 * a fixed-order serialization of the account, every deal, every equity snapshot, the open
 * positions and the resolved rules (object keys sorted). Deterministic for the same inputs,
 * whatever the order of the deals and snapshot arrays (it reads them in the decoded, time order)
 * and however their times are written (`…Z` or `…+00:00`: it reads the instant).
 *
 * The serialization (version 2, named by its first line):
 * - `brymix-inputs/2\n`, then the canonical JSON of `{account, extra, rules}`;
 * - `\ndeals <count>\n`, then per deal eleven doubles: ticket, order, epoch ms, position_id,
 *   volume, price, profit, commission, swap, fee, sl (NaN when it has none); then per deal a text
 *   line `<type>|<entry>|<symbol>\n`;
 * - `snapshots <count>\n`, then per snapshot three doubles: epoch ms, balance, equity;
 * - `\n` and the canonical JSON of the open positions.
 * Doubles are little-endian IEEE-754, −0 written as 0. Binary, as equity histories run to thousands
 * of points and writing each figure as text cost more than the rest of a verdict. Version 1 (until
 * 2026-12) wrote every figure as text and times as the source wrote them: a verdict from then
 * replays to a different fingerprint.
 */
import { createHash, type Hash } from 'node:crypto';
import type { DecodedHistory } from './decode.ts';

const VERSION_LINE = 'brymix-inputs/2\n';
/** Rows (deals, snapshots) hashed per update: at most 8,192 × 11 doubles, 704 KiB. */
const CHUNK_ROWS = 8192;
let scratch = new Float64Array(0);
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** JSON with object keys sorted and undefined members left out (as JSON.stringify leaves them). */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? '';
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonical(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  out = '{';
  let first = true;
  for (const k of Object.keys(record).sort()) {
    const member = record[k];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonical(member)}`;
    first = false;
  }
  return `${out}}`;
}

const DEAL_FIGURES = 11;

/** Room for `doubles` doubles in the scratch buffer. */
function scratchFor(doubles: number): Float64Array {
  if (scratch.length < doubles) scratch = new Float64Array(doubles);
  return scratch;
}

/**
 * Feeds the first `n` doubles of `out` to the hash, little-endian: −0 as 0 and every NaN as the
 * one NaN (a missing stop loss), so that equal figures hash equal.
 */
function feedDoubles(h: Hash, out: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const x = out[k]!;
    if (x === 0) out[k] = 0;
    else if (Number.isNaN(x)) out[k] = Number.NaN;
  }
  if (!LITTLE_ENDIAN) {
    const view = new DataView(out.buffer);
    for (let k = 0; k < n; k++) view.setFloat64(k * 8, out[k]!, true);
  }
  h.update(new Uint8Array(out.buffer, 0, n * 8));
}

export function inputsHash(decoded: DecodedHistory, rules: unknown, extra: unknown = null): string {
  const history = decoded.history;
  const h = createHash('sha256');
  h.update(VERSION_LINE + canonical({ account: history.account, rules, extra }));
  const deals = decoded.deals;
  const snaps = decoded.snapshots;
  // Deals in MT5 order (time, then ticket): their figures as doubles, then their names as text.
  h.update(`\ndeals ${deals.length}\n`);
  for (let start = 0; start < deals.length; start += CHUNK_ROWS) {
    const end = Math.min(deals.length, start + CHUNK_ROWS);
    const out = scratchFor(DEAL_FIGURES * (end - start));
    for (let i = start, j = 0; i < end; i++, j += DEAL_FIGURES) {
      const d = deals.src[i]!;
      out[j] = d.ticket;
      out[j + 1] = d.order;
      out[j + 2] = deals.ms[i]!;
      out[j + 3] = d.position_id;
      out[j + 4] = d.volume;
      out[j + 5] = d.price;
      out[j + 6] = d.profit;
      out[j + 7] = d.commission;
      out[j + 8] = d.swap;
      out[j + 9] = d.fee;
      out[j + 10] = d.sl ?? Number.NaN;
    }
    feedDoubles(h, out, DEAL_FIGURES * (end - start));
  }
  const names: string[] = [];
  for (let i = 0; i < deals.length; i++) {
    const d = deals.src[i]!;
    names.push(`${d.type}|${d.entry}|${d.symbol}\n`);
    if (names.length === 4096) {
      h.update(names.join(''));
      names.length = 0;
    }
  }
  h.update(names.join(''));
  h.update(`snapshots ${snaps.length}\n`);
  for (let start = 0; start < snaps.length; start += CHUNK_ROWS) {
    const end = Math.min(snaps.length, start + CHUNK_ROWS);
    const out = scratchFor(3 * (end - start));
    for (let i = start, j = 0; i < end; i++, j += 3) {
      const s = snaps.src[i]!;
      out[j] = snaps.ms[i]!;
      out[j + 1] = s.balance;
      out[j + 2] = s.equity;
    }
    feedDoubles(h, out, 3 * (end - start));
  }
  h.update(`\n${canonical(history.positions ?? [])}`);
  return `sha256:${h.digest('hex')}`;
}
