/**
 * Server-Sent Events fan-out: clients grouped by what they watch; an event is formatted once per
 * group and written to every member. Heartbeat comments keep proxies and OBS from closing idle
 * streams; a client that stops reading (buffer over the cap) is dropped and reconnects by itself.
 */
import type { ServerResponse } from 'node:http';

export interface SseClient {
  res: ServerResponse;
  /** Per-client transform (e.g. a widget's publishing delay); default writes at once. */
  write?: (chunk: string) => void;
}

const MAX_BUFFERED = 1 << 20;

export function sseEvent(event: string, data: unknown, id?: number | string): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Sends the stream's headers and the retry hint. A HEAD request gets the headers and an ended
 * response: Node sends no headers for a HEAD until end() (writes are dropped), so the client would
 * wait forever while the route held a subscription for it. The route's 'close' handler, attached
 * right after this call, still runs and releases whatever it subscribed.
 */
export function openSse(res: ServerResponse, headers: Record<string, string> = {}, retryMs = 2000): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  if (res.req?.method === 'HEAD') {
    res.end();
    return;
  }
  res.write(`retry: ${retryMs}\n\n`);
}

export function safeWrite(res: ServerResponse, chunk: string): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.writableLength > MAX_BUFFERED) {
    res.destroy();
    return;
  }
  res.write(chunk);
}

export class SseHub {
  private readonly groups = new Map<string, { clients: Set<SseClient>; stop: () => void }>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs: number) {
    this.heartbeat = setInterval(() => this.broadcastAll(': heartbeat\n\n'), heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.clients.size;
    return n;
  }

  /** Adds a client; `start` runs for a group's first client and returns how to stop feeding it. */
  add(group: string, client: SseClient, start: (send: (chunk: string) => void) => () => void): () => void {
    let g = this.groups.get(group);
    if (!g) {
      const clients = new Set<SseClient>();
      g = { clients, stop: () => undefined };
      this.groups.set(group, g);
      g.stop = start((chunk) => {
        for (const c of clients) (c.write ?? ((s: string) => safeWrite(c.res, s)))(chunk);
      });
    }
    g.clients.add(client);
    const gg = g;
    return () => {
      gg.clients.delete(client);
      if (gg.clients.size === 0 && this.groups.get(group) === gg) {
        this.groups.delete(group);
        gg.stop();
      }
    };
  }

  private broadcastAll(chunk: string): void {
    for (const g of this.groups.values()) for (const c of g.clients) safeWrite(c.res, chunk);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const g of this.groups.values()) {
      g.stop();
      for (const c of g.clients) c.res.end();
    }
    this.groups.clear();
  }
}
