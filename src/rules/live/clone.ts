/**
 * A deep copy of a live evaluator's state (live.ts keeps copies as checkpoints to replay late items
 * from, without the columns, which are rebuilt from the deals): plain objects and class instances keep their prototype, typed arrays, arrays, Maps and Sets
 * are copied, and an object reached twice is copied once, so references inside the state (a family's
 * columns, a day that is both current and flagged) point into the copy. Functions are shared (a day
 * clock's closures are a pure memo), and so are the objects marked immutable (the deals and rules
 * the state reads but never changes).
 */

const immutable = new WeakSet<object>();

/** Marks an object the state reads but never changes: copies share it. */
export function shareInClones<T extends object>(o: T): T {
  immutable.add(o);
  return o;
}

/**
 * The copy; an object in `substitute` is not copied but replaced by its value there (a checkpoint
 * swaps the columns for a stand-in, and the stand-in back for the rebuilt columns).
 */
export function deepClone<T>(root: T, substitute?: ReadonlyMap<object, unknown>): T {
  return copy(root, new Map(substitute)) as T;
}

function copy(v: unknown, memo: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null || immutable.has(v)) return v;
  const seen = memo.get(v);
  if (seen !== undefined) return seen;
  if (ArrayBuffer.isView(v)) {
    const out = (v as unknown as Float64Array).slice();
    memo.set(v, out);
    return out;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    memo.set(v, out);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i], memo);
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(copy(k, memo), copy(x, memo));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(copy(x, memo));
    return out;
  }
  const out = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
  memo.set(v, out);
  for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k], memo);
  return out;
}
