import { describe, expect, it } from 'vitest';
import { isIpOrCidr, parseCidr, parseCidrs } from './cidr.ts';

describe('CIDR lists', () => {
  it('matches IPv4 and IPv6 ranges and single addresses', () => {
    const list = parseCidrs(['10.1.0.0/16', '2001:db8::/32', '203.0.113.7']);
    expect(list.contains('10.1.200.3')).toBe(true);
    expect(list.contains('10.2.0.1')).toBe(false);
    expect(list.contains('2001:db8:1::5')).toBe(true);
    expect(list.contains('2001:db9::5')).toBe(false);
    expect(list.contains('203.0.113.7')).toBe(true);
    expect(list.contains('203.0.113.8')).toBe(false);
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address it carries, asked about or listed', () => {
    expect(parseCidrs(['10.1.0.0/16']).contains('::ffff:10.1.2.3')).toBe(true);
    expect(parseCidrs(['::ffff:10.1.2.3']).contains('10.1.2.3')).toBe(true);
  });

  it('never matches text that is not an address, and an empty list matches nothing', () => {
    expect(parseCidrs(['0.0.0.0/0', '::/0']).contains('not-an-ip')).toBe(false);
    expect(parseCidrs([]).contains('127.0.0.1')).toBe(false);
  });

  it('refuses a malformed entry with an error naming it', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow('"10.0.0.0/33" is not an IP address or CIDR');
    expect(() => parseCidrs(['bogus'])).toThrow('"bogus" is not an IP address or CIDR');
    expect(isIpOrCidr(' 192.168.0.0/24 ')).toBe(true);
    expect(isIpOrCidr('example.com')).toBe(false);
  });
});
