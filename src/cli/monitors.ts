/**
 * `brymix monitors add|list|show|stop`: live monitors from the command line, acting for the tenant
 * of an API key (`--key key_…`), through the same service and validation as the API. `add` takes
 * the fields of POST /api/v1/monitors; the MT5 password is read as `accounts add` reads it (never
 * from the command line unless asked to). `monitor-worker` runs the live process alone.
 */
import type { Command } from 'commander';
import { cliSecrets } from '../config.ts';
import { AppError } from '../http/errors.ts';
import { monitorRequestSchema } from '../modules/monitors/monitor.schemas.ts';
import type { MonitorStatus } from '../modules/monitors/monitor.ts';
import { readSecret } from './secret-input.ts';
import { withDeps } from './with-deps.ts';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const STATUSES = ['active', 'breached', 'passed', 'stale', 'stopped'];

function jsonOption(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('validation_failed', `${flag}: is not valid JSON`, {
      errors: [{ field: flag, message: 'is not valid JSON' }],
    });
  }
}

/** `--rules`: JSON (flat, list or {preset, overrides}) or a preset name such as ftmo-2step. */
function rulesOption(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  return /^[a-z0-9-]+(@\d+)?$/.test(text) ? { preset: text } : jsonOption('--rules', text);
}

/** A request field's name as this command spells its option. */
const flagOf = (field: string) => `--${field.split('.')[0]!.replaceAll('_', '-')}`;

interface AddOptions {
  key: string;
  userId: string;
  challengeId: string;
  mt5Login: string;
  mt5Server: string;
  mt5Password?: string;
  passwordStdin?: boolean;
  initialBalance: string;
  rules?: string;
  callbackUrl?: string;
  alerts?: string;
  idempotencyKey?: string;
  json?: boolean;
}

export function registerMonitorCommands(program: Command, io: Io): void {
  program
    .command('monitor-worker')
    .description(
      'run the live monitors process only: watches its share of the monitors (PostgreSQL + Redis: run several)',
    )
    .action(async () => {
      const { runMonitorWorker } = await import('../main.ts');
      await runMonitorWorker();
    });

  const monitors = program
    .command('monitors')
    .description('live monitors of MT5 accounts (as the tenant of an API key: --key key_…)');

  monitors
    .command('add')
    .description(
      'start monitoring an account (the fields of POST /api/v1/monitors); prints its id alone on the last line',
    )
    .requiredOption('--key <key-id>', 'the API key whose tenant owns the monitor (key_…)')
    .requiredOption('--user-id <id>', "the trader's id in your platform")
    .requiredOption('--challenge-id <id>', 'the challenge id')
    .requiredOption('--mt5-login <n>', 'MT5 login')
    .requiredOption('--mt5-server <name>', 'MT5 server, e.g. Brymix-Demo')
    .option('--password-stdin', 'read the MT5 password from standard input (or set BRYMIX_MT5_PASSWORD, or be asked)')
    .option('--mt5-password <password>', 'the password on the command line: visible in ps and shell history')
    .requiredOption('--initial-balance <amount>', "the challenge's initial capital")
    .option('--rules <json|preset>', 'rules JSON (flat, list or {preset, overrides}) or a preset name')
    .option('--callback-url <url>', 'where the signed event webhooks go')
    .option('--alerts <levels>', 'alert levels, percent of a loss limit used, comma-separated (default 50,80,95)')
    .option('--idempotency-key <key>', 'make a retried add start one monitor')
    .option('--json', 'print {monitor_id, status} as JSON')
    .action(async (o: AddOptions) => {
      const password = await readSecret({
        flag: o.mt5Password,
        fromStdin: o.passwordStdin,
        envName: 'BRYMIX_MT5_PASSWORD',
        envValue: cliSecrets().BRYMIX_MT5_PASSWORD,
        label: 'MT5 password',
        warn: io.err,
      });
      const request = {
        user_id: o.userId,
        challenge_id: o.challengeId,
        mt5_login: o.mt5Login,
        mt5_password: password,
        mt5_server: o.mt5Server,
        initial_balance: Number(o.initialBalance),
        ...(o.rules !== undefined ? { rules: rulesOption(o.rules) } : {}),
        ...(o.callbackUrl !== undefined ? { callback_url: o.callbackUrl } : {}),
        ...(o.alerts !== undefined ? { alerts: o.alerts.split(',').map((v) => Number(v.trim())) } : {}),
      };
      const parsed = monitorRequestSchema.safeParse(request);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          field: flagOf(i.path.join('.') || 'body'),
          message: i.message,
        }));
        throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
      }
      const created = await withDeps(async (deps) =>
        deps.monitors.create(await deps.keys.actAs(o.key), parsed.data, o.idempotencyKey),
      );
      if (o.json) return io.out(JSON.stringify(created));
      io.out(`Monitoring ${o.mt5Login} on ${o.mt5Server}: ${created.status}.`);
      io.out(created.monitor_id);
    });

  monitors
    .command('list')
    .description("list the tenant's monitors, newest first")
    .requiredOption('--key <key-id>', 'the API key whose tenant owns them')
    .option('--status <status>', `only this status (${STATUSES.join(', ')})`)
    .option('--json', 'print a JSON array')
    .action(async (o: { key: string; status?: string; json?: boolean }) => {
      if (o.status !== undefined && !STATUSES.includes(o.status))
        throw new AppError('validation_failed', `--status: must be one of ${STATUSES.join(', ')}`);
      const all = await withDeps(async (deps) => {
        const auth = await deps.keys.actAs(o.key);
        const rows: Array<Record<string, unknown>> = [];
        let cursor: string | undefined;
        do {
          const page = await deps.monitors.list(auth, {
            status: o.status as MonitorStatus | undefined,
            cursor,
            limit: 200,
          });
          rows.push(...page.monitors);
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        return rows;
      });
      if (o.json) return io.out(JSON.stringify(all));
      if (all.length === 0) return io.out('No monitors. Start one with: ./bin/brymix monitors add --key <key-id> …');
      const header = ['ID', 'STATUS', 'LOGIN', 'SERVER', 'CHALLENGE', 'EQUITY', 'LAST OBSERVATION'];
      const rows = all.map((m) => [
        String(m.monitor_id),
        String(m.status),
        String(m.mt5_login),
        String(m.mt5_server),
        String(m.challenge_id),
        String((m.metrics as Record<string, unknown>).current_equity ?? '-'),
        String(m.last_observation_at ?? '-'),
      ]);
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [header, ...rows])
        io.out(
          r
            .map((c, i) => c.padEnd(widths[i]!))
            .join('  ')
            .trimEnd(),
        );
    });

  monitors
    .command('show')
    .description('print a monitor as JSON (as GET /api/v1/monitors/{id} answers)')
    .argument('<monitor-id>', 'mon_…')
    .requiredOption('--key <key-id>', 'the API key whose tenant owns it')
    .action(async (id: string, o: { key: string }) => {
      const view = await withDeps(async (deps) => deps.monitors.get(await deps.keys.actAs(o.key), id));
      io.out(JSON.stringify(view, null, 2));
    });

  monitors
    .command('stop')
    .description('stop a monitor (its credentials are erased; monitor.stopped is sent)')
    .argument('<monitor-id>', 'mon_…')
    .requiredOption('--key <key-id>', 'the API key whose tenant owns it')
    .action(async (id: string, o: { key: string }) => {
      const view = await withDeps(async (deps) => deps.monitors.stop(await deps.keys.actAs(o.key), id));
      io.out(`Monitor ${id} is ${String(view.status)}.`);
    });
}
