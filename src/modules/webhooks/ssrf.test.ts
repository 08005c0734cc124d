import { describe, expect, it } from 'vitest';
import { parseCidrs } from '../../infra/net/cidr.ts';
import { checkCallbackUrl, guardedLookup, isNonPublicAddress } from './ssrf.ts';

const none = parseCidrs([]);
const loopbackOnly = parseCidrs(['127.0.0.0/8', '::1/128']);

describe('callback URL SSRF guard', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://localhost:3000/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/hook',
    'http://192.168.0.10/hook',
    'http://172.16.5.4/hook',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://2130706433/hook', // decimal form of 127.0.0.1
    'http://0177.0.0.1/hook', // octal form
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
  ])('refuses %s when no private range is allowed', (url) => {
    expect(checkCallbackUrl(url, none).ok).toBe(false);
  });

  it('accepts public https URLs and refuses other schemes and embedded credentials', () => {
    expect(checkCallbackUrl('https://yourpropfirm.com/api/webhook/challenge-result', none).ok).toBe(true);
    expect(checkCallbackUrl('ftp://example.com/x', none)).toMatchObject({
      ok: false,
      reason: 'must use http or https',
    });
    expect(checkCallbackUrl('https://user:pw@example.com/x', none)).toMatchObject({ ok: false });
    expect(checkCallbackUrl('not a url', none)).toMatchObject({ ok: false, reason: 'is not an absolute URL' });
  });

  it('allows loopback only when configured (the development default)', () => {
    expect(checkCallbackUrl('http://localhost:8000/api/webhook/challenge-result', loopbackOnly).ok).toBe(true);
    expect(checkCallbackUrl('http://127.0.0.1:9/x', loopbackOnly).ok).toBe(true);
    expect(checkCallbackUrl('http://10.0.0.1/x', loopbackOnly).ok).toBe(false);
  });

  it('classifies NAT64 and IPv4-mapped addresses by what they embed', () => {
    expect(isNonPublicAddress('::ffff:10.0.0.1')).toBe(true);
    expect(isNonPublicAddress('64:ff9b::a00:1')).toBe(true);
    expect(isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(isNonPublicAddress('2001:4860:4860::8888')).toBe(false);
  });

  // Production: no CIDR allowed. Each literal as the callback URL's host, and as an address a name
  // resolves to at connect time (the same predicate).
  it.each([
    ['::127.0.0.1', 'IPv4-compatible loopback (stored as ::7f00:1)'],
    ['::7f00:1', 'IPv4-compatible loopback, hex form'],
    ['::10.0.0.1', 'IPv4-compatible private'],
    ['::8.8.8.8', 'IPv4-compatible, deprecated even when public (RFC 4291 §2.5.5.1)'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex form'],
    ['::ffff:169.254.169.254', 'IPv4-mapped cloud metadata'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated (RFC 6145)'],
    ['64:ff9b::127.0.0.1', 'NAT64 embedding loopback'],
    ['64:ff9b::a00:1', 'NAT64 embedding 10.0.0.1'],
    ['64:ff9b::169.254.169.254', 'NAT64 embedding cloud metadata'],
    ['64:ff9b:1::808:808', 'local-use NAT64 (RFC 8215)'],
    ['2002:7f00:1::1', '6to4 embedding loopback'],
    ['2002:a00:1::1', '6to4 embedding 10.0.0.1'],
    ['2002:c0a8:101::1', '6to4 embedding 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'ORCHID'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['fc00::1', 'unique local'],
    ['fd12:3456:789a::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fec0::1', 'site-local (deprecated)'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'global multicast'],
    ['100::1', 'discard-only'],
    ['4000::1', 'outside 2000::/3'],
    ['192.0.2.1', 'IPv4 documentation'],
    ['198.18.0.1', 'IPv4 benchmarking'],
    ['224.0.0.1', 'IPv4 multicast'],
    ['255.255.255.255', 'IPv4 broadcast'],
  ])('refuses %s (%s) in production, as a URL and at connect time', (literal) => {
    const host = literal.includes(':') ? `[${literal}]` : literal;
    expect(checkCallbackUrl(`http://${host}/hook`, none)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('non-public address'),
    });
    expect(isNonPublicAddress(literal)).toBe(true);
  });

  it.each([
    ['2001:4860:4860::8888', 'Google Public DNS'],
    ['2606:4700:4700::1111', 'Cloudflare DNS'],
    ['2a00:1450:4001:82b::200e', 'a European host'],
    ['2002:808:808::1', '6to4 embedding 8.8.8.8'],
    ['64:ff9b::8.8.8.8', 'NAT64 embedding 8.8.8.8 (what DNS64 answers on an IPv6-only network)'],
    ['::ffff:8.8.8.8', 'IPv4-mapped public'],
    ['8.8.8.8', 'public IPv4'],
    ['1.1.1.1', 'public IPv4'],
  ])('accepts %s (%s) in production', (literal) => {
    const host = literal.includes(':') ? `[${literal}]` : literal;
    expect(checkCallbackUrl(`https://${host}/hook`, none).ok).toBe(true);
    expect(isNonPublicAddress(literal)).toBe(false);
  });

  it('stores http://[::127.0.0.1]/ as ::7f00:1 and refuses it unless that exact range is allowed', () => {
    expect(new URL('http://[::127.0.0.1]/').hostname).toBe('[::7f00:1]');
    expect(checkCallbackUrl('http://[::127.0.0.1]/', loopbackOnly)).toMatchObject({
      ok: false,
      reason: 'resolves to a non-public address (::7f00:1)',
    });
    expect(checkCallbackUrl('http://[::127.0.0.1]/', parseCidrs(['::/96'])).ok).toBe(true);
  });

  it('fails the connection when a name resolves to a refused address (rebinding-safe connect path)', async () => {
    const lookup = guardedLookup(none);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      lookup('localhost', {}, (e) => resolve(e)),
    );
    expect(err?.code).toBe('ESSRFBLOCKED');
    const ok = await new Promise<string>((resolve) =>
      guardedLookup(loopbackOnly)('localhost', {}, (_e, addr) => resolve(String(addr))),
    );
    expect(['127.0.0.1', '::1']).toContain(ok);
  });
});
