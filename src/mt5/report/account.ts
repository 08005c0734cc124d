/** The report header's account line: login, currency, server, trade and margin mode, when it was made. */
import type { ReportAccount } from './parsed-report.ts';
import type { Pair } from './sections.ts';
import { reportTime } from './values.ts';

export function readAccount(list: Pair[], title: string, warnings: string[]): ReportAccount {
  const account: ReportAccount = {
    login: '',
    currency: '',
    server: '',
    name: '',
    company: '',
    trade_mode: null,
    margin_mode: null,
    generated_at: null,
  };
  const valued = list.filter((p) => p.value !== '');
  const accountPattern = /^(\d+)\s*\((.*)\)\s*$/;
  const accountPair = valued.find((p) => accountPattern.test(p.value));
  const datePair = valued.find((p) => /^\d{4}[.-]\d\d[.-]\d\d/.test(p.value));
  if (valued.length >= 4) {
    account.name = valued[0]!.value;
    account.company = valued[2]!.value;
  }
  if (accountPair) {
    const m = accountPattern.exec(accountPair.value)!;
    account.login = m[1]!;
    const parts = m[2]!.split(',').map((s) => s.trim());
    account.currency = parts[0] ?? '';
    let serverParts = parts.slice(1);
    const last = serverParts[serverParts.length - 1]?.toLowerCase();
    if (last && /^(hedge|hedging|netting|exchange)$/.test(last)) {
      account.margin_mode = last.startsWith('hedg') ? 'hedging' : 'netting';
      serverParts = serverParts.slice(0, -1);
    }
    const mode = serverParts[serverParts.length - 1]?.toLowerCase();
    if (mode && /^(demo|real|contest|preliminary)$/.test(mode)) {
      account.trade_mode = mode;
      serverParts = serverParts.slice(0, -1);
    }
    account.server = serverParts.join(', ');
  } else {
    const login = /^(\d+)\s*:/.exec(title)?.[1];
    if (login) account.login = login;
    warnings.push('no Account line (login, currency, server) found in the report header');
  }
  if (datePair) account.generated_at = reportTime(datePair.value).slice(0, 16);
  return account;
}
