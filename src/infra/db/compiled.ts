/**
 * Queries built and compiled once, then run with new values. Kysely builds an immutable operation
 * tree and compiles it to SQL on every call: 2–5 µs and a few dozen short-lived objects a query,
 * which at a dozen statements a check was about a tenth of the event loop's work per check. A
 * compiled query is built once per dialect and per set of argument names, with markers in place
 * of the values; each run puts the arguments where the markers were.
 *
 *   const byKid = compiled((db, p: { kid: string }) => db.selectFrom('api_keys').selectAll().where('kid', '=', p.kid));
 *   const row = await byKid.first(db, { kid });
 *
 * `build` must use each argument only as a value (Kysely binds it as a parameter), never to
 * choose the query's shape: it sees markers, not the values; an argument given an expression or an
 * object (other than bytes or a Date) is refused with a TypeError. An argument left undefined is left
 * out, as Kysely leaves out an undefined column of `values()` or `set()`, so `set(p)` with a
 * partial patch works: each set of present names gets its own compiled form.
 */
import { type Compilable, CompiledQuery, type QueryResult } from 'kysely';
import type { Db } from './index.ts';

/** Where an argument goes in a compiled query's parameters. */
class Marker {
  constructor(readonly name: string) {}
}

interface Template {
  sql: string;
  /** Per parameter: an argument's name, or a constant of the query. */
  slots: unknown[];
}

export interface Compiled<A extends object, R> {
  /** All rows. */
  rows(db: Db, args: A): Promise<R[]>;
  /** The first row, or undefined. */
  first(db: Db, args: A): Promise<R | undefined>;
  /** Rows inserted, updated or deleted. */
  affected(db: Db, args: A): Promise<number>;
}

export function compiled<A extends object, R>(build: (db: Db, p: A) => Compilable<R>): Compiled<A, R> {
  // Per dialect (its adapter, shared by a database and its transactions), per set of argument names.
  const templates = new WeakMap<object, Map<string, Template>>();

  function template(db: Db, args: A): Template {
    const adapter = db.getExecutor().adapter;
    let byNames = templates.get(adapter);
    if (!byNames) {
      byNames = new Map();
      templates.set(adapter, byNames);
    }
    let names = '';
    for (const k in args) if ((args as Record<string, unknown>)[k] !== undefined) names += `${k},`;
    let t = byNames.get(names);
    if (!t) {
      const markers: Record<string, Marker> = {};
      for (const k in args) if ((args as Record<string, unknown>)[k] !== undefined) markers[k] = new Marker(k);
      const query = build(db, markers as A).compile();
      t = { sql: query.sql, slots: [...query.parameters] };
      byNames.set(names, t);
    }
    return t;
  }

  async function run(db: Db, args: A): Promise<QueryResult<R>> {
    const t = template(db, args);
    const parameters = new Array<unknown>(t.slots.length);
    for (let i = 0; i < t.slots.length; i++) {
      const s = t.slots[i];
      if (!(s instanceof Marker)) {
        parameters[i] = s;
        continue;
      }
      const v = (args as Record<string, unknown>)[s.name];
      // An expression (sql`…`, a sub-query) would shape the query, which was compiled without it.
      if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !(v instanceof Date))
        throw new TypeError(`compiled query: argument "${s.name}" must be a value, not an expression or object`);
      parameters[i] = v;
    }
    return db.executeQuery<R>(CompiledQuery.raw(t.sql, parameters));
  }

  return {
    rows: async (db, args) => (await run(db, args)).rows,
    first: async (db, args) => (await run(db, args)).rows[0],
    affected: async (db, args) => Number((await run(db, args)).numAffectedRows ?? 0n),
  };
}
