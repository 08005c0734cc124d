/**
 * The MetaApi account behind a trader's login (reference/mt5.md §1.2): the one MetaApi already has
 * for that login and server is reused, else one is provisioned (createAccount); it is deployed
 * when it is not, and waited for until it is connected to the broker. The id found for a login is
 * kept and re-read once it is older than `accountRecheckMs`, or at once when a client route says
 * the account is gone.
 */
import { randomBytes } from 'node:crypto';
import type { Sleep } from '../../infra/http/backoff.ts';
import { ConnectorError, type Mt5Credentials } from '../connector.ts';
import { type MetaApiHttp, MetaApiHttpError } from './http.ts';

/** MetatraderAccountDto (https://metaapi.cloud/docs/provisioning/api/account/readAccount/), the fields we read. */
interface MetaApiAccount {
  _id?: string;
  id?: string;
  login?: string | number;
  server?: string;
  /**
   * CREATED | DEPLOYING | DEPLOYED | DEPLOY_FAILED | UNDEPLOYING | UNDEPLOYED | UNDEPLOY_FAILED |
   * DELETING | DELETE_FAILED | REDEPLOY_FAILED | DRAFT
   */
  state?: string;
  /** CONNECTED | DISCONNECTED | DISCONNECTED_FROM_BROKER */
  connectionStatus?: string;
  region?: string;
  accountReplicas?: Array<{ connectionStatus?: string }>;
}

/** A MetaApi account deployed and connected for a login. Ids are not secrets. */
export interface ResolvedAccount {
  id: string;
  region: string;
  /** When MetaApi last told us this account is deployed and connected (epoch ms). */
  checkedAt: number;
}

interface MetaApiAccountsOptions {
  http: MetaApiHttp;
  /** e.g. https://mt-provisioning-api-v1.agiliumtrade.agiliumtrade.ai */
  provisioningUrl: string;
  /** How long to wait for a new or undeployed account to be deployed and connected. */
  deployTimeoutMs: number;
  deployPollMs: number;
  /** Re-read a known account's state (readAccount) when the last look is older than this. */
  accountRecheckMs: number;
  /** Name given to provisioned accounts (`{login}` is replaced). */
  accountName: string;
  sleep: Sleep;
  now: () => number;
}

/**
 * States a deploy request moves on; DEPLOYING and UNDEPLOYING are waited out, DEPLOY_FAILED and
 * DELETING are errors.
 */
const DEPLOYABLE = new Set(['CREATED', 'UNDEPLOYED', 'UNDEPLOY_FAILED', 'REDEPLOY_FAILED']);

const accountId = (a: MetaApiAccount): string => String(a._id ?? a.id);
const isAccountOf = (a: MetaApiAccount, creds: Mt5Credentials): boolean =>
  String(a.login) === creds.login && a.server === creds.server;
const isConnected = (a: MetaApiAccount): boolean =>
  a.connectionStatus === 'CONNECTED' || (a.accountReplicas ?? []).some((r) => r.connectionStatus === 'CONNECTED');

/** createAccount's `transaction-id`: "a random 32-character transaction id" (16 random bytes in hex). */
const newTransactionId = (): string => randomBytes(16).toString('hex');

export class MetaApiAccounts {
  readonly #o: MetaApiAccountsOptions;
  /** `login@server` → the account found for it, and when it was last seen connected. */
  readonly #accounts = new Map<string, ResolvedAccount>();
  readonly #resolving = new Map<string, Promise<ResolvedAccount>>();

  constructor(options: MetaApiAccountsOptions) {
    this.#o = options;
  }

  /**
   * Runs client-API reads against the account. Every client route answers "404 - MetaTrader account
   * not found or not provisioned yet" once the account was removed or undeployed since we looked:
   * then the account is resolved again (found, re-created or redeployed) and the reads run once more.
   */
  async withAccount<T>(
    creds: Mt5Credentials,
    signal: AbortSignal | undefined,
    read: (account: ResolvedAccount) => Promise<T>,
  ): Promise<T> {
    const account = await this.#account(creds, signal);
    try {
      return await read(account);
    } catch (err) {
      if (!(err instanceof MetaApiHttpError && err.status === 404)) throw err;
      return read(await this.#account(creds, signal, true));
    }
  }

  /**
   * The MetaApi account of these credentials, deployed and connected to the broker. The id found
   * for a login is reused, but re-read (readAccount) once the last look is older than
   * `accountRecheckMs`, and at once when `fresh` (a client route answered 404): an account removed
   * from MetaApi is found again or re-created, one undeployed is deployed again.
   */
  async #account(creds: Mt5Credentials, signal?: AbortSignal, fresh = false): Promise<ResolvedAccount> {
    const key = `${creds.login}@${creds.server}`;
    const cached = this.#accounts.get(key);
    if (cached && !fresh && this.#o.now() - cached.checkedAt < this.#o.accountRecheckMs) return cached;
    // one resolution per login at a time, so two concurrent checks never create two accounts
    const running = this.#resolving.get(key);
    if (running) return running;
    const resolution = this.#resolve(creds, cached, signal).finally(() => this.#resolving.delete(key));
    this.#resolving.set(key, resolution);
    return resolution;
  }

  async #resolve(
    creds: Mt5Credentials,
    cached: ResolvedAccount | undefined,
    signal?: AbortSignal,
  ): Promise<ResolvedAccount> {
    const key = `${creds.login}@${creds.server}`;
    this.#accounts.delete(key);
    let account = cached ? await this.#readAccount(cached.id, signal) : null;
    if (account && (account.state === 'DELETING' || !isAccountOf(account, creds))) account = null;
    account ??= await this.#findOrCreate(creds, signal);
    account = await this.#untilConnected(account, signal);
    const region = account.region ?? 'new-york';
    const entry: ResolvedAccount = { id: accountId(account), region, checkedAt: this.#o.now() };
    this.#accounts.set(key, entry);
    return entry;
  }

  /**
   * readAccount (https://metaapi.cloud/docs/provisioning/api/account/readAccount/); null when
   * MetaApi answers 404 NotFoundError.
   */
  async #readAccount(id: string, signal?: AbortSignal): Promise<MetaApiAccount | null> {
    const url = `${this.#o.provisioningUrl}/users/current/accounts/${encodeURIComponent(id)}`;
    try {
      return await this.#o.http.request<MetaApiAccount>('GET', url, { signal, what: 'the account state' });
    } catch (err) {
      if (err instanceof MetaApiHttpError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * The account MetaApi already has for this login and server (readAccounts, `query` searches
   * login among other fields), else a new one (createAccount). createAccount requires a
   * `transaction-id` header of 32 random characters, reused unchanged while the call answers 202
   * (broker settings detection in progress) — the HTTP layer repeats the same request.
   * https://metaapi.cloud/docs/provisioning/api/account/readAccounts/
   * https://metaapi.cloud/docs/provisioning/api/account/createAccount/
   */
  async #findOrCreate(creds: Mt5Credentials, signal?: AbortSignal): Promise<MetaApiAccount> {
    const { http } = this.#o;
    const base = `${this.#o.provisioningUrl}/users/current/accounts`;
    const list = await http.request<MetaApiAccount[] | { items?: MetaApiAccount[] }>(
      'GET',
      `${base}?query=${encodeURIComponent(creds.login)}&offset=0&limit=1000`,
      { signal, what: 'the account list' },
    );
    const items = Array.isArray(list) ? list : (list?.items ?? []);
    const found = items.find((a) => isAccountOf(a, creds) && a.state !== 'DELETING');
    if (found) return found;
    const created = await http.request<{ id?: string; state?: string }>('POST', base, {
      signal,
      what: 'account provisioning',
      headers: { 'transaction-id': newTransactionId() },
      body: {
        login: creds.login,
        password: creds.password,
        server: creds.server,
        platform: 'mt5',
        name: this.#o.accountName.replaceAll('{login}', creds.login),
        magic: 0,
        type: 'cloud-g2',
      },
    });
    if (!created?.id) {
      throw new ConnectorError('bad_data', 'MetaApi created the account but did not answer its id', true);
    }
    const account = await this.#readAccount(created.id, signal);
    if (!account) throw new ConnectorError('unreachable', 'MetaApi created the account but cannot read it yet', true);
    return account;
  }

  /**
   * Deploys the account unless it is (being) deployed — deployAccount "will be ignored if the
   * account is already deployed" — and re-reads it until it is DEPLOYED and connected to the broker
   * (the SDK's waitConnected: the account's or any replica's connectionStatus is CONNECTED).
   * https://metaapi.cloud/docs/provisioning/api/account/deployAccount/
   */
  async #untilConnected(initial: MetaApiAccount, signal?: AbortSignal): Promise<MetaApiAccount> {
    const id = accountId(initial);
    const deadlineAt = this.#o.now() + this.#o.deployTimeoutMs;
    let account = initial;
    for (let deployRequested = false; ; ) {
      if (account.state === 'DEPLOYED' && isConnected(account)) return account;
      if (account.state === 'DEPLOY_FAILED') {
        throw new ConnectorError('unreachable', 'MetaApi could not deploy the account', true);
      }
      if (account.state === 'DELETING') {
        throw new ConnectorError('unreachable', 'MetaApi is deleting this account', true);
      }
      if (!deployRequested && account.state !== undefined && DEPLOYABLE.has(account.state)) {
        const url = `${this.#o.provisioningUrl}/users/current/accounts/${encodeURIComponent(id)}/deploy`;
        await this.#o.http.request('POST', url, { signal, what: 'account deployment' });
        deployRequested = true;
      }
      if (this.#o.now() >= deadlineAt) {
        const seconds = Math.round(this.#o.deployTimeoutMs / 1000);
        throw new ConnectorError('timeout', `MetaApi account not connected to the broker after ${seconds} s`, true);
      }
      await this.#o.sleep(this.#o.deployPollMs, signal);
      const next = await this.#readAccount(id, signal);
      if (!next) {
        throw new ConnectorError('unreachable', 'MetaApi account was removed while it was being deployed', true);
      }
      account = next;
    }
  }
}
