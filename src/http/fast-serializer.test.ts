import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fastSerializerCompiler } from './fast-serializer.ts';

const schema = z.object({
  balance: z.number(),
  margin_level: z.number().nullable(),
  positions: z.array(z.object({ ticket: z.number(), sl: z.number().nullable() })),
  statistics: z.record(z.string(), z.unknown()),
});
const serialize = fastSerializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' });

describe('fastSerializerCompiler', () => {
  it('writes exactly the schema’s fields, nulls included, and drops anything else', () => {
    const out = serialize({
      balance: 100.25,
      margin_level: null,
      positions: [{ ticket: 7, sl: null, password: 'x' }],
      statistics: { trades: 3, name: 'a' },
      secret: 's',
    });
    expect(JSON.parse(out)).toEqual({
      balance: 100.25,
      margin_level: null,
      positions: [{ ticket: 7, sl: null }],
      statistics: { trades: 3, name: 'a' },
    });
    expect(out).not.toContain('secret');
    expect(out).not.toContain('password');
  });

  it('refuses an answer that lacks a required field', () => {
    expect(() => serialize({ margin_level: 1, positions: [], statistics: {} })).toThrow(/balance/);
  });
});
