/**
 * Widget tokens: read-only, one account each, revocable, stored only as SHA-256 (`wgt_` + 43
 * base62). The token goes in the widget's URL (OBS browser sources cannot send headers); it can
 * read nothing but its account's widget data, with the privacy options bound to it.
 */

import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId } from '../../infra/crypto/index.ts';
import { isTouchDue, secretTokenFormat } from '../../infra/crypto/secret-token.ts';
import type { Db } from '../../infra/db/index.ts';
import type { AccountService } from '../accounts/account.service.ts';
import type { Mt5AccountRow } from '../accounts/account.table.ts';
import type { Actor, AuditEntry, RequestMeta } from '../audit/audit.ts';
import type { MonitorService } from '../monitors/monitor.service.ts';
import { createWidgetRepository } from './widget.repository.ts';
import type { WidgetTokenRow } from './widget.table.ts';
import {
  WIDGET_KINDS,
  type WidgetKind,
  type WidgetMonitor,
  type WidgetOptions,
  widgetOptionsSchema,
} from './widget.ts';

/** How long the live monitor of a widget's account is remembered: one read per account per second at most. */
const MONITOR_CACHE_MS = 1_000;

/** No kid: a widget token is looked up by its hash. */
const widgetTokenFormat = secretTokenFormat({ prefix: 'wgt', kidLength: 0, secretLength: 43 });

export interface WidgetView {
  id: string;
  account_id: string;
  kind: WidgetKind;
  name: string;
  options: WidgetOptions;
  status: 'active' | 'revoked';
  created_at: string;
  revoked_at: string | null;
  last_seen_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function view(r: WidgetTokenRow): WidgetView {
  return {
    id: r.id,
    account_id: r.account_id,
    kind: r.kind as WidgetKind,
    name: r.name,
    options: widgetOptionsSchema.parse(JSON.parse(r.options)),
    status: r.revoked_at === null ? 'active' : 'revoked',
    created_at: iso(r.created_at)!,
    revoked_at: iso(r.revoked_at),
    last_seen_at: iso(r.last_seen_at),
  };
}

export function createWidgetService(d: {
  db: Db;
  clock: Clock;
  accounts: AccountService;
  audit?: { tryRecord(e: AuditEntry): Promise<void> };
  publicUrl: string;
  /** Live monitors: a widget shows the floors of one watching its account for a tenant it is linked to. */
  monitors?: Pick<MonitorService, 'watching'>;
}) {
  const repo = createWidgetRepository(d.db);
  const monitorCache = new Map<string, { at: number; value: Promise<WidgetMonitor | null> }>();
  const base = d.publicUrl.replace(/\/+$/, '');
  const urlFor = (token: string, kind: string) => `${base}/widgets/${kind}?token=${token}`;

  return {
    urlFor,
    customizerUrl: (token: string) => `${base}/widgets/customize?token=${token}`,

    async create(
      input: { account_id: string; kind?: string; name?: string; options?: unknown },
      actor?: Actor,
      request?: RequestMeta,
    ): Promise<WidgetView & { token: string; url: string; customizer_url: string }> {
      const account = await d.accounts.get(input.account_id);
      const kind = (input.kind ?? 'card') as WidgetKind;
      if (!WIDGET_KINDS.includes(kind))
        throw new AppError('validation_failed', `kind: must be one of ${WIDGET_KINDS.join(', ')}`, {
          errors: [{ field: 'kind', message: `must be one of ${WIDGET_KINDS.join(', ')}` }],
        });
      const parsed = widgetOptionsSchema.safeParse(input.options ?? {});
      if (!parsed.success)
        throw new AppError(
          'validation_failed',
          parsed.error.issues.map((i) => `options.${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const { token, hash } = widgetTokenFormat.issue();
      const id = newId('wdg', 16);
      await repo.insert({
        id,
        account_id: account.id,
        kind,
        name: input.name?.trim().slice(0, 200) || `${account.name} ${kind}`,
        token_hash: hash,
        options: JSON.stringify(parsed.data),
        created_at: d.clock.now(),
        revoked_at: null,
        last_seen_at: null,
      });
      await d.audit?.tryRecord({
        actorType: actor?.type ?? 'system',
        actorId: actor?.id ?? 'cli',
        action: 'widget.created',
        targetType: 'widget',
        targetId: id,
        ip: request?.ip ?? null,
        meta: { account_id: account.id, kind, options: parsed.data },
      });
      return {
        ...view((await repo.findById(id))!),
        token,
        url: urlFor(token, kind),
        customizer_url: `${base}/widgets/customize?token=${token}`,
      };
    },

    async list(accountId?: string): Promise<WidgetView[]> {
      return (await repo.list(accountId)).map(view);
    },

    async revoke(id: string, actor?: Actor, request?: RequestMeta): Promise<WidgetView> {
      const row = await repo.findById(id);
      if (!row) throw new AppError('not_found', `No widget with id ${id}`);
      await repo.revoke(id, d.clock.now());
      await d.audit?.tryRecord({
        actorType: actor?.type ?? 'system',
        actorId: actor?.id ?? 'cli',
        action: 'widget.revoked',
        targetType: 'widget',
        targetId: id,
        ip: request?.ip ?? null,
      });
      return view((await repo.findById(id))!);
    },

    /**
     * The newest live monitor watching the account (its login and server) for a tenant the account
     * is linked to, or null. Remembered for a second; concurrent callers share one read.
     */
    monitorOf(account: Mt5AccountRow): Promise<WidgetMonitor | null> {
      const monitors = d.monitors;
      if (!monitors) return Promise.resolve(null);
      const now = d.clock.now();
      const hit = monitorCache.get(account.id);
      if (hit && now - hit.at < MONITOR_CACHE_MS) return hit.value;
      const value = (async () => {
        const tenants = await d.accounts.tenantsOf(account.id);
        const [m] = await monitors.watching(tenants, account.login, account.server);
        return m ? { status: m.status, limits: m.limits } : null;
      })().catch(() => null);
      monitorCache.set(account.id, { at: now, value });
      if (monitorCache.size > 10_000) monitorCache.delete(monitorCache.keys().next().value!);
      return value;
    },

    /** The widget and its account for a token; null for malformed, unknown, revoked or orphaned tokens. */
    async authenticate(token: string | undefined): Promise<{ widget: WidgetView; account: Mt5AccountRow } | null> {
      const presented = token ? widgetTokenFormat.read(token) : null;
      if (!presented) return null;
      const row = await repo.findByHash(presented.hash);
      if (!row || row.revoked_at !== null) return null;
      const account = await d.accounts.findById(row.account_id);
      if (!account) return null;
      const now = d.clock.now();
      if (isTouchDue(row.last_seen_at, now)) await repo.touch(row.id, now);
      return { widget: view(row), account };
    },
  };
}

export type WidgetService = ReturnType<typeof createWidgetService>;
