import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDotenv } from './config.ts';

describe('config', () => {
  it('generates missing secrets into .env on first start, then reuses them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brymix-config-'));
    const envFile = join(dir, '.env');
    const notices: string[] = [];
    const first = loadConfig({ env: {}, envFile, notice: (m) => notices.push(m) });
    expect(first.WEBHOOK_SECRET).toMatch(/^whsec_/);
    expect(notices[0]).toContain(envFile);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const second = loadConfig({ env: {}, envFile, notice: (m) => notices.push(m) });
    expect(second.WEBHOOK_SECRET).toBe(first.WEBHOOK_SECRET);
    expect(second.CREDENTIALS_KEY).toBe(first.CREDENTIALS_KEY);
    expect(notices).toHaveLength(1);
    expect(readFileSync(envFile, 'utf8')).toContain('CREDENTIALS_KEY=');
  });

  it('lets the real environment override .env and is frozen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brymix-config-'));
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'PORT=9000\nWEBHOOK_SECRET="a-very-long-secret-value-of-more-than-32-chars"\n');
    const c = loadConfig({ env: { PORT: '8123' }, envFile, notice: () => undefined });
    expect(c.PORT).toBe(8123);
    expect(c.WEBHOOK_SECRET).toBe('a-very-long-secret-value-of-more-than-32-chars');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('collects MT5_<NAME>_PASSWORD variables from .env and the environment, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brymix-config-'));
    const envFile = join(dir, '.env');
    writeFileSync(envFile, 'MT5_BROKER_A_PASSWORD=from-file\nMT5_BROKER_B_PASSWORD=overridden\n');
    const c = loadConfig({
      env: {
        MT5_BROKER_B_PASSWORD: 'from-env',
        MT5_SERVERS_FILE: './x.json',
        DATABASE_PASSWORD: 'no',
        MT5_EMPTY_PASSWORD: '',
      },
      envFile,
      notice: () => undefined,
    });
    expect(c.MT5_PASSWORDS).toEqual({ MT5_BROKER_A_PASSWORD: 'from-file', MT5_BROKER_B_PASSWORD: 'from-env' });
    expect(Object.isFrozen(c.MT5_PASSWORDS)).toBe(true);
  });

  it('refuses the same secret for staff tokens and SSO tokens', () => {
    const same = 'x'.repeat(48);
    expect(() => loadConfig({ env: { JWT_SECRET: same, SSO_SECRET: same }, envFile: false })).toThrow(
      /JWT_SECRET and SSO_SECRET/,
    );
    expect(() =>
      loadConfig({ env: { JWT_SECRET: same, SSO_SECRET: 'y'.repeat(48), CRM_SSO_SECRET: same }, envFile: false }),
    ).toThrow(ConfigError);
    expect(loadConfig({ env: { JWT_SECRET: same, SSO_SECRET: 'y'.repeat(48) }, envFile: false }).SSO_SECRET).toBe(
      'y'.repeat(48),
    );
  });

  it('names the variable when a value is invalid', () => {
    expect(() =>
      loadConfig({
        env: { PORT: 'eighty', WEBHOOK_SECRET: 'x'.repeat(40), CREDENTIALS_KEY: 'A'.repeat(43) },
        envFile: false,
      }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({ env: { WEBHOOK_SECRET: 'short', CREDENTIALS_KEY: 'A'.repeat(43) }, envFile: false }),
    ).toThrow(/WEBHOOK_SECRET/);
  });

  it('allows loopback callbacks in development and nothing private in production', () => {
    const base = { WEBHOOK_SECRET: 'x'.repeat(40), CREDENTIALS_KEY: 'A'.repeat(43) };
    expect(loadConfig({ env: base, envFile: false }).CALLBACK_ALLOW_CIDRS).toEqual(['127.0.0.0/8', '::1/128']);
    expect(loadConfig({ env: { ...base, NODE_ENV: 'production' }, envFile: false }).CALLBACK_ALLOW_CIDRS).toEqual([]);
  });

  it('serves /metrics to loopback by default, to the CIDRs listed, and refuses a list that is not addresses', () => {
    const base = { WEBHOOK_SECRET: 'x'.repeat(40), CREDENTIALS_KEY: 'A'.repeat(43) };
    const c = loadConfig({ env: base, envFile: false });
    expect(c.METRICS_ALLOW_CIDRS).toEqual(['127.0.0.0/8', '::1/128']);
    expect(c.METRICS_TOKEN).toBeUndefined();
    expect(
      loadConfig({ env: { ...base, METRICS_ALLOW_CIDRS: '10.0.0.0/8, 192.0.2.7' }, envFile: false })
        .METRICS_ALLOW_CIDRS,
    ).toEqual(['10.0.0.0/8', '192.0.2.7']);
    expect(loadConfig({ env: { ...base, METRICS_ALLOW_CIDRS: '' }, envFile: false }).METRICS_ALLOW_CIDRS).toEqual([]);
    expect(() => loadConfig({ env: { ...base, METRICS_ALLOW_CIDRS: 'prometheus.internal' }, envFile: false })).toThrow(
      /METRICS_ALLOW_CIDRS: must be comma-separated IP addresses or CIDRs/,
    );
    expect(() => loadConfig({ env: { ...base, METRICS_TOKEN: 'short' }, envFile: false })).toThrow(/METRICS_TOKEN/);
  });

  it('parses dotenv syntax with quotes, comments and export', () => {
    expect(parseDotenv('# c\nexport A=1\nB="two words"\nC=3 # trailing\n')).toEqual({ A: '1', B: 'two words', C: '3' });
  });
});
