/**
 * SSRF guard for customer-supplied callback URLs (reference/security.md §1.6): only http(s),
 * no credentials in the URL, and the address actually connected to must be public unicast
 * unless it falls inside an allowed CIDR. The check runs at submission (for IP literals and
 * localhost) and again in the connect path (every resolved address), so DNS rebinding and
 * redirects (never followed) cannot reach internal hosts.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import type { CidrList } from '../../infra/net/cidr.ts';

/** IPv6 global unicast (RFC 4291 §2.4, IANA IPv6 Address Space): everything else is refused. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * Blocks inside 2000::/3 that are not a public host (IANA IPv6 Special-Purpose Address Registry):
 * 2001::/23 IETF protocol assignments (Teredo 2001::/32, benchmarking, ORCHID, AMT, AS112),
 * 2001:db8::/32 and 3fff::/20 documentation (RFC 3849, RFC 9637), 2620:4f:8000::/48 AS112 (RFC 7534).
 */
const SPECIAL_V6 = ['2001::/23', '2001:db8::/32', '3fff::/20', '2620:4f:8000::/48'].map(
  (c) => ipaddr.parseCIDR(c) as [ipaddr.IPv6, number],
);

/** 6to4 (RFC 3056) carries the IPv4 address in bits 16–47; NAT64's well-known prefix (RFC 6052) in the last 32. */
const SIX_TO_FOUR = ipaddr.parseCIDR('2002::/16') as [ipaddr.IPv6, number];
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

const IPV4_COMPATIBLE_TEXT = /^::[^:]*\./;

function isPublicV4(addr: ipaddr.IPv4): boolean {
  // ipaddr.js names every special-purpose IPv4 block (RFC 6890): private, loopback, link-local,
  // CGNAT, documentation, benchmarking, 6to4 relay anycast, multicast, 240/4, …; what is left is public.
  return addr.range() === 'unicast';
}

function isPublicV6(addr: ipaddr.IPv6): boolean {
  const p = addr.parts;
  // A NAT64 address is the IPv4 host it translates to (DNS64 answers these on IPv6-only networks).
  if (addr.match(NAT64_WELL_KNOWN))
    return isPublicV4(new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]));
  // Only global unicast: refuses ::/96 IPv4-compatible (::127.0.0.1 is ::7f00:1), ::1, ULA fc00::/7,
  // link-local fe80::/10, multicast ff00::/8, discard 100::/64, 64:ff9b:1::/48 local NAT64, …
  if (!addr.match(GLOBAL_UNICAST_V6 as [ipaddr.IPv6, number])) return false;
  if (SPECIAL_V6.some((range) => addr.match(range))) return false;
  if (addr.match(SIX_TO_FOUR)) return isPublicV4(new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]));
  return true;
}

/**
 * True for anything that is not a public host: every special-purpose IPv4 block, and for IPv6
 * anything outside global unicast 2000::/3 or inside its special blocks; IPv4-mapped, NAT64 and
 * 6to4 addresses are judged by the IPv4 address they carry.
 */
export function isNonPublicAddress(ip: string): boolean {
  // "::a.b.c.d" is an IPv4-compatible address (::/96, RFC 4291 §2.5.5.1), the form libuv prints
  // for one a name resolves to; ipaddr.js reads that text as IPv4-mapped, so judge it here.
  if (IPV4_COMPATIBLE_TEXT.test(ip)) return true;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.process(ip); // maps ::ffff:a.b.c.d to IPv4 before the range check
  } catch {
    return true;
  }
  return addr.kind() === 'ipv4' ? !isPublicV4(addr as ipaddr.IPv4) : !isPublicV6(addr as ipaddr.IPv6);
}

function isAddressAllowed(ip: string, allow: CidrList): boolean {
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
    if (!allow.contains('127.0.0.1') && !allow.contains('::1'))
      return { ok: false, reason: 'resolves to a loopback address' };
  }
  return { ok: true, url };
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup replacement for the HTTP agent: fails the connection if any address is refused. */
export function guardedLookup(allow: CidrList) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number } | undefined,
    callback: LookupCallback,
  ): void => {
    dnsLookup(hostname, { all: true, family: options?.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, '');
      const refused = addresses.find((a) => !isAddressAllowed(a.address, allow));
      if (refused || addresses.length === 0) {
        const e: NodeJS.ErrnoException = new Error(
          `callback host ${hostname} resolves to a refused address ${refused?.address ?? ''}`.trim(),
        );
        e.code = 'ESSRFBLOCKED';
        return callback(e, '');
      }
      if (options?.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}
