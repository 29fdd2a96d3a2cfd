/**
 * The timer side of the engine: one min-heap of due times and ONE clock timer armed for the earliest
 * entry, instead of a timer per probe. A job is a long-lived object; rescheduling it bumps its
 * generation, so stale heap entries are skipped when popped (lazy cancellation, no search).
 * It also measures scheduler lag: how late each entry runs compared with its due time.
 */
import type { Clock } from '../util/clock.js';
import { MinHeap } from './heap.js';

/** Something the scheduler runs, given the clock time it runs at. `gen` is owned by the scheduler (cancel = bump). */
export interface Job {
  run(now: number): void;
  gen: number;
}

/** Jobs run between two reads of the clock when a fire has a budget. */
const BUDGET_STRIDE = 16;

/** Lag samples kept for percentiles. */
const LAG_SAMPLES = 4096;

/** Runs jobs at due times (clock ms) with one underlying timer; records lag per run. */
export class Scheduler {
  private heap = new MinHeap<Job>();
  private armedFor = Infinity;
  private disarm: (() => void) | undefined;
  private lags = new Float64Array(LAG_SAMPLES);
  private lagCount = 0;

  /**
   * `onLag` receives every lag sample (for a histogram). `slackMs` batches wake-ups: a timer fire also
   * runs entries due within the next slackMs, and a new entry due less than slackMs before the armed
   * time does not re-arm. Fewer event-loop wake-ups (and epoll_wait calls) for a bounded earliness.
   */
  constructor(
    private readonly clock: Clock,
    private readonly onLag?: (ms: number) => void,
    private readonly slackMs = 0,
    /**
     * Longest run of jobs in one timer fire, in clock ms (checked every BUDGET_STRIDE jobs): a fire
     * that reaches it re-arms at once and returns, so I/O and other work get the event loop between
     * two runs. Infinity (the default) runs every due job in one fire. When the probes cost more than
     * the machine has, an unbounded fire held the loop for seconds per turn and the daemon's own work
     * (its first pass, a reload) waited minutes; with a budget the probes run late instead.
     */
    private readonly budgetMs = Infinity,
  ) {}

  /** Runs job.run(now) at clock time `due` (at once if past), replacing any earlier schedule of it. */
  at(due: number, job: Job): void {
    this.heap.push(due, job, ++job.gen);
    if (due < this.armedFor - this.slackMs) this.arm(due);
  }

  /** Cancels the pending run of `job`, if any. */
  cancel(job: Job): void {
    job.gen++;
  }

  /** Number of heap entries (including cancelled ones not yet popped). */
  get pending(): number {
    return this.heap.size;
  }

  /** 99th percentile of the most recent 4096 lag samples, in ms (0 before any run). */
  lagP99(): number {
    const n = Math.min(this.lagCount, LAG_SAMPLES);
    if (n === 0) return 0;
    const sorted = this.lags.slice(0, n).sort();
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
    const horizon = now + this.slackMs;
    const bounded = this.budgetMs !== Infinity;
    let ran = 0;
    for (let due = this.heap.peekDue(); due <= horizon; due = this.heap.peekDue()) {
      const gen = this.heap.peekTag();
      const job = this.heap.pop()!;
      if (gen !== job.gen) continue;
      this.record(Math.max(0, now - due));
      job.run(now);
      // over budget: stop here; the timer armed below (delay 0: the rest is due) runs the rest next turn
      if (bounded && ++ran % BUDGET_STRIDE === 0 && this.clock.now() - now >= this.budgetMs) break;
    }
    const next = this.heap.peekDue();
    if (next < this.armedFor) this.arm(next);
  }

  private record(lag: number): void {
    this.lags[this.lagCount % LAG_SAMPLES] = lag;
    this.lagCount++;
    this.onLag?.(lag);
  }
}
