/**
 * Refuses a NUL character (U+0000) anywhere in a request's path parameters, query or parsed body,
 * with a 400 naming the field. PostgreSQL text cannot hold NUL: a `%00` in an id or a `"\u0000"` in
 * a note reached the database and failed there with "invalid byte sequence for encoding UTF8: 0x00"
 * (a 500), while SQLite stored or matched it — the same request must answer the same in both modes.
 * No field of any route has a use for NUL. Raw bodies (Buffers: signed webhooks) are left to their
 * route, which verifies the exact bytes.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AppError } from './errors.ts';

const MESSAGE = 'must not contain NUL characters (\\u0000)';

export function nulProblem(field: string): AppError {
  return new AppError('validation_failed', `${field}: ${MESSAGE}`, { errors: [{ field, message: MESSAGE }] });
}

/**
 * Whether any string (value or key) holds U+0000: the common answer, no, without building a path
 * per field as findNul does (a quarter of this hook's cost on every request). Iterative.
 */
function holdsNul(root: unknown): boolean {
  if (typeof root === 'string') return root.includes('\u0000');
  if (root === null || typeof root !== 'object') return false;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      for (const item of value) stack.push(item);
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value)) {
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        if (key.includes('\u0000')) return true;
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return false;
}

/** The dotted path of the first string (value or key) holding U+0000, or null. Iterative: bodies may nest deeply. */
export function findNul(root: unknown, prefix: string, rootName: string): string | null {
  if (!holdsNul(root)) return null;
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    const name = () => `${prefix}${path}` || rootName;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return name();
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], path ? `${path}.${i}` : String(i)]);
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value)) {
      for (const key of Object.keys(value)) {
        const child = path ? `${path}.${key}` : key;
        if (key.includes('\u0000')) return `${prefix}${child}`.replaceAll('\u0000', '\\u0000');
        stack.push([(value as Record<string, unknown>)[key], child]);
      }
    }
  }
  return null;
}

export function refuseNulCharacters(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const field =
    findNul(request.params, 'path.', 'path') ??
    findNul(request.query, 'query.', 'query') ??
    findNul(request.body, '', 'body');
  if (field === null) done();
  else done(nulProblem(field));
}
