/** Hostile and odd JWTs for the token tests (forged, expired, wrong audience, alg none). */
import { SignJWT } from 'jose';

export async function signHs256(
  secret: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  opts: { iat?: number; exp?: number | null } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...header }).setIssuedAt(opts.iat ?? now);
  if (opts.exp !== null) jwt = jwt.setExpirationTime(opts.exp ?? now + 600);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** An unsecured JWT (`alg: none`, empty signature) with the given claims. */
export function algNone(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none', ...header })}.${b64({ iat: now, exp: now + 600, ...claims })}.`;
}
