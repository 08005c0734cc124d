import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGLISH, reportHtml, utf16leWithBom } from '../../test/factories/mt5-report.ts';
import { SimulatorConnector } from '../mt5/simulator/index.ts';
import { runCli } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'brymix-check-'));

/** A terminal report (English, UTF-16 as terminals write it) built by the test factory. */
function reportFile(): string {
  const path = join(dir, 'ReportHistory-5550123.html');
  writeFileSync(path, utf16leWithBom(reportHtml(ENGLISH)));
  return path;
}

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function historyFile(login: string): Promise<string> {
  const h = await new SimulatorConnector().fetchHistory({ login, password: 'demo', server: 'Brymix-Demo' });
  const path = join(dir, `${login}.json`);
  writeFileSync(path, JSON.stringify(h));
  return path;
}

describe('brymix check', () => {
  it('prints the result and exits 0 whatever the verdict (preset name, rules file, flat rules)', async () => {
    const h1004 = await historyFile('1004');
    const r = await cli('check', '--history', h1004, '--rules', 'ftmo-2step');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    // The FTMO-style preset has no minimum trade duration, so 1004's short trades are no breach there.
    expect(result).toMatchObject({ status: 'passed', outcome: 'passed', violations: [] });
    const rulesFile = join(dir, 'rules.json');
    writeFileSync(rulesFile, JSON.stringify({ max_drawdown_percent: 10, profit_target_percent: 10 }));
    const flat = JSON.parse((await cli('check', '--history', h1004, '--rules', rulesFile)).stdout);
    expect(flat.violations.map((v: { rule: string }) => v.rule)).toEqual([
      'minimum_trade_duration',
      'minimum_trade_duration',
      'minimum_trade_duration',
    ]);
    expect(flat.inputs_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('gives no verdict on a history that disagrees with itself, as the API does (exit 2, naming the problem)', async () => {
    const h = JSON.parse(readFileSync(await historyFile('1004'), 'utf8')) as {
      equity: Array<{ time: string; balance: number }>;
    };
    // A balance reading 1,000.00 above what the deals add up to: the API ends this check as error bad_data.
    h.equity[3]!.balance += 1000;
    const path = join(dir, '1004-inconsistent.json');
    writeFileSync(path, JSON.stringify(h));
    const r = await cli('check', '--history', path, '--rules', 'ftmo-2step');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `--history: ${path}: the history is inconsistent, so no verdict was given (bad_data): the balance read at ${h.equity[3]!.time} is`,
    );
  });

  it('evaluates the history as it stood at --at', async () => {
    const h1001 = await historyFile('1001');
    const end = JSON.parse((await cli('check', '--history', h1001, '--rules', 'ftmo-2step')).stdout);
    const early = JSON.parse(
      (await cli('check', '--history', h1001, '--rules', 'ftmo-2step', '--at', '2026-01-13T12:00:00Z')).stdout,
    );
    expect(end.status).toBe('passed');
    expect(early.outcome).toBe('objectives_not_met');
    expect(early.metrics.total_deals).toBeLessThan(end.metrics.total_deals);
  });

  it.each([
    [['--history', '/nonexistent.json', '--rules', 'ftmo-2step'], '--history: no such file'],
    [['--rules', 'ftmo-2step'], 'exactly one of --history <file> and --report <file>'],
    [
      ['--history', 'HIST', '--report', 'REPORT', '--rules', 'ftmo-2step'],
      'exactly one of --history <file> and --report <file>',
    ],
    [['--history', 'HIST', '--server-tz', 'Europe/Athens', '--rules', 'ftmo-2step'], 'apply to --report only'],
    [['--report', 'REPORT', '--server-tz', 'Mars/Olympus', '--rules', 'ftmo-2step'], '--server-tz: "Mars/Olympus"'],
    [['--report', 'REPORT', '--server-utc-offset', '2h', '--rules', 'ftmo-2step'], '--server-utc-offset: "2h"'],
    [['--report', '/nonexistent.html', '--rules', 'ftmo-2step'], '--report: no such file'],
    [['--report', 'REPORT', '--initial-balance', 'lots', '--rules', 'ftmo-2step'], '--initial-balance: "lots"'],
    [['--history', 'HIST', '--rules', 'nobody-9step'], '--rules: preset: unknown preset'],
    [['--history', 'HIST', '--rules', 'ftmo-2step', '--at', 'yesterday'], '--at'],
  ])('exits 2 naming the problem for %j', async (args, message) => {
    const h = await historyFile('1005');
    const r = await cli('check', ...args.map((a) => (a === 'HIST' ? h : a === 'REPORT' ? reportFile() : a)));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it.each([[['--server-utc-offset', '120']], [['--server-tz', 'Europe/Athens']]])(
    'evaluates a terminal report %j, reading its times as broker time',
    async (clock) => {
      const rules = join(dir, 'guide-rules.json');
      writeFileSync(rules, JSON.stringify({ max_drawdown_percent: 10, profit_target_percent: 10 }));
      const r = await cli('check', '--report', reportFile(), ...clock, '--initial-balance', '10000', '--rules', rules);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      // The funding deposit is the initial balance; the XAUUSD loss of 1,000 + 14 commission on
      // 5 March (broker time 09:00, UTC+2 then in Athens too) breaks the 5 % daily loss.
      expect(result.metrics).toMatchObject({ initial_balance: 10_000, total_trades: 2, profit_target_met: false });
      expect(result).toMatchObject({ status: 'failed', outcome: 'breached' });
      expect(result.violations).toHaveLength(1);
      expect(result.violations[0]).toMatchObject({
        rule: 'maximum_daily_loss',
        timestamp: '2024-03-05T07:00:00.000Z',
        loss: 1014,
      });
    },
  );

  it('exits 2 naming the field of an invalid history', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        account: {
          login: '1',
          server: 'x',
          currency: 'USD',
          initial_balance: 'lots',
          server_utc_offset_minutes: 0,
          margin_mode: 'hedging',
        },
        deals: [],
      }),
    );
    const r = await cli('check', '--history', bad, '--rules', 'ftmo-2step');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('account.initial_balance');
  });

  it('names a bad rule field from the root of the rules file, wrapped in "rules" or not', async () => {
    const h = await historyFile('1005');
    const rule = { type: 'max_lots_per_order', lots: 1, comparator: 'ge' };
    const wrapped = join(dir, 'wrapped-rules.json');
    const bare = join(dir, 'bare-rules.json');
    writeFileSync(wrapped, JSON.stringify({ rules: [rule] }));
    writeFileSync(bare, JSON.stringify([rule]));
    const w = await cli('check', '--history', h, '--rules', wrapped);
    const b = await cli('check', '--history', h, '--rules', bare);
    expect([w.code, b.code]).toEqual([2, 2]);
    expect(w.stderr).toContain('--rules: rules.0.comparator: Invalid option');
    expect(b.stderr).toContain('--rules: 0.comparator: Invalid option');
  });
});
