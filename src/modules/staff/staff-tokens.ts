/**
 * Staff access tokens: HS256 JWTs signed with JWT_SECRET (RFC 8725: algorithm pinned, explicit
 * `typ`, audience `staff`, `exp` and `iat` required). A token kind never passes as another: SSO
 * tokens use another secret, another `typ` and another audience.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { randomBase62 } from '../../infra/crypto/index.ts';

const STAFF_AUDIENCE = 'staff';
const STAFF_ISSUER = 'brymix-crm';
const STAFF_TYP = 'staff-access+jwt';

export type StaffRole = 'admin' | 'agent';

export interface StaffClaims {
  staffId: string;
  email: string;
  role: StaffRole;
  jti: string;
  exp: number;
}

export function createStaffTokens({
  secret,
  ttlSeconds,
  now,
}: {
  secret: string;
  ttlSeconds: number;
  now: () => number;
}) {
  const key = new TextEncoder().encode(secret);
  return {
    ttlSeconds,
    async sign(user: {
      id: string;
      email: string;
      role: StaffRole;
    }): Promise<{ token: string; jti: string; exp: number }> {
      const iat = Math.floor(now() / 1000);
      const jti = randomBase62(22);
      const exp = iat + ttlSeconds;
      const token = await new SignJWT({ email: user.email, role: user.role })
        .setProtectedHeader({ alg: 'HS256', typ: STAFF_TYP })
        .setSubject(user.id)
        .setAudience(STAFF_AUDIENCE)
        .setIssuer(STAFF_ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .setJti(jti)
        .sign(key);
      return { token, jti, exp };
    },

    /** The claims of a valid token, or null (bad signature, algorithm, type, audience, expired, malformed). */
    async verify(token: string): Promise<StaffClaims | null> {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: STAFF_AUDIENCE,
          issuer: STAFF_ISSUER,
          typ: STAFF_TYP,
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
          clockTolerance: 30,
          currentDate: new Date(now()),
        });
        const role = payload.role;
        if ((role !== 'admin' && role !== 'agent') || typeof payload.email !== 'string') return null;
        return { staffId: payload.sub!, email: payload.email, role, jti: payload.jti!, exp: payload.exp! };
      } catch (err) {
        if (err instanceof errors.JOSEError || err instanceof TypeError) return null;
        throw err;
      }
    },
  };
}

export type StaffTokens = ReturnType<typeof createStaffTokens>;
