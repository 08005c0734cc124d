/**
 * Per-key IP allowlists (reference/security.md §5). The client address is `request.ip`: the socket
 * address, or — only when the socket is one of TRUST_PROXY_CIDRS — the right-most untrusted
 * X-Forwarded-For entry (Fastify's proxy-addr). An empty or missing list means "anywhere".
 */
import { type CidrList, parseCidrs } from '../infra/net/cidr.ts';

const lists = new Map<string, CidrList>();

export function ipAllowed(ip: string, cidrs: readonly string[] | null): boolean {
  if (!cidrs || cidrs.length === 0) return true;
  // A key's list arrives as stored text on every request: parse each list once (bounded cache).
  const key = cidrs.join(',');
  let list = lists.get(key);
  if (!list) {
    list = parseCidrs(cidrs);
    if (lists.size > 10_000) lists.clear();
    lists.set(key, list);
  }
  return list.contains(ip);
}
