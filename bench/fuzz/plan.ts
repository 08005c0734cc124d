/**
 * One fuzz request at a time: a route, then — with some probability each — another method, hostile
 * path segments, a hostile query, a missing/forged/foreign credential, hostile headers and a hostile
 * body; about one in twenty as raw bytes for a socket.
 */
import { randomBytes } from 'node:crypto';
import { HOSTILE_NUMBERS, HOSTILE_SEGMENTS, HOSTILE_STRINGS, type HostileMaterial, PROTO_KEYS } from './hostile.ts';
import { type Provisioned, type Secrets, siteSignature } from './provision.ts';
import type { Random } from './random.ts';
import type { Auth, FuzzRoutes } from './routes.ts';

export interface Planned {
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  raw?: Buffer;
}

export function requestPlanner(
  random: Random,
  { routes: ROUTES, validParams: VALID_PARAMS }: FuzzRoutes,
  hostile: HostileMaterial,
  ids: Provisioned,
  secrets: Secrets,
): () => Planned {
  const { rand, chance, int, pick } = random;
  const { hostileValue, deepNesting, mutate, multipartGarbage, invalidUtf8, reportUpload } = hostile;
  const { key, foreignKey, staffToken, widget, traderCookie } = ids;
  const signSite = (body: string) => siteSignature(secrets, body);
  const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'CONNECT_'];

  function credential(
    auth: Auth,
    headers: Record<string, string>,
    query: Record<string, string>,
    body: string | undefined,
  ): void {
    const mode = rand();
    const forged = mode >= 0.75 && mode < 0.9;
    if (mode >= 0.9) return; // missing
    if (mode >= 0.7 && mode < 0.75) {
      // another family's credential, or a hostile one
      headers[pick(['x-api-key', 'authorization', 'cookie'])] = pick([
        `Bearer ${key.key}`,
        staffToken,
        `brymix_trader=${'%'.repeat(10)}`,
        `Basic ${Buffer.from('a:b').toString('base64')}`,
        'Bearer',
        'x'.repeat(8000),
        `Bearer ${secrets.SERVICE_API_TOKEN.slice(1)}`,
      ]);
      return;
    }
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`;
    switch (auth) {
      case 'apiKey':
        headers['x-api-key'] = forged ? flip(key.key) : chance(0.1) ? foreignKey.key : key.key;
        break;
      case 'staff':
        headers.authorization = `Bearer ${forged ? flip(staffToken) : staffToken}`;
        break;
      case 'service':
        headers.authorization = `Bearer ${forged ? flip(secrets.SERVICE_API_TOKEN) : secrets.SERVICE_API_TOKEN}`;
        break;
      case 'site':
        headers['x-webhook-signature'] = forged ? flip(signSite(body ?? '')) : signSite(body ?? '');
        break;
      case 'widget':
        query.token = forged ? flip(widget.token) : widget.token;
        break;
      case 'trader':
        headers.cookie = forged ? flip(traderCookie) : traderCookie;
        if (chance(0.8)) headers['x-requested-with'] = 'fetch';
        break;
      case 'none':
        break;
    }
  }

  const FAMILIES = [...new Set(ROUTES.map((r) => r.family))];

  function plan(): Planned {
    // Every family gets the same share, however many routes it has.
    const family = pick(FAMILIES);
    const route = pick(ROUTES.filter((r) => r.family === family));
    const method = chance(0.8) ? route.method : pick(METHODS);
    let path = route.path.replace(/:(\w+)/g, (_m, name: string) =>
      chance(0.6) ? VALID_PARAMS[name]!() : pick(HOSTILE_SEGMENTS),
    );
    if (chance(0.08))
      path = pick([
        `${path}/`,
        `${path}//x`,
        path.toUpperCase(),
        `${path}/..`,
        `/./${path.slice(1)}`,
        `${path}%2f`,
        `${path};x=1`,
        `//${path}`,
        `${path}#frag`,
      ]);
    const query: Record<string, string> = chance(0.7) && route.query ? route.query() : {};
    if (chance(0.25))
      for (let i = int(1, 4); i > 0; i--)
        query[
          pick([
            'limit',
            'page',
            'pageSize',
            'cursor',
            'token',
            'q',
            'from',
            'to',
            'status',
            '__proto__[x]',
            'constructor',
            'sort',
            'account_id',
            'a[]',
          ])
        ] = String(pick([...HOSTILE_STRINGS.slice(0, 20), ...HOSTILE_NUMBERS.map(String)]));
    const headers: Record<string, string> = {};
    let body: string | Buffer | undefined;
    const withBody = !['GET', 'HEAD'].includes(method) && chance(0.9);
    if (withBody && route.multipartReport && chance(0.8)) {
      const b = `fzr${randomBytes(8).toString('hex')}`;
      const field = (n: string, v: string) => `--${b}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`;
      const r = reportUpload();
      headers['content-type'] = `multipart/form-data; boundary=${b}`;
      body = Buffer.concat([
        Buffer.from(
          field('user_id', 'u-mp') +
            field('challenge_id', `c${int(1, 99)}`) +
            field('initial_balance', chance(0.8) ? '10000' : pick(['1e309', '-5'])) +
            field('rules', chance(0.8) ? '{"preset":"ftmo-2step"}' : pick(['{', '[]', '{"max_drawdown_percent":"x"}'])),
        ),
        Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="report"; filename="${r.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        r.bytes,
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
    } else if (withBody) {
      const r = rand();
      if (r < 0.4 && route.body) {
        body = JSON.stringify(chance(route.mutateRate ?? 0.7) ? mutate(route.body()) : route.body());
        if (chance(0.8)) headers['content-type'] = 'application/json';
      } else if (r < 0.5) body = deepNesting();
      else if (r < 0.6)
        body = `{${PROTO_KEYS.map((k) => `"${k}":${JSON.stringify(hostileValue())}`).join(',')}${route.body ? `,${JSON.stringify(route.body()).slice(1)}` : '}'}`;
      else if (r < 0.67) body = JSON.stringify(hostileValue());
      else if (r < 0.77) {
        const mp = multipartGarbage();
        headers['content-type'] = mp.contentType;
        body = mp.body;
      } else if (r < 0.83) body = invalidUtf8();
      else if (r < 0.87) body = `{"user_id":"${'x'.repeat(int(1_048_000, 1_200_000))}"}`;
      else if (r < 0.93)
        body = pick([
          '',
          'null',
          '[]',
          '"x"',
          '1',
          'true',
          '{',
          '{"a":1}{"b":2}',
          '\ufeff{}',
          '{"a":1e999999}',
          '{"a":-0}',
        ]);
      else body = randomBytes(int(1, 2048));
      headers['content-type'] ??= pick([
        'application/json',
        'application/json',
        'application/json',
        'application/json; charset=utf-16',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        '',
        'application/json; boundary=x',
        'APPLICATION/JSON',
        'application/vnd.api+json',
        'multipart/form-data',
      ]);
      if (headers['content-type'] === '') delete headers['content-type'];
    }
    credential(route.auth, headers, query, typeof body === 'string' ? body : body?.toString('latin1'));
    if (chance(0.3)) {
      for (let i = int(1, 3); i > 0; i--) {
        const [name, value] = pick<[string, string]>([
          ['x-request-id', pick(['x', 'a'.repeat(200), '../../', 'req_ok_12345678', '%00'])],
          ['x-forwarded-for', pick(['127.0.0.1', '::1, 10.0.0.1', 'garbage', '1.1.1.1'.repeat(500)])],
          ['idempotency-key', pick(['k', 'k'.repeat(10_000), '\u00e9', ''])],
          ['accept', pick(['*/*', 'text/html', 'application/xml', 'x'.repeat(1000)])],
          ['accept-encoding', pick(['gzip', 'br', 'identity;q=0', 'x'])],
          ['range', pick(['bytes=0-1', 'bytes=-1', 'bytes=99999999999-', 'x'])],
          ['if-none-match', '"x"'],
          ['if-modified-since', pick(['yesterday', 'Tue, 01 Dec 2099 00:00:00 GMT'])],
          ['origin', 'https://evil.example'],
          ['webhook-id', pick(['msg_1', 'x'.repeat(1000)])],
          ['webhook-timestamp', pick(['0', '-1', '99999999999999999999', 'x'])],
          ['webhook-signature', pick(['v1,AAAA', 'v1,', 'x'])],
          ['cookie', pick(['brymix_staff=x', 'brymix_trader=%', 'a=b; a=c', '='.repeat(100)])],
          ['x-huge', 'h'.repeat(pick([1000, 8000, 20_000, 70_000]))],
        ]);
        headers[name] = value;
      }
    }
    const qs = Object.entries(query)
      .map(([k, v]) => `${encodeQuery(k)}=${encodeQuery(v)}`)
      .join('&');
    const fullPath = qs ? `${path}?${qs}` : path;
    if (chance(0.05))
      return {
        family: route.family,
        method,
        path: fullPath,
        headers,
        raw: rawVariant(method, fullPath, headers, body),
      };
    return { family: route.family, method, path: fullPath, headers, ...(body !== undefined ? { body } : {}) };
  }

  /** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 it would be (%ED%A0%80). */
  function encodeQuery(s: string): string {
    return s
      .split(/([\ud800-\udfff])/)
      .map((part) => (/^[\ud800-\udfff]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
      .join('');
  }

  /** What a client library will not send: raw bytes in the path and headers, broken framing. */
  function rawVariant(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
  ): Buffer {
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    const variants: Array<() => Buffer> = [
      () =>
        Buffer.concat([
          Buffer.from(`${method} ${path.split('?')[0]}`),
          Buffer.from([0xff, 0xfe, 0x80]),
          Buffer.from(` HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: ${payload.length}\r\n\r\n`),
          payload,
        ]),
      () =>
        Buffer.concat([
          Buffer.from(
            `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nX-Bad: a\u0000b\r\nContent-Length: ${payload.length}\r\n\r\n`,
          ),
          payload,
        ]),
      () =>
        Buffer.concat([
          Buffer.from(
            `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: ${payload.length}\r\nTransfer-Encoding: chunked\r\n\r\n`,
          ),
          payload,
        ]),
      () =>
        Buffer.concat([
          Buffer.from(
            `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: ${payload.length + 50}\r\n\r\n`,
          ),
          payload,
        ]),
      () =>
        Buffer.concat([
          Buffer.from(
            `${method} ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nTransfer-Encoding: chunked\r\n\r\n${payload.length.toString(16)}\r\n`,
          ),
          payload,
          Buffer.from('\r\n'),
        ]),
      () => Buffer.from(`${method} ${path} HTTP/1.0\r\n${head}\r\n\r\n`),
      () => Buffer.from(`${method} ${path} HTTP/9.9\r\nHost: x\r\n\r\n`),
      () => Buffer.from(`GARBAGE\r\n\r\n`),
      () =>
        Buffer.concat([
          Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\n${head}\r\nContent-Length: -1\r\n\r\n`),
          payload,
        ]),
      () =>
        Buffer.from(
          `${method} ${path} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
        ),
    ];
    return pick(variants)();
  }
  return plan;
}
