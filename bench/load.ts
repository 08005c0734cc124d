/**
 * A small HTTP load generator for the account-API benches (runs in its own process so it does not
 * share the event loop with the server): N connections, each sending requests back to back for
 * the duration. Prints JSON {requests, errors, rps, p50, p99}.
 *
 *   npx tsx bench/load.ts <url> <connections> <seconds> [header:value …]
 */
import { Agent, request } from 'undici';

const [url, connText, secsText, ...headerArgs] = process.argv.slice(2);
const connections = Number(connText ?? 64);
const seconds = Number(secsText ?? 5);
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)]));
const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 30_000 });
const latencies: number[] = [];
let errors = 0;
let statusOther = 0;
const end = Date.now() + seconds * 1000;

async function loop(): Promise<void> {
  while (Date.now() < end) {
    const t = performance.now();
    try {
      const res = await request(url!, { dispatcher: agent, headers });
      await res.body.dump();
      if (res.statusCode !== 200) statusOther++;
      latencies.push(performance.now() - t);
    } catch {
      errors++;
    }
  }
}
const started = Date.now();
await Promise.all(Array.from({ length: connections }, loop));
const elapsed = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2));
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, errors, non200: statusOther, rps: Math.round(latencies.length / elapsed), p50: q(0.5), p99: q(0.99) })}\n`,
);
await agent.close();
