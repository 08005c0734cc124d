/**
 * Open positions by position id while the timeline is built: an open-addressing hash table over
 * typed arrays (linear probing, backward-shift deletion, no tombstones). A Map costs about five
 * times as much per deal at a million deals, and only a handful of positions are open at once.
 */
export class PositionTable {
  private keys: Float64Array;
  /** Index of the position's trade in the trade columns; -1 marks an empty slot. */
  private trade: Int32Array;
  /** Open volume in 1e-8 lots. */
  private volume: Float64Array;
  private mask: number;
  private bits: number;
  private size = 0;

  constructor(bits = 6) {
    this.bits = bits;
    this.mask = (1 << bits) - 1;
    this.keys = new Float64Array(1 << bits);
    this.trade = new Int32Array(1 << bits).fill(-1);
    this.volume = new Float64Array(1 << bits);
  }

  private home(id: number): number {
    return Math.imul((id | 0) ^ ((id / 4294967296) | 0), 0x9e3779b1) >>> (32 - this.bits);
  }

  /** Slot holding `id`, or -1. */
  find(id: number): number {
    const { keys, trade, mask } = this;
    for (let i = this.home(id); ; i = (i + 1) & mask) {
      if (trade[i] === -1) return -1;
      if (keys[i] === id) return i;
    }
  }

  tradeAt(slot: number): number {
    return this.trade[slot]!;
  }

  volumeAt(slot: number): number {
    return this.volume[slot]!;
  }

  setVolume(slot: number, volume: number): void {
    this.volume[slot] = volume;
  }

  /** Adds `id` (not present) and returns its slot. */
  insert(id: number, tradeIndex: number, volume: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const { keys, trade, mask } = this;
    let i = this.home(id);
    while (trade[i] !== -1) i = (i + 1) & mask;
    keys[i] = id;
    trade[i] = tradeIndex;
    this.volume[i] = volume;
    this.size++;
    return i;
  }

  /** Empties a slot and shifts back the entries of its probe run that may no longer be reachable. */
  remove(slot: number): void {
    const { keys, trade, volume, mask } = this;
    let hole = slot;
    for (let i = (slot + 1) & mask; trade[i] !== -1; i = (i + 1) & mask) {
      const home = this.home(keys[i]!);
      // The entry at i may move to the hole unless its home lies cyclically in (hole, i].
      const reachable = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (reachable) continue;
      keys[hole] = keys[i]!;
      trade[hole] = trade[i]!;
      volume[hole] = volume[i]!;
      hole = i;
    }
    trade[hole] = -1;
    this.size--;
  }

  private grow(): void {
    const { keys, trade, volume } = this;
    this.bits++;
    this.mask = (1 << this.bits) - 1;
    this.keys = new Float64Array(1 << this.bits);
    this.trade = new Int32Array(1 << this.bits).fill(-1);
    this.volume = new Float64Array(1 << this.bits);
    this.size = 0;
    for (let i = 0; i < trade.length; i++) if (trade[i] !== -1) this.insert(keys[i]!, trade[i]!, volume[i]!);
  }
}
