/**
 * `brymix check --history <file.json> | --report <ReportHistory.html|.xlsx> --rules <file.json | preset>
 * [--at <iso>]`: evaluates a normalized history, or a terminal's trade history report, with the
 * same engine as the API. Exit 0 for any completed evaluation (whatever the verdict), 2 for invalid
 * input with a message naming the problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { findInconsistencies } from '../mt5/consistency.ts';
import { accountHistorySchema } from '../mt5/history.schema.ts';
import type { AccountHistory } from '../mt5/history.ts';
import { isValidZone } from '../rules/days.ts';
import type { NewsEvent } from '../rules/families/family.ts';
import { evaluate } from '../rules/index.ts';
import { RuleSetError, resolveRuleSet } from '../rules/ruleset.ts';
import { InvalidInput } from './invalid-input.ts';
import { loadReportHistory } from './report.ts';

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new InvalidInput(`${what}: no such file ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InvalidInput(`${what}: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

function loadHistory(path: string, what = '--history'): AccountHistory {
  const parsed = accountHistorySchema.safeParse(readJson(path, what));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new InvalidInput(
      `${what}: ${i.path.join('.') || 'history'}: ${i.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''}`,
    );
  }
  return parsed.data as AccountHistory;
}

/** A rules argument is a JSON file (flat, list, preset reference, or `{ "rules": … }`) or a preset name. */
function loadRules(arg: string) {
  let input: unknown;
  // A file of the API's shape, `{ "rules": … }`: its problems are named from the file's root.
  let wrapped = false;
  if (existsSync(arg)) {
    input = readJson(arg, '--rules');
    if (input && typeof input === 'object' && !Array.isArray(input) && 'rules' in input) {
      input = (input as { rules: unknown }).rules;
      wrapped = true;
    }
  } else if (/^[a-z0-9-]+(@\d+)?$/.test(arg)) {
    input = { preset: arg };
  } else {
    throw new InvalidInput(`--rules: no such file or preset ${arg}`);
  }
  try {
    return resolveRuleSet(input);
  } catch (err) {
    if (err instanceof RuleSetError)
      throw new InvalidInput(
        `--rules: ${wrapped ? new RuleSetError(err.issues.map((i) => ({ ...i, path: i.path ? `rules.${i.path}` : 'rules' }))).message : err.message}`,
      );
    throw err;
  }
}

/** The history as it stood at `atMs`: later deals and snapshots removed. */
function historyAt(history: AccountHistory, atMs: number): AccountHistory {
  const lastMs = Math.max(
    ...history.deals.map((d) => Date.parse(d.time)),
    ...(history.equity ?? []).map((s) => Date.parse(s.time)),
    -Infinity,
  );
  if (atMs >= lastMs) return history;
  return {
    ...history,
    deals: history.deals.filter((d) => Date.parse(d.time) <= atMs),
    ...(history.equity ? { equity: history.equity.filter((s) => Date.parse(s.time) <= atMs) } : {}),
    // The end-state positions list describes the end of the history, not `at`.
    positions: [],
  };
}

interface CheckCommandOptions {
  history?: string;
  report?: string;
  /** With --report: the broker clock's IANA zone, or its fixed offset from UTC in minutes. */
  serverTz?: string;
  serverUtcOffset?: string;
  rules: string;
  at?: string;
  initialBalance?: string;
  calendar?: string;
  otherAccount?: string[];
}

function loadInput(opts: CheckCommandOptions, initialBalance: number | undefined): AccountHistory {
  if ((opts.history === undefined) === (opts.report === undefined))
    throw new InvalidInput('give exactly one of --history <file> and --report <file>');
  if (opts.history !== undefined) {
    if (opts.serverTz !== undefined || opts.serverUtcOffset !== undefined)
      throw new InvalidInput(
        '--server-tz and --server-utc-offset apply to --report only (a history is already in UTC)',
      );
    return loadHistory(opts.history);
  }
  if (opts.serverTz !== undefined && opts.serverUtcOffset !== undefined)
    throw new InvalidInput('give one of --server-tz and --server-utc-offset, not both');
  let serverUtcOffsetMinutes: number | undefined;
  if (opts.serverUtcOffset !== undefined) {
    serverUtcOffsetMinutes = Number(opts.serverUtcOffset);
    if (!Number.isInteger(serverUtcOffsetMinutes) || Math.abs(serverUtcOffsetMinutes) > 14 * 60)
      throw new InvalidInput(
        `--server-utc-offset: "${opts.serverUtcOffset}" is not a whole number of minutes between -840 and 840`,
      );
  }
  if (opts.serverTz !== undefined && !isValidZone(opts.serverTz))
    throw new InvalidInput(`--server-tz: "${opts.serverTz}" is not an IANA time zone such as Europe/Athens`);
  return loadReportHistory(opts.report!, {
    ...(opts.serverTz !== undefined ? { serverTimeZone: opts.serverTz } : {}),
    ...(serverUtcOffsetMinutes !== undefined ? { serverUtcOffsetMinutes } : {}),
    ...(initialBalance !== undefined ? { initialBalance } : {}),
  });
}

function runCheckCommand(opts: CheckCommandOptions): unknown {
  let initialBalance: number | undefined;
  if (opts.initialBalance !== undefined) {
    initialBalance = Number(opts.initialBalance);
    if (!Number.isFinite(initialBalance) || initialBalance <= 0)
      throw new InvalidInput(`--initial-balance: "${opts.initialBalance}" is not a positive number`);
  }
  let history = loadInput(opts, initialBalance);
  // The API's rule: a history that disagrees with itself gets no verdict (its check ends as error bad_data).
  const problems = findInconsistencies(history);
  if (problems.length > 0) {
    const what = opts.history !== undefined ? `--history: ${opts.history}` : `--report: ${opts.report}`;
    throw new InvalidInput(
      `${what}: the history is inconsistent, so no verdict was given (bad_data): ${problems.map((p) => p.message).join('; ')}`,
    );
  }
  const rules = loadRules(opts.rules);
  if (opts.at !== undefined) {
    const at = Date.parse(opts.at);
    if (Number.isNaN(at)) throw new InvalidInput(`--at: "${opts.at}" is not an ISO-8601 time`);
    history = historyAt(history, at);
  }
  const calendar = opts.calendar ? (readJson(opts.calendar, '--calendar') as NewsEvent[]) : undefined;
  if (calendar !== undefined && !Array.isArray(calendar))
    throw new InvalidInput('--calendar: must be a JSON array of {time, instruments?, title?}');
  const otherAccounts = (opts.otherAccount ?? []).map((f) => loadHistory(f, '--other-account'));
  return evaluate(history, rules, {
    ...(initialBalance !== undefined ? { initialBalance } : {}),
    ...(calendar ? { calendar } : {}),
    otherAccounts,
  });
}

export function registerCheckCommand(program: Command, io: { out: (line: string) => void }): void {
  program
    .command('check')
    .description(
      'evaluate a history file or a terminal report against rules (prints the result JSON; exit 0 for any verdict, 2 for invalid input)',
    )
    .option('--history <file>', 'normalized history JSON (docs/history.schema.json)')
    .option('--report <file>', "a terminal's trade history report (ReportHistory-*.html or .xlsx, any language)")
    .option(
      '--server-tz <zone>',
      "with --report: the broker clock's IANA zone (e.g. Europe/Athens); report times are broker time",
    )
    .option(
      '--server-utc-offset <minutes>',
      'with --report: the broker clock minus UTC in minutes (e.g. 180), when it has no DST',
    )
    .requiredOption(
      '--rules <file|preset>',
      'rules JSON (flat, list or {preset, overrides}) or a preset name such as ftmo-2step',
    )
    .option('--at <iso-time>', 'evaluate the history as it stood at this instant')
    .option('--initial-balance <n>', "the challenge's initial capital (default: the history's)")
    .option('--calendar <file>', 'news releases JSON for news_window rules')
    .option('--other-account <file...>', "other accounts' histories for cross-account rules")
    .action((opts: CheckCommandOptions) => {
      io.out(JSON.stringify(runCheckCommand(opts), null, 2));
    });
}
