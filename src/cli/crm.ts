/** CLI of the CRM: staff users, service tokens, audit-chain verification. */
import type { Command } from 'commander';
import { cliSecrets } from '../config.ts';
import { AppError } from '../http/errors.ts';
import { parseDuration } from '../modules/api-keys/api-key.ts';
import type { AuditService } from '../modules/audit/audit.service.ts';
import { type ServiceTokenService, serviceTokenFormat } from '../modules/crm/service-token.service.ts';
import type { StaffService } from '../modules/staff/staff.service.ts';
import { readSecret } from './secret-input.ts';
import { withDeps } from './with-deps.ts';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

interface CliServices {
  audit: AuditService;
  staff: StaffService;
  serviceTokens: ServiceTokenService;
}

const withServices = <T>(fn: (s: CliServices) => Promise<T>): Promise<T> =>
  withDeps((deps) => fn({ audit: deps.audit, staff: deps.staff, serviceTokens: deps.serviceTokens }));

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => (c ?? '').padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export function registerCrmCommands(program: Command, io: Io): void {
  const staff = program
    .command('staff')
    .description('CRM staff users (roles: admin, agent; impersonation is admin-only)');

  staff
    .command('create')
    .description('create a staff user')
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--role <role>', 'admin or agent')
    .option(
      '--password-stdin',
      'read the password (at least 10 characters) from standard input (or set BRYMIX_STAFF_PASSWORD, or be asked at a terminal)',
    )
    .option(
      '--password <password>',
      'the password on the command line: visible in ps and shell history, so prefer --password-stdin',
    )
    .option('--json', 'print the user as JSON')
    .action(
      async (opts: { email: string; role: string; password?: string; passwordStdin?: boolean; json?: boolean }) => {
        const password = await readSecret({
          flag: opts.password,
          fromStdin: opts.passwordStdin,
          envName: 'BRYMIX_STAFF_PASSWORD',
          envValue: cliSecrets().BRYMIX_STAFF_PASSWORD,
          label: 'Password',
          warn: io.err,
        });
        const user = await withServices((s) => s.staff.create({ email: opts.email, role: opts.role, password }));
        if (opts.json) return io.out(JSON.stringify(user));
        io.out(`Created ${user.role} ${user.email} (${user.id}). Sign in at /console/login or POST /api/auth/login.`);
      },
    );

  staff
    .command('password')
    .description("set a staff user's password")
    .requiredOption('--email <email>', 'login email')
    .option(
      '--password-stdin',
      'read the new password from standard input (or set BRYMIX_STAFF_PASSWORD, or be asked at a terminal)',
    )
    .option('--password <password>', 'the new password on the command line: visible in ps, so prefer --password-stdin')
    .action(async (opts: { email: string; password?: string; passwordStdin?: boolean }) => {
      const password = await readSecret({
        flag: opts.password,
        fromStdin: opts.passwordStdin,
        envName: 'BRYMIX_STAFF_PASSWORD',
        envValue: cliSecrets().BRYMIX_STAFF_PASSWORD,
        label: 'New password',
        warn: io.err,
      });
      const user = await withServices((s) => s.staff.setPassword(opts.email, password));
      io.out(`Password of ${user.email} changed.`);
    });

  staff
    .command('list')
    .description('list staff users')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const list = await withServices((s) => s.staff.list());
      if (opts.json) return io.out(JSON.stringify(list));
      if (list.length === 0)
        return io.out(
          'No staff users yet. Create one with: ./bin/brymix staff create --email <e> --role admin --password-stdin',
        );
      for (const line of table(
        ['ID', 'EMAIL', 'ROLE', 'CREATED', 'LAST LOGIN'],
        list.map((u) => [u.id, u.email, u.role, u.createdAt, u.lastLoginAt ?? 'never']),
      ))
        io.out(line);
    });

  const tokens = program.command('service-tokens').description('Bearer tokens of the CRM service API (/api/service)');

  tokens
    .command('create')
    .description('create a token; when an active token has the same name, rotate it (the old one works for --overlap)')
    .argument('<name>', 'who the token is for, e.g. "Trading platform"')
    .option('--overlap <duration>', 'when rotating: how long the old token keeps working (e.g. 24h, 30m, 0)', '24h')
    .option('--json', 'print {"id","name","token","created_at","rotated"}')
    .action(async (name: string, opts: { overlap: string; json?: boolean }) => {
      const overlapMs = parseDuration(opts.overlap);
      if (overlapMs === null)
        throw new AppError('validation_failed', `--overlap: "${opts.overlap}" is not a duration such as 24h, 30m or 0`);
      const created = await withServices((s) => s.serviceTokens.createOrRotate(name, overlapMs));
      if (opts.json) return io.out(JSON.stringify(created));
      if (created.rotated)
        io.out(`Rotated "${created.name}": the previous token stops working at ${created.rotated.oldExpiresAt}.`);
      io.out(`Created service token ${created.id} for "${created.name}". Send it as Authorization: Bearer <token>.`);
      io.out('Store it now: it is shown only once and kept only as a hash.');
      io.out(created.token);
    });

  tokens
    .command('list')
    .description('list service tokens (never shows the secret)')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const list = await withServices((s) => s.serviceTokens.list());
      if (opts.json) return io.out(JSON.stringify(list));
      if (list.length === 0)
        return io.out('No service tokens yet (SERVICE_API_TOKEN from the environment is always accepted).');
      for (const line of table(
        ['ID', 'NAME', 'TOKEN', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
        list.map((t) => [
          t.id,
          t.name,
          serviceTokenFormat.display(t.kid),
          t.status,
          t.createdAt,
          t.expiresAt ?? '-',
          t.lastUsedAt ?? 'never',
        ]),
      ))
        io.out(line);
    });

  tokens
    .command('revoke')
    .description('revoke a service token at once')
    .argument('<id>', 'token id (stk_…)')
    .action(async (id: string) => {
      const t = await withServices((s) => s.serviceTokens.revoke(id));
      io.out(`Revoked ${t.id} ("${t.name}").`);
    });

  program
    .command('audit')
    .description('audit log')
    .command('verify')
    .description('walk the hash chain of the audit log; exit 1 when a row was changed, inserted or removed')
    .action(async () => {
      const r = await withServices((s) => s.audit.verify());
      if (r.ok) return io.out(`Audit chain intact: ${r.checked} entries, head ${r.head}.`);
      throw new Error(
        `audit chain broken at entry ${r.brokenAt}: ${r.reason} (${r.checked} entries verified before it)`,
      );
    });
}
