/**
 * ConnCheck, the checker of each long-lived connection in the sync failover proof: same backend,
 * answers in order, gaps and pauses measured, the first failure kept.
 */
import { describe, expect, it } from 'vitest';
import { ConnCheck } from '../../../src/lab/long-conns.js';

describe('ConnCheck', () => {
  it('in order from one backend: alive, with the longest gap and the pauses over 3 intervals', () => {
    const c = new ConnCheck(0, 100);
    expect(c.send(1000)).toBe('1\n');
    c.data('b2 1\n', 1010);
    expect(c.send(1100)).toBe('2\n');
    c.send(1200);
    c.data('b2 2\nb2', 1900); // a stall of 890 ms, and half a line
    c.data(' 3\n', 1905);
    expect(c.r).toMatchObject({ backend: 'b2', sent: 3, answered: 3, alive: true, maxGapMs: 890, lastAnswerAt: 1905 });
    expect(c.r.pauses).toEqual([{ from: 1010, to: 1900 }]);
  });

  it('a gap below 3 intervals is not a pause; the first answer counts from the first send', () => {
    const c = new ConnCheck(1, 100);
    c.send(0);
    c.data('b1 1\n', 250);
    expect(c.r.maxGapMs).toBe(250);
    expect(c.r.pauses).toEqual([]);
  });

  it('another backend, a skipped or repeated number, a reset: dead, first reason kept', () => {
    const other = new ConnCheck(2, 100);
    other.send(0);
    other.send(100);
    other.data('b1 1\nb3 2\n', 150);
    expect(other.r).toMatchObject({ alive: false, failure: 'backend b1 then b3', failedAt: 150, answered: 1 });
    other.fail('reset: ECONNRESET', 200);
    expect(other.r.failure).toBe('backend b1 then b3');

    const skipped = new ConnCheck(3, 100);
    skipped.data('b1 2\n', 10);
    expect(skipped.r.failure).toBe('answer 2 after 0');

    const reset = new ConnCheck(4, 100);
    reset.data('b1 1\n', 10);
    reset.fail('reset: ECONNRESET', 20);
    reset.data('b1 2\n', 30);
    expect(reset.r).toMatchObject({ alive: false, failure: 'reset: ECONNRESET', answered: 1 });
  });
});
