/**
 * The batched reads of the fake Manager Web API (webapi.ts), written from MetaQuotes'
 * "Manager Interface (Rest API)" pages named beside each behaviour. Every command takes exactly
 * one of its lists ("Only one of the parameters can be used in the request. Multiple lists are not
 * allowed."; "You cannot specify all the three parameters together."), a comma-separated list in
 * the query, and answers `{"retcode":"0 Done","answer":[…]}` with the records' `Login`.
 */
type WireRecord = Record<string, string>;

/** What the batched reads need of a fake user (webapi.ts FakeWebApiUser). */
interface BatchUser {
  login: string;
  group: string;
  balance: string;
  credit: string;
  trade: WireRecord | null;
  deals: WireRecord[];
  positions: WireRecord[];
}

type Answer = { retcode: string; answer?: unknown };

const INVALID: Answer = { retcode: '3 Invalid parameters' };

/** The logins of `login=L1,L2`, or null when the request names another list (or none) instead. */
function loginList(q: URLSearchParams, others: string[]): string[] | null {
  const list = q.get('login');
  if (!list || others.some((k) => q.has(k))) return null;
  return list.split(',').map((l) => l.trim());
}

/** The answer of a batched command, or null when `path` is none of them. */
export function batchAnswer(path: string, q: URLSearchParams, users: BatchUser[]): Answer | null {
  const find = (logins: string[]) =>
    logins.flatMap((l) => users.filter((u) => u.login === l)).filter((u, i, all) => all.indexOf(u) === i);
  switch (path) {
    // Users / Get Multiple Trade States (webapi_user_account_get_batch): `login=logins` or `group=groups`;
    // "Trade account state can be received only in case it has open orders or positions or a trade
    // activity has been detected at the account after the last server restart": other logins are absent.
    case '/api/user/account/get_batch': {
      const logins = loginList(q, ['group']);
      if (!logins) return INVALID;
      const answer = find(logins)
        .filter((u) => u.trade)
        .map((u) => ({ Login: u.login, CurrencyDigits: '2', ...u.trade }));
      return { retcode: '0 Done', answer };
    }
    // Users / Get Multiple (webapi_user_get_batch): "information about multiple users by a list of
    // logins or groups" — the user records of Users / Get by Login.
    case '/api/user/get_batch': {
      const logins = loginList(q, ['group']);
      if (!logins) return INVALID;
      const answer = find(logins).map((u) => ({
        Login: u.login,
        Group: u.group,
        Name: 'Trader',
        Leverage: '100',
        Balance: u.balance,
        Credit: u.credit,
      }));
      return { retcode: '0 Done', answer };
    }
    // Positions / Get Multiple (webapi_position_get_batch): `login=logins`, answer the open positions.
    case '/api/position/get_batch': {
      const logins = loginList(q, ['group', 'ticket']);
      if (!logins) return INVALID;
      return {
        retcode: '0 Done',
        answer: find(logins).flatMap((u) => u.positions.map((p) => ({ ...p, Login: u.login }))),
      };
    }
    // Deals / Get Multiple (webapi_deal_get_batch): `login=logins&from=date&to=date`, dates "in seconds
    // elapsed since 01.01.1970", required when requesting by login; the deals of [from, to].
    case '/api/deal/get_batch': {
      const logins = loginList(q, ['group', 'ticket']);
      const from = Number(q.get('from'));
      const to = Number(q.get('to'));
      if (!logins || !q.has('from') || !q.has('to') || !Number.isFinite(from) || !Number.isFinite(to)) return INVALID;
      const answer = find(logins).flatMap((u) =>
        u.deals.filter((d) => Number(d.Time) >= from && Number(d.Time) <= to).map((d) => ({ ...d, Login: u.login })),
      );
      return { retcode: '0 Done', answer };
    }
  }
  return null;
}
