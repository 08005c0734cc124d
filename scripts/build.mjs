#!/usr/bin/env node
/**
 * Compiles the TypeScript of src/ and migrations/ to JavaScript in dist/ (`npm run build`; also
 * `npm install`'s prepare step), so `npm start` loads plain JavaScript instead of transpiling at
 * every start. One output file per source file, in the same layout (dist/src/…, dist/migrations/…),
 * so paths relative to a module keep working: the report parser's worker thread, the migrations
 * folder. Relative `.ts` imports become `.js`; packages stay imports of node_modules; the rule
 * presets' JSON is inlined. No type check here: that is `npm run typecheck`.
 *
 * Builds into a fresh folder and swaps it in whole, with dist/manifest.json (scripts/compiled.mjs)
 * recording what it was built from, so bin/brymix can tell when the sources have moved on.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DIST, MANIFEST, ROOT, sourceTree, stamps } from './compiled.mjs';

const started = performance.now();
// Stamped before reading, so an edit made while this runs leaves the build stale, not wrongly current.
const before = stamps();
const entryPoints = sourceTree().files.filter((f) => f.endsWith('.ts'));
const out = `${DIST}.building-${process.pid}`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

/** Every import stays an import (one output file per source file) except JSON, which is inlined. */
const keepImports = {
  name: 'keep-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (/^\.\.?\//.test(args.path)) {
        if (args.path.endsWith('.json')) return undefined;
        return { path: args.path.replace(/\.ts$/, '.js'), external: true };
      }
      return { path: args.path, external: true };
    });
  },
};

try {
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: out,
    outbase: '.',
    bundle: true,
    plugins: [keepImports],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(
    join(out, 'manifest.json'),
    `${JSON.stringify({ builtAt: new Date().toISOString(), stamps: before })}\n`,
  );
  rmSync(DIST, { recursive: true, force: true });
  renameSync(out, DIST);
} catch (err) {
  rmSync(out, { recursive: true, force: true });
  throw err;
}
console.log(
  `brymix: compiled ${entryPoints.length} files to ${DIST} in ${Math.round(performance.now() - started)} ms (${MANIFEST})`,
);
