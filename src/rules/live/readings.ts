/**
 * The equity readings a live evaluator still needs (those after its oldest checkpoint, live.ts), in
 * the batch pass's order: by time, a reading at the same instant as an earlier one after it. Two
 * Float64Array columns used from `start`; a reading is named by its global index (readings dropped
 * from the front keep their numbers), so a checkpoint can say how many it holds.
 */
export class ReadingTail {
  private ms = new Float64Array(16);
  private equity = new Float64Array(16);
  private start = 0;
  private end = 0;
  /** Global index of the reading at `start`: how many were dropped. */
  base = 0;

  /** Global index one past the last reading. */
  get count(): number {
    return this.base + this.end - this.start;
  }

  msAt(g: number): number {
    return this.ms[g - this.base + this.start]!;
  }

  equityAt(g: number): number {
    return this.equity[g - this.base + this.start]!;
  }

  /** Inserts a reading after every one not later than it; returns its global index. */
  insert(ms: number, equity: number): number {
    this.room();
    let lo = this.start;
    let hi = this.end;
    if (hi > lo && this.ms[hi - 1]! <= ms) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ms[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.end) {
      this.ms.copyWithin(lo + 1, lo, this.end);
      this.equity.copyWithin(lo + 1, lo, this.end);
    }
    this.ms[lo] = ms;
    this.equity[lo] = equity;
    this.end++;
    return this.base + lo - this.start;
  }

  /** Drops the readings before global index `g`. */
  dropBefore(g: number): void {
    const n = Math.min(g - this.base, this.end - this.start);
    if (n <= 0) return;
    this.start += n;
    this.base += n;
  }

  /** Makes room for one more reading at the end: moves the live range to the front, or doubles. */
  private room(): void {
    if (this.end < this.ms.length) return;
    const live = this.end - this.start;
    const size = live * 2 + 16 <= this.ms.length ? this.ms.length : Math.max(16, live * 2 + 16);
    const ms = size === this.ms.length ? this.ms : new Float64Array(size);
    const equity = size === this.equity.length ? this.equity : new Float64Array(size);
    ms.set(this.ms.subarray(this.start, this.end));
    equity.set(this.equity.subarray(this.start, this.end));
    this.ms = ms;
    this.equity = equity;
    this.start = 0;
    this.end = live;
  }
}
