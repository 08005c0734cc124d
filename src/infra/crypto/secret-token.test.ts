import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTouchDue, secretTokenFormat, secretTokenStatus } from './secret-token.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const apiKeys = secretTokenFormat({ prefix: 'bmx', kidLength: 12, secretLength: 43 });
const serviceTokens = secretTokenFormat({ prefix: 'bst', kidLength: 12, secretLength: 43 });
const widgetTokens = secretTokenFormat({ prefix: 'wgt', kidLength: 0, secretLength: 43 });

// Tokens as deployed databases already hold them, with the hash stored beside each (keys in use must
// keep working): API keys and service tokens store SHA-256 of the secret part, widget tokens of the whole token.
const SECRET = 'Zq7dK2mP9xW4vB1nR8tY3uH6jL0sA5cE2fG9iO4kM7p';
const ISSUED_API_KEY = { token: `bmx_Ab3dEf6hIj9k_${SECRET}`, kid: 'Ab3dEf6hIj9k', stored: sha256(SECRET) };
const ISSUED_SERVICE_TOKEN = { token: `bst_Qr5tUv8xYz1B_${SECRET}`, kid: 'Qr5tUv8xYz1B', stored: sha256(SECRET) };
const ISSUED_WIDGET_TOKEN = { token: `wgt_${SECRET}`, stored: sha256(`wgt_${SECRET}`) };

describe('secret tokens', () => {
  it('issues tokens in the three existing formats', () => {
    expect(apiKeys.issue().token).toMatch(/^bmx_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/);
    expect(serviceTokens.issue().token).toMatch(/^bst_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/);
    expect(widgetTokens.issue().token).toMatch(/^wgt_[0-9A-Za-z]{43}$/);
  });

  it('stores SHA-256 of the secret when there is a kid, of the whole token when there is none', () => {
    const key = apiKeys.issue();
    const [, kid, secret] = key.token.split('_');
    expect(key.kid).toBe(kid);
    expect(key.hash).toBe(sha256(secret!));
    const widget = widgetTokens.issue();
    expect(widget.kid).toBe('');
    expect(widget.hash).toBe(sha256(widget.token));
  });

  it('verifies tokens already issued against the hashes stored beside them', () => {
    const key = apiKeys.read(ISSUED_API_KEY.token)!;
    expect(key.kid).toBe(ISSUED_API_KEY.kid);
    expect(apiKeys.matches(key, ISSUED_API_KEY.stored)).toBe(true);
    const service = serviceTokens.read(ISSUED_SERVICE_TOKEN.token)!;
    expect(service.kid).toBe(ISSUED_SERVICE_TOKEN.kid);
    expect(serviceTokens.matches(service, ISSUED_SERVICE_TOKEN.stored)).toBe(true);
    // A widget token is looked up by this hash, so it must be the very value stored.
    expect(widgetTokens.read(ISSUED_WIDGET_TOKEN.token)?.hash).toBe(ISSUED_WIDGET_TOKEN.stored);
  });

  it('a right kid with a wrong secret does not match', () => {
    const forged = apiKeys.read(`bmx_${ISSUED_API_KEY.kid}_${'A'.repeat(43)}`)!;
    expect(forged.kid).toBe(ISSUED_API_KEY.kid);
    expect(apiKeys.matches(forged, ISSUED_API_KEY.stored)).toBe(false);
  });

  it('reads nothing but its own format: prefix, lengths, alphabet, no surrounding spaces', () => {
    for (const raw of [
      ISSUED_SERVICE_TOKEN.token,
      ISSUED_API_KEY.token.slice(0, -1),
      `${ISSUED_API_KEY.token}A`,
      `bmx_Ab3dEf6hIj9_${SECRET}`,
      `bmx_Ab3dEf6hIj9k_${SECRET.slice(0, 42)}-`,
      ` ${ISSUED_API_KEY.token}`,
      `${ISSUED_API_KEY.token}\n`,
      'bmx_nope',
      '',
    ]) {
      expect(apiKeys.read(raw)).toBeNull();
    }
    expect(widgetTokens.read(`wgt_${SECRET}x`)).toBeNull();
    expect(widgetTokens.read(`wgt_${ISSUED_API_KEY.kid}_${SECRET}`)).toBeNull();
  });

  it('names a stored token by prefix and kid only', () => {
    expect(apiKeys.display('Ab3dEf6hIj9k')).toBe('bmx_Ab3dEf6hIj9k_…');
    expect(serviceTokens.display('Qr5tUv8xYz1B')).toBe('bst_Qr5tUv8xYz1B_…');
  });

  it('status: revoked wins, an expiry is expiring until it passes and expired from that instant', () => {
    const now = 1_000_000;
    expect(secretTokenStatus({ revoked_at: null, expires_at: null }, now)).toBe('active');
    expect(secretTokenStatus({ revoked_at: null, expires_at: now + 1 }, now)).toBe('expiring');
    expect(secretTokenStatus({ revoked_at: null, expires_at: now }, now)).toBe('expired');
    expect(secretTokenStatus({ revoked_at: now - 5, expires_at: now + 1 }, now)).toBe('revoked');
  });

  it('writes last use back at most once a minute', () => {
    expect(isTouchDue(null, 5)).toBe(true);
    expect(isTouchDue(0, 60_000)).toBe(false);
    expect(isTouchDue(0, 60_001)).toBe(true);
  });
});
