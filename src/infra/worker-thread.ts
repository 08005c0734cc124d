/**
 * Starts a worker thread on a module beside the caller. Compiled, it starts from the .js the build
 * wrote beside the caller's .js; from the TypeScript sources, see startModuleWorker.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';

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
 * extension; `workerData` what the module reads from node:worker_threads' workerData;
 * `resourceLimits` the thread's V8 heap limits.
 *
 * From the sources (tsx, Vitest), the thread runs the compiled module of dist/ while dist/ matches
 * the sources (scripts/compiled.mjs, as bin/brymix decides), and the TypeScript through tsx
 * otherwise: a thread doing the process's heavy work (the monitors, the verdicts) then runs what
 * production runs.
 */
export function startModuleWorker(
  callerUrl: string,
  name: string,
  workerData?: unknown,
  resourceLimits?: ResourceLimits,
): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const url = new URL(`${name}${fromSource ? '.ts' : '.js'}`, callerUrl);
  const options = { workerData, ...(resourceLimits ? { resourceLimits } : {}) };
  if (!fromSource) return new Worker(url, options);
  const root = new URL('../../', import.meta.url);
  const compiled = new URL(`dist/${url.href.slice(root.href.length).replace(/\.ts$/, '.js')}`, root);
  const check = new URL('scripts/compiled.mjs', root);
  const boot = `import(${JSON.stringify(check.href)}).then(async (c) => {
    if (c.isCurrent()) return import(${JSON.stringify(compiled.href)});
    (await import(${JSON.stringify(tsxEsmApiUrl())})).register();
    return import(${JSON.stringify(url.href)});
  });`;
  return new Worker(boot, { eval: true, ...options });
}
