/**
 * Per-key IP allowlists (reference/security.md §5). The client address is `request.ip`: the socket
 * address, or — only when the socket is one of TRUST_PROXY_CIDRS — the right-most untrusted
 * X-Forwarded-For entry (Fastify's proxy-addr). IPv4-mapped IPv6 is normalised before matching;
 * an empty or missing list means "anywhere".
 */
import ipaddr from 'ipaddr.js';

export type ParsedCidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`; throws with the offending text. */
export function parseCidr(text: string): ParsedCidr {
  const t = text.trim();
  try {
    if (t.includes('/')) return ipaddr.parseCIDR(t) as ParsedCidr;
    const addr = ipaddr.process(t);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(`"${t.slice(0, 60)}" is not an IP address or CIDR`);
  }
}

export function normalizeIp(ip: string): string {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return ip;
  }
}

const cache = new Map<string, ParsedCidr[]>();

export function ipAllowed(ip: string, cidrs: readonly string[] | null): boolean {
  if (!cidrs || cidrs.length === 0) return true;
  const key = cidrs.join(',');
  let parsed = cache.get(key);
  if (!parsed) {
    parsed = cidrs.map(parseCidr);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, parsed);
  }
  const addr = parsedAddress(ip);
  if (!addr) return false;
  return parsed.some(([range, bits]) => {
    if (addr.kind() !== range.kind()) return false;
    return (addr as ipaddr.IPv4).match(range as ipaddr.IPv4, bits);
  });
}

const addresses = new Map<string, ipaddr.IPv4 | ipaddr.IPv6 | null>();

/** Client addresses repeat on every request of a connection: parse each once (bounded cache). */
function parsedAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  let addr = addresses.get(ip);
  if (addr !== undefined) return addr;
  try {
    addr = ipaddr.process(ip);
  } catch {
    addr = null;
  }
  if (addresses.size > 10_000) addresses.clear();
  addresses.set(ip, addr);
  return addr;
}
