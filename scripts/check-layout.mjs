#!/usr/bin/env node
/**
 * The two layout rules of DESIGN.md that no other lint tool checks, over src/ and migrations/:
 * - a file holds at most MAX_LINES lines (one reader holds it; split by meaning beyond that);
 * - a test sits beside the file it tests and carries its name: `<file>.test.ts`, or
 *   `<file>.<aspect>.test.ts` when one file's tests are split by aspect;
 * - every query is in a repository: no query-builder call or raw `sql` outside `*.repository.ts`,
 *   src/infra/ and migrations/ (services open transactions, they do not write SQL).
 * Prints every breach as `path: reason` and exits 1 when there is any.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const MAX_LINES = 400;
const QUERY = /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql(<[^>]*>)?`/;
const ROOTS = ['src', 'migrations'];

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.(ts|mjs|js)$/.test(entry.name)) yield path;
  }
}

/** The sibling source files a test's name may point at: `a.b.c.test.ts` → a.b.c.ts, a.b.ts, a.ts. */
function testedCandidates(testPath) {
  const parts = basename(testPath)
    .replace(/\.test\.ts$/, '')
    .split('.');
  const candidates = [];
  for (let n = parts.length; n >= 1; n--) candidates.push(join(dirname(testPath), `${parts.slice(0, n).join('.')}.ts`));
  return candidates;
}

const breaches = [];
for (const root of ROOTS) {
  const all = [...files(root)];
  const present = new Set(all);
  for (const path of all) {
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').length - 1;
    if (lines > MAX_LINES) breaches.push(`${path}: ${lines} lines (at most ${MAX_LINES}; split it by meaning)`);
    const mayQuery =
      path.endsWith('.repository.ts') || path.endsWith('.test.ts') || /^(src\/infra|migrations)\//.test(path);
    if (!mayQuery && QUERY.test(text)) {
      breaches.push(`${path}: a query outside a repository (move it into the module's *.repository.ts)`);
    }
    if (path.endsWith('.test.ts') && !testedCandidates(path).some((c) => present.has(c))) {
      breaches.push(`${path}: no sibling file it is named after (<file>.test.ts or <file>.<aspect>.test.ts)`);
    }
  }
}
for (const line of breaches) console.log(line);
if (breaches.length > 0) {
  console.log(`${breaches.length} layout breach(es)`);
  process.exit(1);
}
