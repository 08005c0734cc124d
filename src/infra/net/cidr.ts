/**
 * IP ranges: parsing `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32` and asking whether an address
 * lies inside one of them. IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is read as the IPv4 address it
 * carries, both in a list entry and in the address asked about, so a socket that reports a mapped
 * address matches an IPv4 range.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [Address, number];

export interface CidrList {
  contains(ip: string): boolean;
}

/** Parses one range or single address (a /32 or /128); throws an Error naming the text. */
export function parseCidr(text: string): Cidr {
  const t = text.trim();
  try {
    if (t.includes('/')) return ipaddr.parseCIDR(t) as Cidr;
    const addr = ipaddr.process(t);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new Error(`"${t.slice(0, 60)}" is not an IP address or CIDR`);
  }
}

export function isIpOrCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

export function parseCidrs(list: readonly string[]): CidrList {
  const ranges = list.map(parseCidr);
  return {
    contains(ip: string): boolean {
      const addr = parsedAddress(ip);
      if (!addr) return false;
      // match() needs both sides of one kind; the casts only satisfy its overloads.
      return ranges.some(
        ([range, bits]) => addr.kind() === range.kind() && (addr as ipaddr.IPv4).match(range as ipaddr.IPv4, bits),
      );
    },
  };
}

const addresses = new Map<string, Address | null>();

/** Client addresses repeat on every request of a connection: parse each once (bounded cache). */
function parsedAddress(ip: string): Address | null {
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
