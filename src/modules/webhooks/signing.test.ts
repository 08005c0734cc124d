import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  resultWebhookScheme,
  siteWebhookScheme,
  standardSignature,
  verifyStandardSignature,
  xSignature,
} from './signing.ts';

describe('webhook signing', () => {
  it('matches the GitHub HMAC-SHA256 hex test vector for X-Signature', () => {
    // docs.github.com "Testing the webhook payload validation"
    expect(xSignature("It's a Secret to Everybody", 'Hello, World!')).toBe(
      '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('matches the Standard Webhooks sign vector', () => {
    const sig = standardSignature(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('produces a signature the guide’s Express receiver accepts', () => {
    const secret = 'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=';
    const payload = '{"job_id":"job_1","status":"passed"}';
    const signature = xSignature(secret, payload);
    // The guide's verifySignature(), verbatim in spirit: createHmac(secret).update(payload).digest('hex')
    const expected = createHmac('sha256', secret).update(payload).digest('hex');
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
  });

  it('rejects a Standard Webhooks signature outside the 5-minute tolerance, in both directions', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"a":1}';
    const ts = 1_700_000_000;
    const headers = { id: 'msg_1', timestamp: String(ts), signature: standardSignature(secret, 'msg_1', ts, body) };
    expect(verifyStandardSignature(secret, headers, body, ts + 299)).toBe(true);
    expect(verifyStandardSignature(secret, headers, body, ts + 301)).toBe(false);
    expect(verifyStandardSignature(secret, headers, body, ts - 301)).toBe(false);
  });

  it('rejects a tampered body and a signature made with another secret', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const ts = 1_700_000_000;
    const sig = standardSignature(secret, 'msg_1', ts, '{"a":1}');
    expect(verifyStandardSignature(secret, { id: 'msg_1', timestamp: String(ts), signature: sig }, '{"a":2}', ts)).toBe(
      false,
    );
    const other = standardSignature('whsec_b3RoZXJzZWNyZXRvdGhlcnNlY3JldA==', 'msg_1', ts, '{"a":1}');
    expect(
      verifyStandardSignature(secret, { id: 'msg_1', timestamp: String(ts), signature: other }, '{"a":1}', ts),
    ).toBe(false);
    // a multi-signature header where one entry is valid passes
    expect(
      verifyStandardSignature(
        secret,
        { id: 'msg_1', timestamp: String(ts), signature: `v1,bogus ${sig}` },
        '{"a":1}',
        ts,
      ),
    ).toBe(true);
  });
});

describe('signing schemes', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const message = { id: 'msg_1', timestampSeconds: 1_700_000_000, body: '{"a":1}' };
  const standard = {
    'webhook-id': 'msg_1',
    'webhook-timestamp': '1700000000',
    'webhook-signature': standardSignature(secret, 'msg_1', 1_700_000_000, '{"a":1}'),
  };

  it('signs result webhooks with X-Signature and the Standard Webhooks headers', () => {
    expect(resultWebhookScheme(secret)(message)).toEqual({
      'content-type': 'application/json',
      'user-agent': 'Brymix-Webhooks/1.0',
      'x-signature': xSignature(secret, '{"a":1}'),
      ...standard,
    });
  });

  it('signs platform events with the site webhook’s x-webhook-signature and the Standard Webhooks headers', () => {
    expect(siteWebhookScheme(secret)(message)).toEqual({
      'content-type': 'application/json',
      'user-agent': 'Brymix-Platform/1.0',
      'x-webhook-signature': createHmac('sha256', secret).update('{"a":1}').digest('hex'),
      ...standard,
    });
  });
});
