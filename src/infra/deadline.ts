/**
 * A signal that aborts after `ms` with a TimeoutError, as AbortSignal.timeout's does, and whose timer
 * ends as soon as the work does (`clear`). AbortSignal.timeout keeps each timer, and its signal, until
 * it would fire: at hundreds of checks a second and a 30 s timeout, tens of thousands of them wait,
 * and making one cost about twice a controller and a timer of our own (Node 20).
 */
export interface Deadline {
  signal: AbortSignal;
  /** Stops the timer; the signal stays as it is. */
  clear(): void;
}

export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  // As AbortSignal.timeout's: a pending deadline does not keep the process alive.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Runs `work` under a deadline of `ms`, ending its timer when the work settles. */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(ms);
  try {
    return await work(d.signal);
  } finally {
    d.clear();
  }
}
