/**
 * The audit log's hash chain (reference/security.md §7): each row stores
 * `hash = SHA-256(prev_hash + "\n" + canonical JSON of the row)`, so changing, inserting or
 * deleting a row breaks every hash after it. Pure functions, no I/O.
 */
import { canonicalJson } from '../../infra/crypto/canonical-json.ts';
import { sha256Hex } from '../../infra/crypto/index.ts';

export const GENESIS_HASH = '0'.repeat(64);

type ActorType = 'staff' | 'service' | 'platform' | 'trader' | 'anonymous' | 'system';
type Outcome = 'success' | 'failure' | 'denied';

/** Who acts: what an audit row (and a CRM timeline entry) names as the actor. */
export interface Actor {
  type: ActorType;
  id: string | null;
  /** Human label for the timeline, e.g. a staff email or a service token name. */
  label?: string;
}

/** Where a request came from: what an audit row records beside the actor. */
export interface RequestMeta {
  ip: string;
  requestId: string;
}

/** The RequestMeta of a Fastify request (its socket or trusted-proxy address and its request id). */
export function requestMeta(request: { ip: string; id: string }): RequestMeta {
  return { ip: request.ip, requestId: request.id };
}

/** What a module records. Metadata only: never passwords, tokens, secrets or signatures. */
export interface AuditEntry {
  actorType: ActorType;
  actorId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: Outcome;
  ip?: string | null;
  requestId?: string | null;
  meta?: Record<string, unknown> | null;
}

export interface ChainedFields {
  seq: number;
  id: string;
  at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  ip: string | null;
  request_id: string | null;
  meta: string | null;
}

export function chainHash(prevHash: string, row: ChainedFields): string {
  const fields: ChainedFields = {
    seq: Number(row.seq),
    id: row.id,
    at: Number(row.at),
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    outcome: row.outcome,
    ip: row.ip,
    request_id: row.request_id,
    meta: row.meta,
  };
  return sha256Hex(`${prevHash}\n${canonicalJson(fields)}`);
}

/** Strips CR/LF and caps length, so a value cannot forge log lines or bloat a row. */
export function clean(value: string | null | undefined, max = 300): string | null {
  if (value === null || value === undefined) return null;
  return value.replace(/[\r\n\u2028\u2029]/g, ' ').slice(0, max);
}

const SECRET_KEYS = /pass(word)?|secret|token|authorization|signature|cookie|api[-_]?key/i;

/** Drops fields whose names say they hold secrets; a last line of defence, not a licence. */
export function scrubMeta(meta: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!meta) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) {
    if (SECRET_KEYS.test(k)) continue;
    out[k] = typeof v === 'string' ? clean(v, 500) : v;
  }
  return out;
}
