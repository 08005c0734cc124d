/**
 * JSON with object keys sorted at every depth, so equal values give equal bytes whatever order
 * their keys were built in: the input of the audit chain's hashes and of idempotency fingerprints.
 * `undefined` is written as `null`, as a stored row reads it back, so a hash made before a write
 * matches the one made from the row read later.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
