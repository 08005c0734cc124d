/**
 * Hostile uploads through the real app: an xlsx that inflates far past its size is
 * refused with 413 naming the limit before anything is inflated, and a large upload is parsed off
 * the event loop, so /healthz keeps answering while it is read.
 */
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENGLISH, MODEL, reportHtml } from '../../../test/factories/mt5-report.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
let key: string;
beforeAll(async () => {
  stack = await startStack({
    workers: false,
    listen: true,
    env: {
      REPORT_MAX_BYTES: String(40 * 1024 * 1024),
      REPORT_MAX_ENTRY_INFLATED_BYTES: String(4 * 1024 * 1024),
      REPORT_MAX_INFLATED_BYTES: String(6 * 1024 * 1024),
    },
  });
  key = (await stack.createKey()).key;
});
afterAll(() => stack.close());

const base = {
  user_id: 'user_123',
  challenge_id: 'challenge_456',
  initial_balance: 10_000,
  rules: { max_drawdown_percent: 10 },
};
const post = (report: Uint8Array, filename: string) =>
  stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: { ...base, report_base64: Buffer.from(report).toString('base64'), report_filename: filename },
  });

/** The upload as a browser form sends it (multipart: uploads past BODY_LIMIT_BYTES must come this way). */
function postForm(report: Uint8Array, filename: string) {
  const boundary = '----brymix-upload-test';
  const fields = {
    user_id: base.user_id,
    challenge_id: base.challenge_id,
    initial_balance: String(base.initial_balance),
    rules: JSON.stringify(base.rules),
  };
  const parts: Buffer[] = Object.entries(fields).map(([k, v]) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
  );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="report"; filename="${filename}"\r\nContent-Type: text/html\r\n\r\n`,
    ),
    Buffer.from(report),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.concat(parts),
  });
}

describe('uploaded reports', () => {
  it('refuses an xlsx whose sheet inflates past the entry limit with 413 naming the limit', async () => {
    // 32 MiB of zeros compress to about 32 KiB: a small upload, a large inflation.
    const bomb = zipSync(
      {
        '[Content_Types].xml': new Uint8Array(64),
        'xl/workbook.xml': new Uint8Array(64),
        'xl/worksheets/sheet1.xml': new Uint8Array(32 * 1024 * 1024),
      },
      { level: 9 },
    );
    expect(bomb.length).toBeLessThan(200 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const res = await post(bomb, 'ReportHistory-1.xlsx');
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const body = res.json();
    expect(body).toMatchObject({ status: 413, code: 'payload_too_large', errors: [{ field: 'report_base64' }] });
    expect(body.detail).toContain(String(4 * 1024 * 1024));
    expect(body.detail).toContain('xl/worksheets/sheet1.xml');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(48 * 1024 * 1024);
  });

  it('parses an 8 MB upload on the report thread while /healthz keeps answering', async () => {
    const parses = vi.spyOn(stack.deps.reportParser, 'parse');
    const html = reportHtml(ENGLISH, MODEL);
    const at = html.indexOf('</td>');
    const big = Buffer.from(`${html.slice(0, at)}${' '.repeat(8 * 1024 * 1024)}${html.slice(at)}`, 'utf8');
    const upload = postForm(big, 'ReportHistory-5550123.html');
    const health: number[] = [];
    let done = false;
    void upload.then(() => (done = true));
    while (!done) {
      const t0 = performance.now();
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
      health.push(performance.now() - t0);
    }
    expect((await upload).statusCode).toBe(200);
    // The upload went through the worker-thread parser (off-thread.test.ts proves the loop turns meanwhile).
    expect(parses).toHaveBeenCalledTimes(1);
    expect(parses.mock.calls[0]![0].length).toBe(big.length);
    expect(health.length).toBeGreaterThan(0);
    parses.mockRestore();
  });
});
