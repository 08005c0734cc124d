import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveConnector, liveRouter } from '../../../test/factories/live-connector.ts';
import { openSse } from '../../../test/factories/sse.ts';
import { startStack, type TestStack } from '../../../test/harness.ts';
import { sha256Hex } from '../../infra/crypto/index.ts';

let stack: TestStack;
let accountId: string;

beforeAll(async () => {
  stack = await startStack({
    listen: true,
    workers: false,
    connectors: liveRouter(createLiveConnector()),
    env: { ACCOUNT_POLL_INTERVAL_MS: '300', PUBLIC_URL: 'https://widgets.example.test' },
  });
  accountId = (
    await stack.deps.accounts.add({ login: '1005', server: 'Brymix-Demo', password: 'demo', name: 'Demo Five' })
  ).id;
});
afterAll(() => stack.close());

const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
const data = (token: string, extra = '') => stack.app.inject({ url: `/api/widgets/data?token=${token}${extra}` });

describe('widget tokens', () => {
  it('make a URL on PUBLIC_URL whose token reads only the widget data of its account', async () => {
    const w = await stack.deps.widgets.create({ account_id: accountId, kind: 'card' });
    expect(w.url).toMatch(/^https:\/\/widgets\.example\.test\/widgets\/card\?token=wgt_[0-9A-Za-z]{43}$/);
    const res = await data(tokenOf(w.url));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      kind: 'card',
      account: { name: 'Demo Five', login: null },
      currency: 'USD',
      stale: false,
    });
    expect(typeof res.json().equity).toBe('number');
    // The token is not an API key.
    expect(
      (await stack.app.inject({ url: `/api/account/${accountId}/info`, headers: { 'x-api-key': tokenOf(w.url) } }))
        .statusCode,
    ).toBe(401);
    const rows = await stack.deps.dbHandle.db.selectFrom('widget_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(tokenOf(w.url));
  });

  it('read with a token stored in the earlier format (SHA-256 of the whole token)', async () => {
    const token = 'wgt_Zq7dK2mP9xW4vB1nR8tY3uH6jL0sA5cE2fG9iO4kM7p';
    await stack.deps.dbHandle.db
      .insertInto('widget_tokens')
      .values({
        id: 'wdg_EarlierFormat1',
        account_id: accountId,
        kind: 'card',
        name: 'Earlier card',
        token_hash: sha256Hex(token),
        options: '{}',
        created_at: Date.now(),
        revoked_at: null,
        last_seen_at: null,
      })
      .execute();
    const res = await data(token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kind: 'card', account: { name: 'Demo Five', login: null } });
  });

  it('stop working at once when revoked: 404 for data, and the open stream is refused on reconnect', async () => {
    const w = await stack.deps.widgets.create({ account_id: accountId, kind: 'positions' });
    const token = tokenOf(w.url);
    const live = await openSse(`${stack.url}/api/widgets/stream?token=${token}`);
    await live.waitFor((e) => e.event === 'snapshot');
    live.close();
    await stack.deps.widgets.revoke(w.id);
    expect((await data(token)).statusCode).toBe(404);
    expect((await openSse(`${stack.url}/api/widgets/stream?token=${token}`)).status).toBe(404);
    expect((await data(`wgt_${'x'.repeat(43)}`)).statusCode).toBe(404);
  });

  it('enforce the privacy bound to the token; the URL can hide more but never reveal', async () => {
    const w = await stack.deps.widgets.create({
      account_id: accountId,
      kind: 'positions',
      options: { percent_only: true, hide_entry: true },
    });
    const body = (await data(tokenOf(w.url), '&streamer=0')).json();
    expect(body).toMatchObject({ balance: null, equity: null, floating_pnl: null, today_pnl: null, currency: null });
    expect(typeof body.percent.gain).toBe('number');
    expect(body.positions[0]).toMatchObject({
      open_price: null,
      sl: null,
      tp: null,
      open_time: null,
      profit: null,
      volume: null,
    });
    expect(body.chart.unit).toBe('percent');
    const open = await stack.deps.widgets.create({ account_id: accountId, kind: 'positions' });
    const hidden = (await data(tokenOf(open.url), '&hide=positions,entry&streamer=1')).json();
    expect(hidden.positions).toBeNull();
    expect(hidden.equity).toBeNull();
  });

  it('delays publishing: nothing reaches a delayed widget before its delay', async () => {
    const w = await stack.deps.widgets.create({ account_id: accountId, kind: 'card', options: { delay_seconds: 1 } });
    const started = Date.now();
    const s = await openSse(`${stack.url}/api/widgets/stream?token=${tokenOf(w.url)}`);
    try {
      await s.waitFor((e) => e.event === 'status' && e.data.state === 'delayed');
      const snap = await s.waitFor((e) => e.event === 'snapshot', 5_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(snap.data.options.delay_seconds).toBe(1);
    } finally {
      s.close();
    }
    expect((await data(tokenOf(w.url))).statusCode).toBe(409);
  });

  it('logs widget requests by widget id, never by token', async () => {
    const w = await stack.deps.widgets.create({ account_id: accountId });
    await data(tokenOf(w.url));
    const { items } = await stack.deps.accessLog.query({ widget_id: w.id });
    expect(items[0]).toMatchObject({ actor: 'widget', account_id: accountId, route: '/api/widgets/data', status: 200 });
    expect(JSON.stringify(items)).not.toContain(tokenOf(w.url));
  });
});
