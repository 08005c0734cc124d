/**
 * Starts a worker thread on a module beside the caller. Running from TypeScript sources (tsx,
 * Vitest) the thread first registers tsx's loader in itself (as bin/brymix does), then imports the
 * module; compiled, it starts from the .js the build wrote beside the caller's .js.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * tsx's ESM register API as a file URL. An eval'd worker resolves bare names from the working
 * directory, so it gets the absolute file, found through tsx's own export map ("./esm/api" → import).
 */
function tsxEsmApiUrl(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: string | { default: string } }>;
  };
  const target = pkg.exports['./esm/api']!.import;
  return pathToFileURL(join(dirname(manifest), typeof target === 'string' ? target : target.default)).href;
}

/**
 * `callerUrl` is the caller's import.meta.url; `name` the worker module's path from it without
 * extension; `workerData` what the module reads from node:worker_threads' workerData.
 */
export function startModuleWorker(callerUrl: string, name: string, workerData?: unknown): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  if (!fromSource) return new Worker(url, { workerData });
  const boot = `import(${JSON.stringify(tsxEsmApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
