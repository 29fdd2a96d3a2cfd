/** The failover outcome of long-lived connections: survivors, failure reasons, pauses around the event. */
import { describe, expect, it } from 'vitest';
import type { ConnResult, LongConnsReport } from '../../../src/lab/long-conns.js';
import { eventOutcome, median, pauseAround, pausesIn } from '../../support/sync-failover/results.js';

const conn = (id: number, p: Partial<ConnResult>): ConnResult => ({
  id,
  sent: 100,
  answered: 100,
  alive: true,
  maxGapMs: 100,
  pauses: [],
  lastAnswerAt: 50_000,
  ...p,
});

const report = (results: ConnResult[]): LongConnsReport => ({
  target: 'x:1',
  conns: results.length,
  intervalMs: 100,
  startedAt: 0,
  endedAt: 50_000,
  results,
});

describe('eventOutcome', () => {
  const r = report([
    conn(0, {
      pauses: [
        { from: 9_950, to: 13_900 },
        { from: 30_000, to: 30_500 },
      ],
    }),
    conn(1, { pauses: [] }),
    conn(2, { alive: false, failure: 'reset: ECONNRESET', failedAt: 14_000, lastAnswerAt: 9_990 }),
    conn(3, {
      alive: false,
      failure: 'reset: ECONNRESET',
      failedAt: 31_000,
      lastAnswerAt: 30_900,
      pauses: [{ from: 9_900, to: 14_100 }],
    }),
  ]);

  it('failover at 10 s judged at the return (25 s): survivors, the reset, pauses', () => {
    expect(eventOutcome(r, 10_000, 25_000)).toEqual({
      survivors: 3,
      total: 4,
      failures: { 'reset: ECONNRESET': 1 },
      pausesMs: [4200, 3950, 0],
    });
  });

  it('failback at 29 s judged at the end: the one that died then; the one dead before is not counted again', () => {
    expect(eventOutcome(r, 29_000, 50_000)).toEqual({
      survivors: 2,
      total: 4,
      failures: { 'reset: ECONNRESET': 1 },
      pausesMs: [500, 0],
    });
  });

  it('a connection that stopped answering without a reset is not a survivor', () => {
    const stuck = report([conn(0, { lastAnswerAt: 9_000 })]);
    expect(eventOutcome(stuck, 10_000, 50_000)).toMatchObject({
      survivors: 0,
      failures: { 'no answer after the event': 1 },
    });
  });

  it('pauses within a window given apart from the event (the failback: around the takeover, not the return)', () => {
    expect(eventOutcome(r, 29_000, 50_000, { from: 29_500, to: 29_900 }).pausesMs).toEqual([0, 0]);
    expect(eventOutcome(r, 29_000, 50_000, { from: 30_400, to: 31_000 }).pausesMs).toEqual([500, 0]);
  });

  it('pausesIn: the stalls of a quiet stretch, for the connections alive at its end', () => {
    expect(pausesIn(r, 0, 20_000)).toEqual([4200, 3950, 0]);
  });

  it('pauseAround and median', () => {
    expect(pauseAround(conn(0, { pauses: [{ from: 1, to: 5 }] }), 10, 20)).toBe(0);
    expect(pauseAround(conn(0, { pauses: [{ from: 1, to: 15 }] }), 10, 20)).toBe(14);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBe(0);
  });
});
