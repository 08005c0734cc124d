/**
 * What an MT5 login and an MT5 server name may be, wherever one is accepted (checks, the account
 * API and admin panel, site webhooks), and the printable-text rule shared with the caller's own
 * ids. These values end up in logs, webhooks, CSV exports, HTTP headers of upstream calls and
 * pages: control characters (CR/LF, NUL, tab, ESC), bidi overrides and lone surrogates are refused
 * rather than cleaned, so what is stored is exactly what was sent.
 */
import { z } from 'zod';

/**
 * Cc controls (NUL, CR, LF, tab, ESC, DEL, C1), Cf format characters (bidi overrides such as
 * U+202E, zero-width characters, BOM), Cs lone surrogates (not encodable as UTF-8), Co private
 * use, and the line/paragraph separators U+2028/U+2029.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Zl}\p{Zp}]/u;

const NOT_PRINTABLE_MESSAGE = 'must be printable text (no control characters such as CR, LF, NUL or tab)';

function isPrintable(text: string): boolean {
  return !NOT_PRINTABLE.test(text);
}

/** Printable text of 1..max characters; surrounding spaces are trimmed (after the check). */
export function printableText(max: number) {
  return z
    .string()
    .max(max * 4, `must be at most ${max} characters`) // bounds the scan below on hostile input
    .refine(isPrintable, NOT_PRINTABLE_MESSAGE)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));
}

/** Largest MT5 login: logins are unsigned 64-bit integers (Manager API IMTUser::Login, UINT64). */
const MAX_LOGIN = 18_446_744_073_709_551_615n;

const MT5_LOGIN_MESSAGE = 'must be the numeric MT5 login (digits only, e.g. "50194988")';

/**
 * An MT5 login: digits only, as the terminal, MetaApi (`"login": "50194988"`) and the Manager API
 * (`"Login": "764636"`) write it; sent as a string or, by the guide's PHP and Node examples, as a
 * JSON number (then a safe integer: a larger one has already lost digits). Kept as a string.
 */
export const mt5LoginSchema = z.union([z.string().max(64, MT5_LOGIN_MESSAGE), z.number()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
    ctx.addIssue({ code: 'custom', message: `${MT5_LOGIN_MESSAGE}; send logins above 2^53 as a string` });
    return z.NEVER;
  }
  if (!isPrintable(value)) {
    ctx.addIssue({ code: 'custom', message: NOT_PRINTABLE_MESSAGE });
    return z.NEVER;
  }
  const login = value.trim();
  if (login === '') {
    ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    return z.NEVER;
  }
  if (!/^\d{1,20}$/.test(login) || BigInt(login) > MAX_LOGIN) {
    ctx.addIssue({ code: 'custom', message: MT5_LOGIN_MESSAGE });
    return z.NEVER;
  }
  return login;
});

/** An MT5 server name as the terminal shows it ("ICMarketsSC-Demo", "XMGlobal-MT5 7"). */
export const mt5ServerSchema = printableText(128);
