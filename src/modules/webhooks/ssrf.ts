/**
 * SSRF guard for customer-supplied callback URLs (reference/security.md §1.6): only http(s),
 * no credentials in the URL, and the address actually connected to must be public unicast
 * unless it falls inside an allowed CIDR. The check runs at submission (for IP literals and
 * localhost) and again in the connect path (every resolved address), so DNS rebinding and
 * redirects (never followed) cannot reach internal hosts.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

export interface CidrList {
  contains(ip: string): boolean;
}

export function parseCidrs(cidrs: readonly string[]): CidrList {
  const ranges = cidrs.map((c) => {
    const parsed = c.includes('/') ? ipaddr.parseCIDR(c) : ([ipaddr.parse(c), ipaddr.parse(c).kind() === 'ipv4' ? 32 : 128] as const);
    return parsed;
  });
  return {
    contains(ip: string): boolean {
      let addr: ipaddr.IPv4 | ipaddr.IPv6;
      try {
        addr = ipaddr.process(ip);
      } catch {
        return false;
      }
      return ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net as never, bits));
    },
  };
}

/** True for anything that is not public unicast (private, loopback, link-local, CGNAT, NAT64, …). */
export function isNonPublicAddress(ip: string): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip); // maps ::ffff:a.b.c.d to IPv4 before the range check
  } catch {
    return true;
  }
  return addr.range() !== 'unicast';
}

export function isAddressAllowed(ip: string, allow: CidrList): boolean {
  return !isNonPublicAddress(ip) || allow.contains(ip);
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Static checks at submission time; names are resolved again when connecting. */
export function checkCallbackUrl(raw: string, allow: CidrList): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'must use http or https' };
  if (url.username || url.password) return { ok: false, reason: 'must not contain credentials' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) {
    if (!isAddressAllowed(host, allow)) return { ok: false, reason: `resolves to a non-public address (${host})` };
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    if (!allow.contains('127.0.0.1') && !allow.contains('::1')) return { ok: false, reason: 'resolves to a loopback address' };
  }
  return { ok: true, url };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup replacement for the HTTP agent: fails the connection if any address is refused. */
export function guardedLookup(allow: CidrList) {
  return (hostname: string, options: { all?: boolean; family?: number } | undefined, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, family: options?.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.find((a) => !isAddressAllowed(a.address, allow));
      if (refused || addresses.length === 0) {
        const e: NodeJS.ErrnoException = new Error(`callback host ${hostname} resolves to a refused address ${refused?.address ?? ''}`.trim());
        e.code = 'ESSRFBLOCKED';
        return callback(e, '');
      }
      if (options?.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}
