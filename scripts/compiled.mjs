/**
 * The compiled build in dist/ and whether it still matches the sources.
 *
 * scripts/build.mjs compiles every non-test file of src/ and migrations/ to dist/ (same layout) and
 * records in dist/manifest.json the size and modification time of each file it read, of every folder
 * under src/ and migrations/ (a file added, removed or renamed there changes its folder's time) and
 * of the build's own inputs (tsconfig.json, this script and build.mjs). bin/brymix runs dist/ only
 * while all of them are unchanged — a few hundred stat calls, about a millisecond — and the
 * TypeScript sources through tsx otherwise, so an edited checkout never runs stale code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const MANIFEST = join(DIST, 'manifest.json');
export const SOURCE_DIRS = ['src', 'migrations'];
const BUILD_INPUTS = ['tsconfig.json', 'scripts/build.mjs', 'scripts/compiled.mjs'];

/** Source folders and files (tests left out), as paths relative to the project root with `/`. */
export function sourceTree() {
  const dirs = [];
  const files = [];
  const walk = (dir) => {
    dirs.push(dir);
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (!e.name.endsWith('.test.ts')) files.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(dir);
  return { dirs, files };
}

function stampOf(path) {
  const s = statSync(join(ROOT, path));
  return s.isDirectory() ? `${s.mtimeMs}` : `${s.size}:${s.mtimeMs}`;
}

/** What a build made now would be made from: path → size and modification time. */
export function stamps() {
  const { dirs, files } = sourceTree();
  return Object.fromEntries([...dirs, ...files, ...BUILD_INPUTS].map((p) => [p, stampOf(p)]));
}

/** Whether dist/ holds a build made from the sources exactly as they are on disk now. */
export function isCurrent() {
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(MANIFEST, 'utf8')).stamps;
  } catch {
    return false;
  }
  for (const [path, stamp] of Object.entries(recorded)) {
    try {
      if (stampOf(path) !== stamp) return false;
    } catch {
      return false;
    }
  }
  return true;
}
