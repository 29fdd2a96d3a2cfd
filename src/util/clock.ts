/** Time as a dependency: real code uses `systemClock`, tests use a manual clock. */
export interface Clock {
  /** Milliseconds, monotonic (performance.now based for the system clock). */
  now(): number;
  /** Schedules fn after ms; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
  /**
   * Runs fn after the I/O already received in this event-loop turn is handled (libuv runs timers
   * BEFORE polling I/O, so a deadline and the answer it waits for can fire in the same turn). Absent
   * on clocks without an event loop (a manual clock): callers then run fn at once.
   */
  defer?(fn: () => void): void;
}

/** The real clock: monotonic now() and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  defer: (fn) => void setImmediate(fn),
};

/** A clock that only moves when `advance` is called; timers fire in order of due time. */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { due: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const id = ++this.seq;
    this.timers.set(id, { due: this.t + Math.max(0, ms), fn });
    return () => this.timers.delete(id);
  }

  /** Moves time forward by ms, firing every timer due on the way (including ones they schedule). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { due: number; fn: () => void }] | undefined;
      for (const e of this.timers) if (e[1].due <= end && (!next || e[1].due < next[1].due)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].due;
      next[1].fn();
    }
    this.t = end;
  }

  /** Number of pending timers (for assertions). */
  pending(): number {
    return this.timers.size;
  }
}
