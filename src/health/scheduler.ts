/**
 * The timer side of the engine: one min-heap of due times and ONE clock timer armed for the earliest
 * entry, instead of a timer per probe. Cancellation is lazy (a cancelled entry is skipped when popped).
 * It also measures scheduler lag: how late each entry runs compared with its due time.
 */
import type { Clock } from '../util/clock.js';
import { MinHeap } from './heap.js';

/** A scheduled callback; `cancel()` makes a pending run a no-op. */
export interface Scheduled {
  cancel(): void;
}

interface Job {
  fn: (lagMs: number) => void;
  live: boolean;
}

/** Lag samples kept for percentiles. */
const LAG_SAMPLES = 4096;

/** Runs callbacks at due times (clock ms) with one underlying timer; records lag per run. */
export class Scheduler {
  private heap = new MinHeap<Job>();
  private armedFor = Infinity;
  private disarm: (() => void) | undefined;
  private lags = new Float64Array(LAG_SAMPLES);
  private lagCount = 0;
  private onLag: ((ms: number) => void) | undefined;

  /** `onLag` receives every lag sample (for a histogram). */
  constructor(private readonly clock: Clock, onLag?: (ms: number) => void) {
    this.onLag = onLag;
  }

  /** Calls fn(lagMs) at clock time `due` (or as soon as possible if already past). */
  at(due: number, fn: (lagMs: number) => void): Scheduled {
    const job: Job = { fn, live: true };
    this.heap.push(due, job);
    if (due < this.armedFor) this.arm(due);
    return { cancel: () => void (job.live = false) };
  }

  /** Number of pending entries (including cancelled ones not yet popped). */
  get pending(): number {
    return this.heap.size;
  }

  /** 99th percentile of the recent lag samples, in ms (0 before any run). */
  lagP99(): number {
    const n = Math.min(this.lagCount, LAG_SAMPLES);
    if (n === 0) return 0;
    const sorted = Array.from(this.lags.subarray(0, n)).sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.floor(n * 0.99))];
  }

  /** Cancels the timer and drops every entry. */
  stop(): void {
    this.disarm?.();
    this.disarm = undefined;
    this.armedFor = Infinity;
    this.heap = new MinHeap<Job>();
  }

  private arm(due: number): void {
    this.disarm?.();
    this.armedFor = due;
    this.disarm = this.clock.setTimeout(() => this.fire(), Math.max(0, due - this.clock.now()));
  }

  private fire(): void {
    this.disarm = undefined;
    this.armedFor = Infinity;
    const now = this.clock.now();
    for (let e = this.heap.peek(); e && e.due <= now; e = this.heap.peek()) {
      this.heap.pop();
      if (!e.item.live) continue;
      const lag = now - e.due;
      this.record(lag);
      e.item.fn(lag);
    }
    const next = this.heap.peek();
    if (next && next.due < this.armedFor) this.arm(next.due);
  }

  private record(lag: number): void {
    this.lags[this.lagCount % LAG_SAMPLES] = lag;
    this.lagCount++;
    this.onLag?.(lag);
  }
}
