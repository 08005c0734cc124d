import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { createCrmRepository } from './crm.repository.ts';

let stack: TestStack;
let repo: ReturnType<typeof createCrmRepository>;
let n = 0;
const client = (email: string) => {
  n++;
  return { id: `cli_repo${String(n).padStart(12, '0')}`, external_id: null, email, first_name: 'Page', last_name: `Tester ${n}`, phone: null, country: null, status: 'active', kyc_status: 'not_started', kyc_notes: null, source: 'test', created_at: 1_760_000_000_000 + n, updated_at: 1_760_000_000_000 + n };
};

beforeAll(async () => {
  stack = await startStack({ workers: false });
  repo = createCrmRepository(stack.deps.dbHandle.db);
});
afterAll(() => stack.close());

describe('listClients', () => {
  it('reports the total beside every page, past the last page and for no match', async () => {
    for (const e of ['pg1@page.test', 'pg2@page.test', 'pg3@page.test']) await repo.insertClient(client(e));
    const f = { q: '@page.test', sort: 'created_asc' as const };
    const page = async (offset: number) => {
      const r = await repo.listClients(f, 2, offset);
      return [r.rows.map((c) => c.email), r.total];
    };
    expect(await page(0)).toEqual([['pg1@page.test', 'pg2@page.test'], 3]);
    expect(await page(2)).toEqual([['pg3@page.test'], 3]);
    expect(await page(5)).toEqual([[], 3]);
    expect(await repo.listClients({ q: 'nobody-here', sort: 'created_asc' }, 2, 0)).toEqual({ rows: [], total: 0 });
  });

  it('never answers a total that disagrees with its own page while clients are being added', async () => {
    const f = { q: '@race.test', sort: 'created_desc' as const };
    for (let i = 0; i < 40; i++) {
      const [, listed] = await Promise.all([repo.insertClient(client(`r${i}@race.test`)), repo.listClients(f, 100, 0)]);
      expect(listed.rows.length).toBe(listed.total);
    }
  });
});
