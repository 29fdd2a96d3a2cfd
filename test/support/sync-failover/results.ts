/**
 * What a failover did to the long-lived connections (the client's LongConnsReport): how many
 * continued, how they failed, and the pause each survivor saw. Pure; shared by the kernel test
 * and the benchmark.
 */
import type { ConnResult, LongConnsReport } from '../../../src/lab/long-conns.js';

/** The outcome of one event (a failover or a failback) for the connections. */
export interface EventOutcome {
  /** Connections still working after the event: not failed before `until`, answered after `at`. */
  survivors: number;
  total: number;
  /** Failure reasons of the others, counted. */
  failures: Record<string, number>;
  /** The pause each survivor saw around the event (ms), longest first; 0 = none above 3 intervals. */
  pausesMs: number[];
}

/** The longest silence of `c` that ends after `at` and starts before `at + horizonMs`, or 0. */
export function pauseAround(c: ConnResult, at: number, horizonMs = 30_000): number {
  let max = 0;
  for (const p of c.pauses) if (p.to > at && p.from < at + horizonMs) max = Math.max(max, p.to - p.from);
  return max;
}

/** Outcome of the event at `at` (epoch ms), judged at `until` (the next event, or the end). */
export function eventOutcome(r: LongConnsReport, at: number, until: number): EventOutcome {
  const failures: Record<string, number> = {};
  const pausesMs: number[] = [];
  let survivors = 0;
  for (const c of r.results) {
    const diedBefore = c.failedAt !== undefined && c.failedAt < until;
    if (!diedBefore && (c.lastAnswerAt ?? 0) > at) {
      survivors++;
      pausesMs.push(pauseAround(c, at));
    } else if (c.failedAt === undefined || c.failedAt >= at) {
      const why = c.failure ?? 'no answer after the event';
      failures[why] = (failures[why] ?? 0) + 1;
    }
  }
  return { survivors, total: r.results.length, failures, pausesMs: pausesMs.sort((a, b) => b - a) };
}

/** Median of a list (0 when empty). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
