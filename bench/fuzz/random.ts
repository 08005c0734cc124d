/** Seeded randomness (mulberry32): the same FUZZ_SEED gives the same request sequence. */
export interface Random {
  rand(): number;
  chance(p: number): boolean;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  function rand(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const chance = (p: number) => rand() < p;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  function pick<T>(items: readonly T[]): T {
    return items[Math.floor(rand() * items.length)]!;
  }
  return { rand, chance, int, pick };
}
