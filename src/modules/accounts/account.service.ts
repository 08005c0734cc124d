/**
 * The accounts registry: staff register MT5 accounts (investor password sealed with the account id
 * as AAD, never returned or logged) and link them to API-key tenants; a key reaches only its
 * linked accounts. Also the per-key limits of the account API. Staff actions go to the audit log.
 */
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import type { Clock } from '../../infra/clock.ts';
import { newId, type Sealer } from '../../infra/crypto/index.ts';
import { type Db, isUniqueViolation } from '../../infra/db/index.ts';
import type { Mt5Credentials } from '../../mt5/connector.ts';
import { mt5LoginSchema, mt5ServerSchema } from '../../mt5/identifiers.ts';
import type { ConnectorRouter } from '../../mt5/router.ts';
import { type FlatRules, flatRulesSchema } from '../../rules/flat.ts';
import type { ApiKeyService } from '../api-keys/api-key.service.ts';
import type { Actor, AuditEntry, RequestMeta } from '../audit/audit.ts';
import { createAccountRepository, type KeyLimitsRow } from './account.repository.ts';
import type { Mt5AccountRow } from './account.table.ts';

export interface AccountView {
  id: string;
  login: string;
  server: string;
  name: string;
  initial_balance: number | null;
  rules: FlatRules | null;
  created_at: string;
  /** API keys (ids) whose tenant may read the account. */
  key_ids: string[];
}

export interface KeyLimits {
  per_minute: number;
  account_interval_seconds: number;
  account_burst: number;
}

const addAccountSchema = z
  .object({
    login: mt5LoginSchema,
    server: mt5ServerSchema,
    password: z.string().min(1).max(200),
    name: z.string().trim().min(1).max(200).optional(),
    key_id: z.string().optional(),
    initial_balance: z.number().positive().finite().optional(),
    rules: flatRulesSchema.optional(),
  })
  .strict();

const keyLimitsSchema = z
  .object({
    per_minute: z.number().int().min(1).max(10_000_000).nullable().optional(),
    account_interval_seconds: z.number().min(0.001).max(3600).nullable().optional(),
    account_burst: z.number().int().min(1).max(1_000_000).nullable().optional(),
  })
  .strict();

interface Audit {
  tryRecord(entry: AuditEntry): Promise<void>;
}

export function createAccountService(d: {
  db: Db;
  clock: Clock;
  sealer: Sealer;
  keys: ApiKeyService;
  connectors: ConnectorRouter;
  audit?: Audit;
  defaults: KeyLimits;
}) {
  const repo = createAccountRepository(d.db);
  const audit = async (
    actor: Actor | undefined,
    request: RequestMeta | undefined,
    action: string,
    targetId: string,
    meta: Record<string, unknown> = {},
  ) =>
    d.audit?.tryRecord({
      actorType: actor?.type ?? 'system',
      actorId: actor?.id ?? 'cli',
      action,
      targetType: 'mt5_account',
      targetId,
      ip: request?.ip ?? null,
      requestId: request?.requestId ?? null,
      meta,
    });

  async function keyById(keyId: string) {
    const key = (await d.keys.list()).find((k) => k.id === keyId);
    if (!key) throw new AppError('not_found', `No API key with id ${keyId}`);
    return key;
  }

  async function requireAccount(id: string): Promise<Mt5AccountRow> {
    const row = await repo.findById(id);
    if (!row) throw new AppError('not_found', `No account with id ${id}`);
    return row;
  }

  async function views(rows: Mt5AccountRow[]): Promise<AccountView[]> {
    const links = await repo.linksOf(rows.map((r) => r.id));
    const keys = await d.keys.list();
    return rows.map((r) => {
      const tenants = new Set(links.filter((l) => l.account_id === r.id).map((l) => l.tenant_id));
      return {
        id: r.id,
        login: r.login,
        server: r.server,
        name: r.name,
        initial_balance: r.initial_balance,
        rules: r.rules ? (JSON.parse(r.rules) as FlatRules) : null,
        created_at: new Date(Number(r.created_at)).toISOString(),
        key_ids: keys
          .filter((k) => tenants.has(k.tenant_id) && (k.status === 'active' || k.status === 'expiring'))
          .map((k) => k.id),
      };
    });
  }

  return {
    async add(raw: unknown, actor?: Actor, request?: RequestMeta): Promise<AccountView> {
      const parsed = addAccountSchema.safeParse(raw);
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
        throw new AppError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
      }
      const input = parsed.data;
      // serves(), not servers(): the list leaves out the servers file's "*" fallback.
      if (!d.connectors.serves(input.server)) {
        throw new AppError(
          'validation_failed',
          `server: no connector serves "${input.server.slice(0, 100)}" (known: ${d.connectors.servers().join(', ')})`,
          { errors: [{ field: 'server', message: 'is not a known MT5 server' }] },
        );
      }
      const key = input.key_id ? await keyById(input.key_id) : null;
      const id = newId('acc', 16);
      const now = d.clock.now();
      try {
        await repo.insert({
          id,
          login: input.login,
          server: input.server,
          password_enc: d.sealer.seal(input.password, `mt5_account:${id}`),
          name: input.name ?? `${input.login}@${input.server}`,
          initial_balance: input.initial_balance ?? null,
          rules: input.rules ? JSON.stringify(input.rules) : null,
          created_at: now,
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('conflict', `Account ${input.login} on ${input.server} is already registered`);
        throw err;
      }
      if (key) await repo.link(id, key.tenant_id, now);
      await audit(actor, request, 'account.created', id, {
        login: input.login,
        server: input.server,
        key_id: key?.id ?? null,
      });
      return (await views([(await repo.findById(id))!]))[0]!;
    },

    async list(): Promise<AccountView[]> {
      return views(await repo.list());
    },

    async get(id: string): Promise<AccountView> {
      return (await views([await requireAccount(id)]))[0]!;
    },

    async link(accountId: string, keyId: string, actor?: Actor, request?: RequestMeta): Promise<AccountView> {
      const row = await requireAccount(accountId);
      const key = await keyById(keyId);
      await repo.link(row.id, key.tenant_id, d.clock.now());
      await audit(actor, request, 'account.linked', row.id, { key_id: key.id });
      return (await views([row]))[0]!;
    },

    async unlink(accountId: string, keyId: string, actor?: Actor, request?: RequestMeta): Promise<AccountView> {
      const row = await requireAccount(accountId);
      const key = await keyById(keyId);
      await repo.unlink(row.id, key.tenant_id);
      await audit(actor, request, 'account.unlinked', row.id, { key_id: key.id });
      return (await views([row]))[0]!;
    },

    async remove(id: string, actor?: Actor, request?: RequestMeta): Promise<void> {
      await requireAccount(id);
      await repo.remove(id);
      await audit(actor, request, 'account.removed', id);
    },

    async setRules(
      id: string,
      rules: FlatRules | null,
      initialBalance: number | null,
      actor?: Actor,
      request?: RequestMeta,
    ): Promise<AccountView> {
      const row = await requireAccount(id);
      if (rules) flatRulesSchema.parse(rules);
      await repo.updateRules(id, rules ? JSON.stringify(rules) : null, initialBalance);
      await audit(actor, request, 'account.rules_set', row.id, { rules, initial_balance: initialBalance });
      return this.get(id);
    },

    /** The account a tenant may read; anything else (unknown, foreign) is the same 404. */
    async resolveForTenant(tenantId: string, idOrLogin: string): Promise<Mt5AccountRow> {
      const row = idOrLogin.length <= 64 ? await repo.findForTenant(tenantId, idOrLogin) : undefined;
      if (!row) throw new AppError('not_found', 'No such account');
      return row;
    },

    findById: (id: string) => repo.findById(id),

    /** The tenants (API-key owners) the account is linked to. */
    async tenantsOf(accountId: string): Promise<string[]> {
      return [...new Set((await repo.linksOf([accountId])).map((l) => l.tenant_id))];
    },

    credentials(row: Mt5AccountRow): Mt5Credentials {
      return {
        login: row.login,
        server: row.server,
        password: d.sealer.open(row.password_enc, `mt5_account:${row.id}`),
      };
    },

    async limitsOf(tenantId: string): Promise<KeyLimits> {
      const r = await repo.limitsOf(tenantId);
      return {
        per_minute: r?.per_minute ?? d.defaults.per_minute,
        account_interval_seconds:
          r?.account_interval_ms != null ? r.account_interval_ms / 1000 : d.defaults.account_interval_seconds,
        account_burst: r?.account_burst ?? d.defaults.account_burst,
      };
    },

    async setLimits(keyId: string, raw: unknown, actor?: Actor): Promise<KeyLimits> {
      const key = await keyById(keyId);
      const input = keyLimitsSchema.parse(raw);
      const current = await repo.limitsOf(key.tenant_id);
      const row: KeyLimitsRow = {
        tenant_id: key.tenant_id,
        per_minute: input.per_minute !== undefined ? input.per_minute : (current?.per_minute ?? null),
        account_interval_ms:
          input.account_interval_seconds !== undefined
            ? input.account_interval_seconds === null
              ? null
              : Math.round(input.account_interval_seconds * 1000)
            : (current?.account_interval_ms ?? null),
        account_burst: input.account_burst !== undefined ? input.account_burst : (current?.account_burst ?? null),
      };
      await repo.setLimits(row, d.clock.now());
      await d.audit?.tryRecord({
        actorType: actor?.type ?? 'system',
        actorId: actor?.id ?? 'cli',
        action: 'api_key.limits_set',
        targetType: 'api_key',
        targetId: key.id,
        meta: input,
      });
      return this.limitsOf(key.tenant_id);
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
