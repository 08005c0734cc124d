import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sealer } from './sealer.ts';

describe('Sealer (AES-256-GCM)', () => {
  const sealer = new Sealer(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = sealer.seal('{"password":"hunter2-secret"}', 'job_1');
    expect(sealed).not.toContain('hunter2');
    expect(sealer.open(sealed, 'job_1')).toBe('{"password":"hunter2-secret"}');
  });

  it('refuses a ciphertext moved to another row (AAD) or tampered with', () => {
    const sealed = sealer.seal('secret', 'job_1');
    expect(() => sealer.open(sealed, 'job_2')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[2]!, 'base64url');
    body[0] = body[0]! ^ 1;
    expect(() => sealer.open(`${parts[0]}.${parts[1]}.${body.toString('base64url')}`, 'job_1')).toThrow();
  });

  it('refuses to open with another key', () => {
    const sealed = sealer.seal('secret', 'job_1');
    expect(() => new Sealer(randomBytes(32)).open(sealed, 'job_1')).toThrow();
  });
});
