import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PositionTable } from './position-table.ts';

/** Operations on a few ids (many collisions, probe runs wrapping the table) and some above 2^32. */
const idArb = fc.oneof(
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 2 ** 32, max: 2 ** 32 + 40 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
);
const opArb = fc.tuple(fc.constantFrom('insert', 'remove', 'volume'), idArb, fc.integer({ min: 0, max: 1e9 }));

describe('PositionTable', () => {
  it('behaves like a Map under any sequence of inserts, removals and volume updates (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), fc.integer({ min: 1, max: 6 }), (ops, bits) => {
        const table = new PositionTable(bits);
        const model = new Map<number, { trade: number; volume: number }>();
        ops.forEach(([op, id, volume], n) => {
          const slot = table.find(id);
          expect(slot >= 0).toBe(model.has(id));
          if (op === 'insert' && slot < 0) {
            table.insert(id, n, volume);
            model.set(id, { trade: n, volume });
          } else if (op === 'remove' && slot >= 0) {
            table.remove(slot);
            model.delete(id);
          } else if (op === 'volume' && slot >= 0) {
            table.setVolume(slot, volume);
            model.get(id)!.volume = volume;
          }
          // Every id the model holds is still found, with its trade and volume.
          for (const [key, v] of model) {
            const s = table.find(key);
            expect(s).toBeGreaterThanOrEqual(0);
            expect([table.tradeAt(s), table.volumeAt(s)]).toEqual([v.trade, v.volume]);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
