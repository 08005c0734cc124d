/** ./bin/brymix — the guide's manage_keys.py and the server's own commands. */
import { Command, CommanderError } from 'commander';
import { AppError } from '../http/errors.ts';
import type { ApiKeyService, KeySummary } from '../modules/api-keys/api-key.service.ts';
import { apiKeyFormat, parseDuration } from '../modules/api-keys/api-key.ts';
import { flatRulesSchema } from '../rules/flat.ts';
import { registerAccountCommands, registerKeyLimitsCommand } from './accounts.ts';
import { registerCheckCommand } from './check.ts';
import { registerCrmCommands } from './crm.ts';
import { InvalidInput } from './invalid-input.ts';
import { registerMonitorCommands } from './monitors.ts';
import { registerReportCommands } from './report.ts';
import { withDeps } from './with-deps.ts';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const withKeys = <T>(fn: (keys: ApiKeyService) => Promise<T>): Promise<T> => withDeps((deps) => fn(deps.keys));

function keyTable(keys: KeySummary[]): string[] {
  if (keys.length === 0) return ['No API keys yet. Create one with: ./bin/brymix keys create "<name>"'];
  const rows = keys.map((k) => [
    k.id,
    k.name,
    apiKeyFormat.display(k.kid),
    k.status,
    k.created_at,
    k.expires_at ?? '-',
    k.last_used_at ?? 'never',
  ]);
  const header = ['ID', 'NAME', 'KEY', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export function buildProgram(io: Io): Command {
  const program = new Command('brymix')
    .description('Brymix: challenge checker, account data API and CRM for MetaTrader 5 prop firms')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });

  program
    .command('serve')
    .description('serve the API on PORT (default 8000), with in-process workers unless --no-workers')
    .option('--no-workers', 'do not run queue workers in this process')
    .action(async (opts: { workers: boolean }) => {
      const { serve } = await import('../main.ts');
      await serve({ workers: opts.workers });
    });

  program
    .command('worker')
    .description('run queue workers only (scale out with as many as you need)')
    .action(async () => {
      const { runWorker } = await import('../main.ts');
      await runWorker();
    });

  program
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      const { migrate } = await import('../infra/db/index.ts');
      const { applied, location } = await withDeps(
        async (deps) => ({ applied: await migrate(deps.dbHandle.db), location: deps.dbHandle.location }),
        { migrate: false },
      );
      io.out(applied.length ? `Applied ${applied.join(', ')} to ${location}` : `${location} is up to date`);
    });

  const keys = program.command('keys').description('manage API keys (each key is a tenant: it sees only its own jobs)');

  keys
    .command('create')
    .description('create an API key; it is printed once, alone on the last line')
    .argument('<name>', 'who the key is for, e.g. your prop firm')
    .option('--json', 'print {"id","name","key","created_at"}')
    .option('--allow-ip <cidr...>', 'only these addresses/CIDRs may use the key')
    .action(async (name: string, opts: { json?: boolean; allowIp?: string[] }) => {
      const created = await withKeys((s) => s.create(name, { allowedCidrs: opts.allowIp ?? [] }));
      if (opts.json) return io.out(JSON.stringify(created));
      io.out(`Created API key ${created.id} for "${created.name}".`);
      io.out('Store it now: it is shown only once and kept only as a hash.');
      io.out(created.key);
    });

  keys
    .command('list')
    .description('list API keys (never shows the secret)')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const list = await withKeys((s) => s.list());
      if (opts.json) return io.out(JSON.stringify(list));
      for (const line of keyTable(list)) io.out(line);
    });

  keys
    .command('revoke')
    .description('revoke an API key at once')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => {
      const k = await withKeys((s) => s.revoke(id));
      io.out(`Revoked ${k.id} ("${k.name}") at ${k.revoked_at}.`);
    });

  keys
    .command('rotate')
    .description('issue a new key for the same tenant; the old one works for the overlap')
    .argument('<id>', 'key id (key_…)')
    .option('--overlap <duration>', 'how long the old key keeps working (e.g. 24h, 30m, 0)', '24h')
    .option('--json', 'print {"id","name","key","created_at","old_key_expires_at"}')
    .action(async (id: string, opts: { overlap: string; json?: boolean }) => {
      const overlapMs = parseDuration(opts.overlap);
      if (overlapMs === null)
        throw new AppError('validation_failed', `--overlap: "${opts.overlap}" is not a duration such as 24h, 30m or 0`);
      const { created, old } = await withKeys((s) => s.rotate(id, overlapMs));
      const oldEnds = old.revoked_at ?? old.expires_at;
      if (opts.json) return io.out(JSON.stringify({ ...created, old_key_expires_at: oldEnds }));
      io.out(`Rotated ${id}: new key ${created.id}. The old key stops working at ${oldEnds}.`);
      io.out('Store the new key now: it is shown only once.');
      io.out(created.key);
    });

  keys
    .command('defaults')
    .description("set the firm's default rules for a key's tenant (fields a request omits)")
    .argument('<id>', 'key id (key_…)')
    .argument('<rules-json>', 'flat rules, e.g. \'{"max_daily_loss_percent":4}\', or "none" to clear')
    .action(async (id: string, json: string) => {
      let rules: Record<string, unknown> | null = null;
      if (json !== 'none') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(json);
        } catch {
          throw new AppError('validation_failed', 'rules-json is not valid JSON');
        }
        const r = flatRulesSchema.safeParse(parsed);
        if (!r.success)
          throw new AppError(
            'validation_failed',
            r.error.issues.map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`).join('; '),
          );
        rules = r.data as Record<string, unknown>;
      }
      await withKeys((s) => s.setRuleDefaults(id, rules));
      io.out(
        rules
          ? `Default rules of ${id}'s tenant: ${JSON.stringify(rules)}`
          : `Cleared the default rules of ${id}'s tenant.`,
      );
    });

  registerCheckCommand(program, io);
  registerReportCommands(program, io);
  registerAccountCommands(program, io);
  registerKeyLimitsCommand(keys, io);
  registerCrmCommands(program, io);
  registerMonitorCommands(program, io);

  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 2 invalid input, 1 failure). Long-running commands never return. */
export async function runCli(
  argv: string[],
  io: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) },
): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof InvalidInput) {
      io.err(`error: ${err.message}`);
      return 2;
    }
    if (err instanceof AppError) {
      io.err(`error: ${err.message}`);
      return err.status === 404 || err.status === 400 ? 2 : 1;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

const LONG_RUNNING = new Set(['serve', 'worker', 'monitor-worker']);

/**
 * ./bin/brymix: runs a command and ends the process once everything it wrote has been written out.
 * Node writes to a pipe as fast as the reader reads; what a pipe cannot take yet (it holds 64 KiB)
 * waits in this process, and `process.exit()` drops it: `report parse --json | jq` got 65,536 bytes.
 */
export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (`| head`) is not a failure of the command: the rest is not wanted.
  // Any other write error is (exit 1), but must not crash the process as an unhandled 'error'.
  let writeFailed = false;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') writeFailed = true;
    });
  }
  const code = await runCli(argv);
  // `serve` and `worker` keep running; their signal handlers end the process.
  if (LONG_RUNNING.has(argv[0] ?? '') && code === 0) return;
  await Promise.all([writtenOut(process.stdout), writtenOut(process.stderr)]);
  // Everything is written: end now rather than wait for idle connections (database pools, Redis) to time out.
  process.exit(code === 0 && writeFailed ? 1 : code);
}

/** Resolves when every byte written to `stream` so far has reached the pipe, file or terminal (or the reader has gone). */
function writtenOut(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  // Write callbacks run in order: this one runs after the earlier writes are done.
  return new Promise((resolve) => stream.write('', () => resolve()));
}
