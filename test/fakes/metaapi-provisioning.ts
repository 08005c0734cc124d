/**
 * The provisioning host of the fake MetaApi (metaapi.ts, `/prov`): MetaApi accounts that stand for
 * a trader's broker account, created, deployed, undeployed and deleted as MetaApi's documentation
 * describes, with the docs' field names and example values:
 *
 *   [createAccount]  https://metaapi.cloud/docs/provisioning/api/account/createAccount/
 *   [readAccount]    https://metaapi.cloud/docs/provisioning/api/account/readAccount/
 *   [readAccounts]   https://metaapi.cloud/docs/provisioning/api/account/readAccounts/
 *   [deployAccount]  https://metaapi.cloud/docs/provisioning/api/account/deployAccount/
 *   [undeployAccount] https://metaapi.cloud/docs/provisioning/api/account/undeployAccount/
 *   [deleteAccount]  https://metaapi.cloud/docs/provisioning/api/account/deleteAccount/
 *   [managingAccounts] metaapi-javascript-sdk docs/metaApi/managingAccounts.md (create errors, 202 wait)
 *   [sdk-http]       metaapi.cloud-sdk 29.3.3 lib/clients/httpClient.ts (202: `retry-after` header,
 *                    else body `metadata.recommendedRetryTime`)
 */
import type { IncomingMessage } from 'node:http';
import { type Answer, errorAnswer } from './metaapi-answer.ts';
import type { FakeBrokerAccount } from './metaapi-broker.ts';

export interface FakeAccount {
  id: string;
  login: string;
  server: string;
  region: string;
  name: string;
  state: string;
  connectionStatus: string;
  polls: number;
}

interface CreateWait {
  count: number;
  retryAfter?: string;
  recommendedInMs?: number;
}

export interface FakeProvisioning {
  accounts: Map<string, FakeAccount>;
  /** The answer to a `/prov` request; null when the path is not a provisioning route. */
  answer(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
    body: string,
  ): Answer | null;
  /** How the next create transactions answer before their final answer. */
  createAccepted(count: number, o?: { retryAfter?: string; recommendedInMs?: number }): void;
}

// [readAccount] example: {"_id","login","name","server","magic","connectionStatus","state","type","region","reliability",…}
const accountDto = (a: FakeAccount) => ({
  _id: a.id,
  login: a.login,
  name: a.name,
  server: a.server,
  magic: 0,
  connectionStatus: a.connectionStatus,
  state: a.state,
  type: 'cloud-g2',
  region: a.region,
  reliability: 'high',
  version: 5,
});

export function createFakeProvisioning(o: {
  brokers: FakeBrokerAccount[];
  deployPolls?: number;
  createAccepted?: CreateWait;
}): FakeProvisioning {
  const accounts = new Map<string, FakeAccount>();
  let createWait = {
    count: o.createAccepted?.count ?? 1,
    retryAfter: o.createAccepted?.retryAfter ?? '1',
    recommendedInMs: o.createAccepted?.recommendedInMs,
  };
  /** transaction-id → the create request it identifies ([createAccount] "reuse the same transaction id value to poll the result"). */
  const transactions = new Map<string, { body: string; accepted: number; final?: Answer }>();
  let nextId = 1;

  /** The final answer of a create transaction, decided once. */
  function createFinal(body: string): Answer {
    let b: { login?: string; password?: string; server?: string; platform?: string; name?: string };
    try {
      b = JSON.parse(body) as typeof b;
    } catch {
      return { status: 400, body: { id: 1, error: 'ValidationError', message: 'Invalid JSON' } };
    }
    if (!b.name || !b.server)
      return {
        status: 400,
        body: {
          id: 1,
          error: 'ValidationError',
          message: 'Validation failed',
          details: [{ parameter: !b.name ? 'name' : 'server', message: 'required' }],
        },
      };
    if (!o.brokers.some((x) => x.server === b.server)) {
      // [managingAccounts] "Server file not found" example
      return {
        status: 400,
        body: {
          id: 3,
          error: 'ValidationError',
          message: `.dat file for server ${b.server} not found, please check the server name or use a provisioning profile instead. Suggested server names: FakeBroker-Demo.`,
          details: { code: 'E_SRV_NOT_FOUND', serversByBrokers: { 'Fake Broker Ltd': o.brokers.map((x) => x.server) } },
        },
      };
    }
    const acct = o.brokers.find((x) => x.server === b.server && x.login === String(b.login));
    if (acct?.settingsUndetectable) {
      // [managingAccounts] "Settings detection error" example: retry later or use a provisioning profile
      return {
        status: 400,
        body: {
          id: 3,
          error: 'ValidationError',
          message:
            'We were not able to retrieve server settings using credentials provided. Please try again later or configure the provisioning profile manually.',
          details: 'E_SERVER_TIMEZONE',
        },
      };
    }
    if (!acct || acct.password !== b.password) {
      // [managingAccounts] "Authentication error" example: details is the string "E_AUTH"
      return {
        status: 400,
        body: {
          id: 3,
          error: 'ValidationError',
          message:
            'We failed to authenticate to your broker using credentials provided. Please check that your MetaTrader login, password and server name are correct.',
          details: 'E_AUTH',
        },
      };
    }
    const id = `acc${nextId++}`;
    // [createAccount] "Adds a trading account and starts a cloud API server for the trading account. It can
    // take some time for the API server and trading terminal to start and connect to broker" (connectionStatus).
    accounts.set(id, {
      id,
      login: acct.login,
      server: acct.server,
      region: acct.region,
      name: b.name,
      state: 'DEPLOYED',
      connectionStatus: 'DISCONNECTED',
      polls: 0,
    });
    return { status: 201, body: { id, state: 'DEPLOYED' } };
  }

  function answer(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
    body: string,
  ): Answer | null {
    if (method === 'GET' && path === '/prov/users/current/accounts') {
      // [readAccounts] query: `query` searches over _id, name, server and login; offset ≥ 0 (default 0); limit 1..1000 (default 1000)
      const q = query.get('query') ?? '';
      const offset = Number(query.get('offset') ?? 0);
      const limit = Number(query.get('limit') ?? 1000);
      if (!(limit >= 1 && limit <= 1000) || !(offset >= 0))
        return errorAnswer(400, 'ValidationError', 'Validation failed', [
          { parameter: 'limit', message: 'must be 1..1000' },
        ]);
      const found = [...accounts.values()].filter((a) => [a.id, a.name, a.server, a.login].some((f) => f.includes(q)));
      return { status: 200, body: found.slice(offset, offset + limit).map(accountDto) };
    }
    if (method === 'POST' && path === '/prov/users/current/accounts') {
      // [createAccount] header transaction-id, Required: "For the new request please generate a random 32-character
      // transaction id. If your request has returned 202 status code, please reuse the same transaction id value to
      // poll the result of the request you've sent earlier." The docs do not show the refusal's body; a missing or
      // malformed id is refused as the other missing required inputs are, with 400 ValidationError.
      const txId = headers['transaction-id'];
      if (typeof txId !== 'string' || txId.length !== 32)
        return errorAnswer(400, 'ValidationError', 'Validation failed', [
          { parameter: 'transaction-id', message: 'transaction-id header must be a 32-character string' },
        ]);
      let tx = transactions.get(txId);
      if (!tx) {
        tx = { body, accepted: createWait.count };
        transactions.set(txId, tx);
      } else if (tx.body !== body) {
        return errorAnswer(409, 'ConflictError', 'Transaction id was used with a different request');
      }
      if (tx.accepted > 0) {
        tx.accepted--;
        // [managingAccounts] "Broker settings detection or connection validation might take some time. If so you will
        // receive response with request processing stage and wait time"; [sdk-http] retry-after header, else metadata.recommendedRetryTime
        const metadata =
          createWait.recommendedInMs !== undefined
            ? { metadata: { recommendedRetryTime: new Date(Date.now() + createWait.recommendedInMs).toISOString() } }
            : {};
        return {
          status: 202,
          body: {
            message: 'Automatic broker settings detection is in progress, please retry in 60 seconds',
            ...metadata,
          },
          headers: createWait.retryAfter ? { 'retry-after': createWait.retryAfter } : {},
        };
      }
      // E_SRV_NOT_FOUND/E_AUTH are known once detection is done; the same transaction keeps answering the same result
      tx.final ??= createFinal(body);
      return tx.final;
    }
    const accountPath = /^\/prov\/users\/current\/accounts\/([^/]+)(\/deploy|\/undeploy)?$/.exec(path);
    if (accountPath) {
      const a = accounts.get(accountPath[1]!);
      // [readAccount]/[deployAccount]/[undeployAccount]/[deleteAccount]: 404 NotFoundError for an unknown id
      if (!a) return errorAnswer(404, 'NotFoundError', `Trading account with id ${accountPath[1]} not found`);
      if (method === 'POST' && accountPath[2] === '/deploy') {
        // [deployAccount] "This request will be ignored if the account is already deployed"; 204 No Content
        if (a.state !== 'DEPLOYED') {
          a.state = 'DEPLOYING';
          a.polls = 0;
        }
        return { status: 204, body: null };
      }
      if (method === 'POST' && accountPath[2] === '/undeploy') {
        // [undeployAccount] stops the API server; the client API then answers 404 "not found or not provisioned yet"
        a.state = 'UNDEPLOYED';
        a.connectionStatus = 'DISCONNECTED';
        return { status: 204, body: null };
      }
      if (method === 'DELETE' && !accountPath[2]) {
        // [deleteAccount] removes the account; afterwards every route answers 404 for it
        accounts.delete(a.id);
        return { status: 204, body: null };
      }
      if (method === 'GET' && !accountPath[2]) {
        if (
          (a.state === 'DEPLOYING' || (a.state === 'DEPLOYED' && a.connectionStatus !== 'CONNECTED')) &&
          ++a.polls >= (o.deployPolls ?? 1)
        ) {
          a.state = 'DEPLOYED';
          a.connectionStatus = 'CONNECTED';
        }
        return { status: 200, body: accountDto(a) };
      }
    }
    return null;
  }

  return {
    accounts,
    answer,
    createAccepted(count, r = {}) {
      createWait = { count, retryAfter: r.retryAfter ?? '', recommendedInMs: r.recommendedInMs };
    },
  };
}
