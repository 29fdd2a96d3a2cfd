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

/** The longest silence of `c` that overlaps [from, to] (epoch ms), or 0. */
export function pauseAround(c: ConnResult, from: number, to: number): number {
  let max = 0;
  for (const p of c.pauses) if (p.to > from && p.from < to) max = Math.max(max, p.to - p.from);
  return max;
}

/** The longest silence each connection alive at `to` saw within [from, to], longest first: the stalls of a quiet stretch. */
export function pausesIn(r: LongConnsReport, from: number, to: number): number[] {
  return r.results
    .filter((c) => c.failedAt === undefined || c.failedAt >= to)
    .map((c) => pauseAround(c, from, to))
    .sort((a, b) => b - a);
}

/**
 * Outcome of the event at `at` (epoch ms), judged at `until` (the next event, or the end); the
 * pauses are those overlapping `window` (default: from `at` to 30 s after).
 */
export function eventOutcome(
  r: LongConnsReport,
  at: number,
  until: number,
  window: { from: number; to: number } = { from: at, to: at + 30_000 },
): EventOutcome {
  const failures: Record<string, number> = {};
  const pausesMs: number[] = [];
  let survivors = 0;
  for (const c of r.results) {
    const diedBefore = c.failedAt !== undefined && c.failedAt < until;
    if (!diedBefore && (c.lastAnswerAt ?? 0) > at) {
      survivors++;
      pausesMs.push(pauseAround(c, window.from, window.to));
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
