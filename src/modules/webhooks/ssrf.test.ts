import { describe, expect, it } from 'vitest';
import { checkCallbackUrl, guardedLookup, isNonPublicAddress, parseCidrs } from './ssrf.ts';

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
    expect(checkCallbackUrl('ftp://example.com/x', none)).toMatchObject({ ok: false, reason: 'must use http or https' });
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

  it('fails the connection when a name resolves to a refused address (rebinding-safe connect path)', async () => {
    const lookup = guardedLookup(none);
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err?.code).toBe('ESSRFBLOCKED');
    const ok = await new Promise<string>((resolve) => guardedLookup(loopbackOnly)('localhost', {}, (_e, addr) => resolve(String(addr))));
    expect(['127.0.0.1', '::1']).toContain(ok);
  });
});
