import { describe, expect, it } from 'vitest';
import { ColumnArena, withArena } from './arena.ts';

describe('ColumnArena', () => {
  it('hands out columns of the asked length and reuses their buffers after reset', () => {
    const arena = new ColumnArena();
    const a = arena.float64(1000);
    const b = arena.float64(10);
    const flags = arena.uint8(1000);
    expect([a.length, b.length, flags.length]).toEqual([1000, 10, 1000]);
    expect(a.buffer).not.toBe(b.buffer);
    arena.reset();
    // Same order of requests, same buffers: no new memory for the next evaluation.
    expect(arena.float64(900).buffer).toBe(a.buffer);
    expect(arena.float64(10).buffer).toBe(b.buffer);
    expect(arena.uint8(1000).buffer).toBe(flags.buffer);
  });

  it('grows a slot when a later evaluation needs more', () => {
    const arena = new ColumnArena();
    const small = arena.int32(100);
    arena.reset();
    const big = arena.int32(10_000);
    expect(big.length).toBe(10_000);
    expect(big.buffer).not.toBe(small.buffer);
  });
});

describe('withArena', () => {
  it('lends the spare arena again once it is given back, and a fresh one to a nested call', () => {
    let outer: ColumnArena | null = null;
    let inner: ColumnArena | null = null;
    withArena((a) => {
      outer = a;
      withArena((b) => {
        inner = b;
      });
    });
    expect(inner).not.toBe(outer);
    let again: ColumnArena | null = null;
    withArena((a) => {
      again = a;
    });
    expect(again).toBe(outer);
  });

  it('gives the arena back when the evaluation throws', () => {
    let first: ColumnArena | null = null;
    expect(() =>
      withArena((a) => {
        first = a;
        throw new Error('bad history');
      }),
    ).toThrow('bad history');
    let next: ColumnArena | null = null;
    withArena((a) => {
      next = a;
    });
    expect(next).toBe(first);
  });
});
