import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { isUniqueViolation } from '../../infra/db/index.ts';
import { createPlatformRepository } from './platform.repository.ts';

let stack: TestStack;
let repo: ReturnType<typeof createPlatformRepository>;
const at = 1_764_547_200_000;
beforeAll(async () => {
  stack = await startStack({ workers: false });
  repo = createPlatformRepository(stack.deps.dbHandle.db);
  await repo.insertTrader({
    id: 'trd_repo',
    email: 'repo@trader.test',
    password_hash: 'x',
    first_name: 'Repo',
    last_name: 'Trader',
    phone: null,
    kyc_status: 'not_started',
    created_at: at,
    updated_at: at,
  });
  await repo.insertAccount({
    id: 'pac_repo',
    trader_id: 'trd_repo',
    parent_id: null,
    login: '1001',
    server: 'Brymix-Demo',
    password_enc: 'sealed',
    type: 'challenge',
    phase: 'phase-1',
    status: 'active',
    currency: 'USD',
    initial_balance_cents: 10_000_000,
    balance_cents: 10_000_000,
    rules: '{}',
    check_job_id: null,
    created_at: at,
    updated_at: at,
  });
});
afterAll(() => stack.close());

describe('platform repository', () => {
  it('moves a balance in one statement, by a negative delta too', async () => {
    await repo.addToBalance('pac_repo', 12_345, at + 1);
    await repo.addToBalance('pac_repo', -345, at + 2);
    expect(await repo.findAccount('pac_repo')).toMatchObject({ balance_cents: 10_012_000, updated_at: at + 2 });
  });

  it('finishes an active account once; a second run finds it no longer active', async () => {
    expect(await repo.finishActiveAccount('pac_repo', { status: 'passed', balance_cents: 10_500_000 }, at + 3)).toBe(
      true,
    );
    expect(await repo.finishActiveAccount('pac_repo', { status: 'failed', balance_cents: 1 }, at + 4)).toBe(false);
    expect(await repo.findAccount('pac_repo')).toMatchObject({ status: 'passed', balance_cents: 10_500_000 });
  });

  it('finds an account only through its own trader', async () => {
    expect(await repo.findTraderAccount('trd_repo', 'pac_repo')).toMatchObject({ id: 'pac_repo' });
    expect(await repo.findTraderAccount('trd_other', 'pac_repo')).toBeUndefined();
  });

  it('burns an SSO jti once: the second insert is a unique violation', async () => {
    await repo.insertUsedSsoToken({ jti: 'jti_repo', expires_at: at + 900_000, used_at: at });
    const again = await repo
      .insertUsedSsoToken({ jti: 'jti_repo', expires_at: at + 900_000, used_at: at })
      .catch((err: unknown) => err);
    expect(isUniqueViolation(again)).toBe(true);
  });
});
