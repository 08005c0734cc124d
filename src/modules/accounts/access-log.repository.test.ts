import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { type AccessEntry, createAccessLogRepository } from './access-log.repository.ts';

let stack: TestStack;
let repo: ReturnType<typeof createAccessLogRepository>;
beforeAll(async () => {
  stack = await startStack({ workers: false });
  repo = createAccessLogRepository(stack.deps.dbHandle.db);
});
afterAll(() => stack.close());

const entry = (i: number, over: Partial<AccessEntry> = {}): AccessEntry => ({
  at: 1_764_547_200_000 + i,
  request_id: `req_repo_${String(i).padStart(4, '0')}`,
  actor: 'api_key',
  key_id: i % 2 ? 'key_odd' : 'key_even',
  tenant_id: null,
  widget_id: null,
  account_id: 'acc_repo',
  method: 'GET',
  route: '/api/account/:account_id/info',
  status: i % 10 === 0 ? 429 : 200,
  ip: '192.0.2.7',
  forwarded_for: null,
  latency_ms: 1.25,
  reason: null,
  ...over,
});

describe('access log repository', () => {
  it('writes more rows than one INSERT holds, every column, and reads them newest first', async () => {
    await repo.insert(Array.from({ length: 450 }, (_, i) => entry(i)));
    const rows = await repo.find({ route: '/api/account/:account_id/info' }, 1000);
    expect(rows).toHaveLength(450);
    expect(rows[0]).toMatchObject({ ...entry(449), latency_ms: 1.25 });
    expect(rows.at(-1)?.request_id).toBe('req_repo_0000');
  });

  it('filters by key, status class, time window and id cursor', async () => {
    const odd = await repo.find({ key_id: 'key_odd' }, 1000);
    expect(odd.every((r) => r.key_id === 'key_odd')).toBe(true);
    expect((await repo.find({ status_class: 4 }, 1000)).map((r) => Number(r.status))).toEqual(Array(45).fill(429));
    const window = await repo.find({ from: 1_764_547_200_010, to: 1_764_547_200_020 }, 1000);
    expect(window.map((r) => r.request_id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `req_repo_${String(19 - i).padStart(4, '0')}`),
    );
    const first = await repo.find({}, 5);
    const next = await repo.find({ before: Number(first.at(-1)!.id) }, 5);
    expect(Number(next[0]!.id)).toBeLessThan(Number(first.at(-1)!.id));
  });
});
