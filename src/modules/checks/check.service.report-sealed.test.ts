/** an uploaded report is handled like a password — sealed while the job waits. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ENGLISH, reportHtml, utf16leWithBom } from '../../../test/factories/mt5-report.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(() => stack.close());

it('keeps an uploaded report encrypted in the job row while the job waits', async () => {
  const key = (await stack.createKey()).key;
  const b64 = utf16leWithBom(reportHtml(ENGLISH)).toString('base64');
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/v1/check',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    payload: JSON.stringify({
      user_id: 'u',
      challenge_id: 'c',
      initial_balance: 10_000,
      report_base64: b64,
      report_filename: 'ReportHistory-5550123.html',
    }),
  });
  expect(res.statusCode).toBe(200);
  const row = await stack.deps.dbHandle.db
    .selectFrom('check_jobs')
    .selectAll()
    .where('id', '=', res.json().job_id)
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'queued', mt5_login: '5550123', mt5_server: 'Brymix-Live' });
  expect(row.credentials_enc).toMatch(/^v1\./);
  expect(row.credentials_enc).not.toContain(b64.slice(0, 64));
  expect(JSON.stringify(row)).not.toContain('Jane Trader');
});
