/** The fuzz's HTTP client: undici for what a client library sends, a raw socket for what it will not. */
import { connect } from 'node:net';
import { type Agent, request } from 'undici';

export type Answer = { status: number; headers: Record<string, string | string[] | undefined>; text: string };

export interface FuzzClient {
  call(
    method: string,
    path: string,
    opts?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<Answer>;
  json(method: string, path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** Writes `bytes` to a new connection as they are and reads what comes back until it closes. */
  sendRaw(bytes: Buffer): Promise<Answer>;
}

export function fuzzClient(port: number, agent: Agent): FuzzClient {
  const base = `http://127.0.0.1:${port}`;
  async function call(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: string | Buffer } = {},
  ): Promise<Answer> {
    const res = await request(`${base}${path}`, {
      method: method as 'GET',
      dispatcher: agent,
      headers: opts.headers ?? {},
      ...(opts.body !== undefined ? { body: opts.body } : {}),
    });
    const type = String(res.headers['content-type'] ?? '');
    if (type.startsWith('text/event-stream')) {
      res.body.on('error', () => undefined);
      res.body.destroy(); // a live stream: the status is what counts
      return { status: res.statusCode, headers: res.headers, text: '' };
    }
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  }
  const json = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(method, path, { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  function sendRaw(bytes: Buffer): Promise<Answer> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(bytes);
        socket.end();
      });
      let data = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        data += d;
        if (data.length > 200_000) socket.destroy();
      });
      const done = () => {
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
        const headers: Record<string, string> = {};
        for (const line of data.split('\r\n\r\n')[0]!.split('\r\n').slice(1)) {
          const i = line.indexOf(':');
          if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
        }
        resolve({ status: m ? Number(m[1]) : 0, headers, text: data.slice(data.indexOf('\r\n\r\n') + 4, 2000) });
      };
      socket.on('close', done);
      socket.on('error', () => undefined);
      socket.setTimeout(10_000, () => socket.destroy());
    });
  }

  return { call, json, sendRaw };
}
