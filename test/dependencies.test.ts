/**
 * A newcomer's first `npm install` is clean: every locked package runs on every Node line
 * package.json promises (no EBADENGINE), and every install script has been decided in
 * `allowScripts` (no "install scripts not yet covered by allowScripts").
 *
 * Decisions this enforces (package.json):
 * - `overrides`: cookie@2 and content-disposition@3 (pulled in by fastify's light-my-request and
 *   by @fastify/static) declare Node >= 22 and are ES modules that those packages `require()`.
 *   Their previous majors, cookie@1.1 and content-disposition@2, export the same functions those
 *   parents call (stringifySetCookie, create) as CommonJS on Node >= 18, so the parents get them
 *   instead. (@fastify/cookie, unused — src/http/cookies.ts writes our cookies — is not installed.)
 *   watskeburt@5 (dependency-cruiser's git-diff helper, used only by its --cache and --affected
 *   options) and @napi-rs/wasm-runtime@1.2 (reached only through knip's wasm32 resolver binding)
 *   declare Node ^22.13, not 22.12; watskeburt@4.2 has the same `list` and `getSHA`, and
 *   @napi-rs/wasm-runtime@1.1 is what that binding asks for (^1.1.6), so the lock keeps those.
 *   dependency-cruiser itself stays on 17.x: 18 declares Node ^22.
 * - `allowScripts`: better-sqlite3 builds its native addon (needed); esbuild's postinstall only
 *   checks its binary, which ships in the @esbuild/<platform> package; msgpackr-extract is
 *   optional (msgpackr falls back to JS) and its script only looks for, or compiles, a prebuilt
 *   addon that @msgpackr-extract/<platform> already ships. Both are denied. The lint tools have
 *   no install script: Biome's binary comes in its optional @biomejs/cli-<platform> package, and
 *   knip's parser and resolver in @oxc-parser/@oxc-resolver binding packages.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  hasInstallScript?: boolean;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };
const installed = Object.entries(lock.packages).filter(([path]) => path !== '');
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);

/** The oldest release of each Node line package.json accepts (`^20.19.0 || >=22.12.0` → 20.19.0, 22.12.0). */
const supported = pkg.engines.node.split('||').map((part) => semver.minVersion(part.trim())!.version);

describe('dependencies', () => {
  it('promise Node 20 and Node 22', () => {
    expect(supported.map((v) => v.split('.')[0])).toEqual(['20', '22']);
  });

  it('all run on the oldest Node of every line package.json promises', () => {
    const refused = installed.flatMap(([path, e]) => {
      const range = !Array.isArray(e.engines) ? e.engines?.node : undefined;
      return range
        ? supported
            .filter((v) => !semver.satisfies(v, range))
            .map((v) => `${nameOf(path)}@${e.version} wants node ${range}, not ${v}`)
        : [];
    });
    expect(refused).toEqual([]);
  });

  it('with an install script are each allowed or denied in allowScripts', () => {
    const withScripts = [
      ...new Set(installed.filter(([, e]) => e.hasInstallScript).map(([path]) => nameOf(path))),
    ].sort();
    expect(withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean')).toEqual([]);
    expect(pkg.allowScripts).toEqual({ 'better-sqlite3': true, esbuild: false, 'msgpackr-extract': false });
  });
});
