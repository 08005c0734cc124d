/**
 * SSO impersonation tokens, CRM side (issuing) and platform side (verifying). HS256 with
 * SSO_SECRET / CRM_SSO_SECRET, `typ: sso-impersonation+jwt`, audience `trading-platform`, issuer
 * `brymix-crm`, 15 minutes, a random `jti`; the seed's claims `clientEmail, impersonatedBy, iat, exp`.
 * Single use is enforced by the platform (sso_used_tokens).
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { randomBase62 } from '../../infra/crypto/index.ts';

const SSO_AUDIENCE = 'trading-platform';
const SSO_ISSUER = 'brymix-crm';
const SSO_TYP = 'sso-impersonation+jwt';
export const SSO_TTL_SECONDS = 900;

export interface SsoClaims {
  clientEmail: string;
  impersonatedBy: string;
  jti: string;
  exp: number;
  reason: string | null;
}

export async function signSsoToken(
  secret: string,
  input: { clientEmail: string; impersonatedBy: string; reason: string; nowMs: number },
): Promise<{ token: string; jti: string; exp: number }> {
  const iat = Math.floor(input.nowMs / 1000);
  const jti = randomBase62(22);
  const exp = iat + SSO_TTL_SECONDS;
  const token = await new SignJWT({
    clientEmail: input.clientEmail,
    impersonatedBy: input.impersonatedBy,
    reason: input.reason,
  })
    .setProtectedHeader({ alg: 'HS256', typ: SSO_TYP })
    .setAudience(SSO_AUDIENCE)
    .setIssuer(SSO_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(new TextEncoder().encode(secret));
  return { token, jti, exp };
}

/** Claims of a valid token, or null (signature, algorithm, type, audience, issuer, age, expiry, claims). Single use is the caller's job. */
export async function verifySsoToken(secret: string, token: string, nowMs: number): Promise<SsoClaims | null> {
  if (!token || token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      typ: SSO_TYP,
      audience: SSO_AUDIENCE,
      issuer: SSO_ISSUER,
      maxTokenAge: `${SSO_TTL_SECONDS}s`,
      clockTolerance: 30,
      requiredClaims: ['exp', 'iat', 'jti', 'clientEmail', 'impersonatedBy'],
      currentDate: new Date(nowMs),
    });
    if (typeof payload.clientEmail !== 'string' || typeof payload.impersonatedBy !== 'string') return null;
    return {
      clientEmail: payload.clientEmail,
      impersonatedBy: payload.impersonatedBy,
      jti: payload.jti!,
      exp: payload.exp!,
      reason: typeof payload.reason === 'string' ? payload.reason : null,
    };
  } catch (err) {
    if (err instanceof errors.JOSEError || err instanceof TypeError) return null;
    throw err;
  }
}
