/**
 * The clock the transaction layer reads time from (STYLE.md habit 6: an injectable clock so that the
 * RFC 3261 §17 timers run instantly in tests).
 *
 * `systemClock` wraps Node's timers (unref'd: pending transaction timers never keep a process alive on
 * their own). `ManualClock` is the test clock: time moves only when `advance()` is called, timers fire in
 * due order (ties in the order they were set), and `pending()` reports what is still armed so a test can
 * assert that a terminated transaction left nothing behind.
 */

/** Opaque handle returned by `Clock.setTimeout`. */
export type TimerHandle = object | number;

export interface Clock {
  /** Milliseconds since an arbitrary epoch, monotonic for the lifetime of the clock. */
  now(): number;
  /** `label` names the timer for diagnostics (the RFC name: "A", "B"…); implementations may ignore it. */
  setTimeout(fn: () => void, ms: number, label?: string): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers and `performance.now()`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
  readonly label: string;
}

/** A clock for tests: nothing happens until `advance()`. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, ManualTimer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number, label = ''): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { id, due: this.#now + Math.max(0, ms), fn, label });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Timers still armed, earliest first: `{ label, due }` (due is absolute clock time). */
  pending(): Array<{ label: string; due: number }> {
    return this.sorted().map((t) => ({ label: t.label, due: t.due }));
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order; timers set by a
   * firing timer are honoured within the same advance when they fall due before its end.
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.sorted()[0];
      if (next === undefined || next.due > end) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = end;
  }

  /** Advances to the next due timer and fires it (and any due at the same instant); false when none. */
  step(): boolean {
    const next = this.sorted()[0];
    if (next === undefined) return false;
    this.advance(next.due - this.#now);
    return true;
  }

  /** Fires timers until none is left (bounded by `maxSteps` against timers that re-arm forever). */
  runAll(maxSteps = 10_000): void {
    for (let i = 0; i < maxSteps && this.step(); i++);
  }

  private sorted(): ManualTimer[] {
    return [...this.#timers.values()].sort((a, b) => a.due - b.due || a.id - b.id);
  }
}
