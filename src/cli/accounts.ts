/** CLI of the account data API: accounts registry, key limits, widget tokens. The investor password is never printed. */
import type { Command } from 'commander';
import { cliSecrets } from '../config.ts';
import { AppError } from '../http/errors.ts';
import type { AccountService, AccountView } from '../modules/accounts/account.service.ts';
import type { ApiKeyService } from '../modules/api-keys/api-key.service.ts';
import type { WidgetService } from '../modules/widgets/widget.service.ts';
import { readSecret } from './secret-input.ts';
import { withDeps } from './with-deps.ts';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface Services {
  accounts: AccountService;
  keys: ApiKeyService;
  widgets: WidgetService;
}

/** The services of `brymix serve`, connectors included (MT5_SERVERS_FILE): a server the API accepts, the CLI accepts. */
const withAccounts = <T>(fn: (s: Services) => Promise<T>): Promise<T> =>
  withDeps((deps) => fn({ accounts: deps.accounts, keys: deps.keys, widgets: deps.widgets }));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => (c ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

const num = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new AppError('validation_failed', `${flag}: "${v}" is not a number`);
  return n;
};

export function registerAccountCommands(program: Command, io: Io): void {
  const accounts = program
    .command('accounts')
    .description('MT5 accounts the read-only account API and widgets serve (investor passwords, sealed)');

  accounts
    .command('add')
    .description('register an MT5 account; prints its id alone on the last line')
    .requiredOption('--login <n>', 'MT5 login')
    .requiredOption('--server <name>', 'MT5 server, e.g. Brymix-Demo')
    .option(
      '--password-stdin',
      'read the investor (read-only) password from standard input (or set BRYMIX_MT5_PASSWORD, or be asked at a terminal)',
    )
    .option(
      '--password <investor password>',
      'the password on the command line: visible in ps and shell history, so prefer --password-stdin',
    )
    .option('--name <text>', 'display name (widgets show it)')
    .option('--key <key-id>', 'link to this API key at once')
    .option('--initial-balance <amount>', "the challenge's initial capital (loss floors)", num('--initial-balance'))
    .option(
      '--rules <json>',
      'flat rules for the loss floors, e.g. \'{"max_drawdown_percent":10,"max_daily_loss_percent":5}\'',
    )
    .option('--json', 'print the account as JSON')
    .action(
      async (o: {
        login: string;
        server: string;
        password?: string;
        passwordStdin?: boolean;
        name?: string;
        key?: string;
        initialBalance?: number;
        rules?: string;
        json?: boolean;
      }) => {
        // Stored encrypted, never shown again.
        const password = await readSecret({
          flag: o.password,
          fromStdin: o.passwordStdin,
          envName: 'BRYMIX_MT5_PASSWORD',
          envValue: cliSecrets().BRYMIX_MT5_PASSWORD,
          label: 'Investor password',
          warn: io.err,
        });
        let rules: unknown;
        if (o.rules) {
          try {
            rules = JSON.parse(o.rules);
          } catch {
            throw new AppError('validation_failed', '--rules is not valid JSON');
          }
        }
        const a = await withAccounts((s) =>
          s.accounts.add({
            login: o.login,
            server: o.server,
            password,
            ...(o.name ? { name: o.name } : {}),
            ...(o.key ? { key_id: o.key } : {}),
            ...(o.initialBalance ? { initial_balance: o.initialBalance } : {}),
            ...(rules ? { rules } : {}),
          }),
        );
        if (o.json) return io.out(JSON.stringify(a));
        io.out(
          `Registered ${a.login} on ${a.server} as "${a.name}"${a.key_ids.length ? `, linked to ${a.key_ids.join(', ')}` : ''}.`,
        );
        io.out(a.id);
      },
    );

  accounts
    .command('link')
    .description("let an API key's tenant read an account")
    .argument('<account-id>', 'acc_…')
    .requiredOption('--key <key-id>', 'key_…')
    .action(async (id: string, o: { key: string }) => {
      const a = await withAccounts((s) => s.accounts.link(id, o.key));
      io.out(`Linked ${a.id} to ${o.key}. Keys now: ${a.key_ids.join(', ')}`);
    });

  accounts
    .command('unlink')
    .description("stop an API key's tenant reading an account")
    .argument('<account-id>', 'acc_…')
    .requiredOption('--key <key-id>', 'key_…')
    .action(async (id: string, o: { key: string }) => {
      await withAccounts((s) => s.accounts.unlink(id, o.key));
      io.out(`Unlinked ${id} from ${o.key}.`);
    });

  accounts
    .command('list')
    .description('list registered accounts (never shows passwords)')
    .option('--json', 'print a JSON array')
    .action(async (o: { json?: boolean }) => {
      const list: AccountView[] = await withAccounts((s) => s.accounts.list());
      if (o.json) return io.out(JSON.stringify(list));
      if (list.length === 0)
        return io.out(
          'No accounts yet. Add one with: ./bin/brymix accounts add --login <n> --server <name> --password-stdin',
        );
      for (const l of table(
        ['ID', 'LOGIN', 'SERVER', 'NAME', 'KEYS', 'CREATED'],
        list.map((a) => [a.id, a.login, a.server, a.name, a.key_ids.join(',') || '-', a.created_at]),
      ))
        io.out(l);
    });

  accounts
    .command('remove')
    .description('remove an account, its key links and (in effect) its widgets')
    .argument('<id>', 'acc_…')
    .action(async (id: string) => {
      await withAccounts((s) => s.accounts.remove(id));
      io.out(`Removed ${id}.`);
    });

  const widgets = program
    .command('widgets')
    .description('live widgets (OBS browser sources) of one account each, authorized by a revocable token in the URL');

  widgets
    .command('create')
    .description("create a widget token; prints the widget's URL alone on the last line")
    .requiredOption('--account <id>', 'acc_…')
    .option('--kind <kind>', 'card | positions | chart | stats', 'card')
    .option('--name <text>', 'label for the token list')
    .option('--percent-only', 'never send money amounts, only percentages')
    .option('--hide-positions', 'never send open positions')
    .option('--hide-entry', 'never send entry prices, SL/TP or open times')
    .option('--show-login', 'show the MT5 login (hidden by default)')
    .option('--delay <seconds>', 'publish data this many seconds late', num('--delay'))
    .option('--json', 'print the widget as JSON (with token and URL)')
    .action(
      async (o: {
        account: string;
        kind: string;
        name?: string;
        percentOnly?: boolean;
        hidePositions?: boolean;
        hideEntry?: boolean;
        showLogin?: boolean;
        delay?: number;
        json?: boolean;
      }) => {
        const w = await withAccounts((s) =>
          s.widgets.create({
            account_id: o.account,
            kind: o.kind,
            ...(o.name ? { name: o.name } : {}),
            options: {
              percent_only: Boolean(o.percentOnly),
              hide_positions: Boolean(o.hidePositions),
              hide_entry: Boolean(o.hideEntry),
              hide_login: !o.showLogin,
              delay_seconds: o.delay ?? 0,
            },
          }),
        );
        if (o.json) return io.out(JSON.stringify(w));
        io.out(
          `Created widget ${w.id} (${w.kind}) for ${w.account_id}. Anyone with the URL sees this widget; revoke with: ./bin/brymix widgets revoke ${w.id}`,
        );
        io.out(`Customize it (live preview, OBS URL, iframe snippet): ${w.customizer_url}`);
        io.out(w.url);
      },
    );

  widgets
    .command('list')
    .description('list widget tokens (never shows the token)')
    .option('--account <id>', 'only this account')
    .option('--json', 'print a JSON array')
    .action(async (o: { account?: string; json?: boolean }) => {
      const list = await withAccounts((s) => s.widgets.list(o.account));
      if (o.json) return io.out(JSON.stringify(list));
      if (list.length === 0)
        return io.out('No widgets yet. Create one with: ./bin/brymix widgets create --account <id>');
      for (const l of table(
        ['ID', 'ACCOUNT', 'KIND', 'STATUS', 'NAME', 'LAST SEEN'],
        list.map((w) => [w.id, w.account_id, w.kind, w.status, w.name, w.last_seen_at ?? 'never']),
      ))
        io.out(l);
    });

  widgets
    .command('revoke')
    .description('end a widget token at once (its URL stops working)')
    .argument('<id>', 'wdg_…')
    .action(async (id: string) => {
      const w = await withAccounts((s) => s.widgets.revoke(id));
      io.out(`Revoked ${w.id} at ${w.revoked_at}.`);
    });
}

/** `keys limits <id>`: the account API limits of one key's tenant. */
export function registerKeyLimitsCommand(keys: Command, io: Io): void {
  keys
    .command('limits')
    .description(
      'show or set the account API limits of a key (defaults: 100/min per key; 1 per 5 s per account, burst 3)',
    )
    .argument('<id>', 'key id (key_…)')
    .option('--per-minute <n>', 'requests a minute for the key', num('--per-minute'))
    .option('--account-interval <seconds>', 'one request per this many seconds per account', num('--account-interval'))
    .option('--account-burst <n>', 'requests allowed back to back per account', num('--account-burst'))
    .action(async (id: string, o: { perMinute?: number; accountInterval?: number; accountBurst?: number }) => {
      const limits = await withAccounts(async (s) => {
        const change = {
          ...(o.perMinute !== undefined ? { per_minute: o.perMinute } : {}),
          ...(o.accountInterval !== undefined ? { account_interval_seconds: o.accountInterval } : {}),
          ...(o.accountBurst !== undefined ? { account_burst: o.accountBurst } : {}),
        };
        if (Object.keys(change).length) return s.accounts.setLimits(id, change);
        const key = (await s.keys.list()).find((k) => k.id === id);
        if (!key) throw new AppError('not_found', `No API key with id ${id}`);
        return s.accounts.limitsOf(key.tenant_id);
      });
      io.out(
        `${id}: ${limits.per_minute}/min per key; per account 1 per ${limits.account_interval_seconds} s, burst ${limits.account_burst}`,
      );
    });
}
