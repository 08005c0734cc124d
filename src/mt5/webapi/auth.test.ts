import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { passwordHash, randAnswer, sameHex } from './auth.ts';

describe('Web API authentication hash (official test vectors, reference/mt5.md §2.2)', () => {
  it('hashes Password1 to 904ba8ecb16273d2f0ae9c3b8a023752 via MD5 of its UTF-16LE bytes', () => {
    const inner = [...createHash('md5').update(Buffer.from('Password1', 'utf16le')).digest()];
    expect(inner).toEqual([236, 46, 146, 255, 112, 191, 70, 145, 174, 12, 104, 224, 47, 220, 108, 34]);
    expect(passwordHash('Password1').toString('hex')).toBe('904ba8ecb16273d2f0ae9c3b8a023752');
  });

  it('answers srv_rand 73007dc7184747ce0f7c98516ef1c851 with 77fe51827f7fa69dd80fbec9aa33f1bb', () => {
    expect(randAnswer(passwordHash('Password1'), '73007dc7184747ce0f7c98516ef1c851')).toBe(
      '77fe51827f7fa69dd80fbec9aa33f1bb',
    );
  });

  it('expects cli_rand_answer 1732021b1b332f51660b2b315eed3a35 for cli_rand 4db98fec17aab4dc5a240bdc659e8395', () => {
    const expected = randAnswer(passwordHash('Password1'), '4db98fec17aab4dc5a240bdc659e8395');
    expect(expected).toBe('1732021b1b332f51660b2b315eed3a35');
    expect(sameHex(expected, '1732021B1B332F51660B2B315EED3A35')).toBe(true);
    expect(sameHex(expected, '00000000000000000000000000000000')).toBe(false);
  });

  it('rejects a random that is not 16 bytes of hex', () => {
    expect(() => randAnswer(passwordHash('x'), 'zz')).toThrow();
  });
});
