/** Reads a Server-Sent Events stream with fetch (tests): collects parsed events as they arrive. */
interface SseEvent {
  id: string | null;
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of whatever the stream sent; each test asserts the fields it reads
  data: any;
}

export interface SseReader {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: number;
  waitFor(pred: (e: SseEvent, all: SseEvent[]) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const reader: SseReader = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: 0,
    async waitFor(pred, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = reader.events.find((e) => pred(e, reader.events));
        if (hit) return hit;
        if (Date.now() > deadline)
          throw new Error(
            `no matching SSE event in ${timeoutMs} ms; got ${reader.events.map((e) => e.event).join(',')}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => ac.abort(),
  };
  if (!res.body || res.status !== 200) return reader;
  void (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          let comment = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comment = true;
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) reader.events.push({ id, event, data: JSON.parse(data.join('\n')) });
          else if (comment) reader.comments++;
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return reader;
}
