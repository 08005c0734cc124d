/**
 * SSE clients for bench/sse-fanout.ts (its own process): opens N streams round-robin over the
 * given account ids and, for every `update` event, records now − fetched_at (the poll instant) as
 * the update latency. Prints progress lines and a final JSON line on SIGTERM.
 *
 *   npx tsx bench/sse-client.ts <base-url> <api-key> <streams> <account-id>…
 */
import http from 'node:http';

const [base, key, nText, ...accounts] = process.argv.slice(2);
const n = Number(nText);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const latencies: number[] = [];
let open = 0;
let failed = 0;
let events = 0;

function connect(i: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(
      `${base}/api/account/${accounts[i % accounts.length]}/stream`,
      { agent, headers: { 'x-api-key': key!, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) {
          failed++;
          res.resume();
          return resolve();
        }
        open++;
        resolve();
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            if (!block.includes('event: update')) continue;
            const m = /"fetched_at":"([^"]+)"/.exec(block);
            if (m) {
              latencies.push(Date.now() - Date.parse(m[1]!));
              events++;
            }
          }
        });
      },
    );
    req.on('error', () => {
      failed++;
      resolve();
    });
  });
}

for (let i = 0; i < n; i += 200)
  await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, j) => connect(i + j)));
process.stdout.write(`${JSON.stringify({ phase: 'connected', open, failed })}\n`);
process.on('SIGTERM', () => {
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? null;
  process.stdout.write(
    `${JSON.stringify({ phase: 'done', open, failed, events, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? null })}\n`,
  );
  process.exit(0);
});
