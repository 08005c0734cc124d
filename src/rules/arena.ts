/**
 * Reusable column buffers for evaluations. A large evaluation needs over a hundred megabytes of
 * typed arrays; allocated afresh each time, that external memory makes V8 run a full
 * mark-compact of the whole heap (the parsed history included) on every evaluation, which cost
 * more than the evaluation itself. An evaluation borrows the spare arena, takes its columns from
 * it in order, and gives it back; the spare is held by a WeakRef, so a process that stops
 * evaluating large histories gets the memory back at its next full collection.
 */
export class ColumnArena {
  private readonly f64: Float64Array[] = [];
  private readonly u8: Uint8Array[] = [];
  private readonly i32: Int32Array[] = [];
  private nf64 = 0;
  private nu8 = 0;
  private ni32 = 0;

  /** A Float64Array of `n` elements; contents are unspecified (callers write before reading). */
  float64(n: number): Float64Array {
    return take(this.f64, this.nf64++, n, (c) => new Float64Array(c));
  }

  uint8(n: number): Uint8Array {
    return take(this.u8, this.nu8++, n, (c) => new Uint8Array(c));
  }

  int32(n: number): Int32Array {
    return take(this.i32, this.ni32++, n, (c) => new Int32Array(c));
  }

  /** Makes every buffer available again (the columns handed out must no longer be used). */
  reset(): void {
    this.nf64 = 0;
    this.nu8 = 0;
    this.ni32 = 0;
  }
}

function take<A extends Float64Array | Uint8Array | Int32Array>(
  pool: A[],
  i: number,
  n: number,
  make: (capacity: number) => A,
): A {
  let buffer = pool[i];
  if (!buffer || buffer.length < n) {
    // Some headroom, so a history that grows a little does not reallocate every time.
    buffer = make(Math.max(n + (n >>> 3), 16));
    pool[i] = buffer;
  }
  return buffer.subarray(0, n) as A;
}

/** Fresh buffers each time: for timelines that outlive the call that built them. */
export const FRESH_ARENA = {
  float64: (n: number) => new Float64Array(n),
  uint8: (n: number) => new Uint8Array(n),
  int32: (n: number) => new Int32Array(n),
};

export type Columns = Pick<ColumnArena, 'float64' | 'uint8' | 'int32'>;

let spare: WeakRef<ColumnArena> | null = null;

/** Runs `f` with the spare arena (or a new one when it is gone or already in use), then returns it. */
export function withArena<T>(f: (arena: ColumnArena) => T): T {
  const arena = spare?.deref() ?? new ColumnArena();
  spare = null;
  try {
    return f(arena);
  } finally {
    arena.reset();
    spare = new WeakRef(arena);
  }
}
