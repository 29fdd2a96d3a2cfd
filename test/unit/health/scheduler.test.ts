import { describe, expect, it } from 'vitest';
import { type Job, Scheduler } from '../../../src/health/scheduler.js';
import { ManualClock } from '../../../src/util/clock.js';
import fc from 'fast-check';

const job = (log: string[], name: string, clock: ManualClock): Job => ({
  gen: 0,
  run: (now) => void log.push(`${name}@${now}/${clock.pending()}`),
});

describe('Scheduler (one timer, min-heap)', () => {
  it('runs jobs in due order with ONE pending clock timer at a time', () => {
    const clock = new ManualClock();
    const s = new Scheduler(clock);
    const log: string[] = [];
    s.at(30, job(log, 'c', clock));
    s.at(10, job(log, 'a', clock));
    s.at(20, job(log, 'b', clock));
    expect(clock.pending()).toBeLessThanOrEqual(2); // re-arming cancels the previous timer
    clock.advance(100);
    expect(log.map((l) => l.split('/')[0])).toEqual(['a@10', 'b@20', 'c@30']);
  });

  it('rescheduling a job replaces its earlier schedule; cancel drops it', () => {
    const clock = new ManualClock();
    const s = new Scheduler(clock);
    const log: string[] = [];
    const a = job(log, 'a', clock);
    const b = job(log, 'b', clock);
    s.at(10, a);
    s.at(50, a);
    s.at(20, b);
    s.cancel(b);
    clock.advance(100);
    expect(log.map((l) => l.split('/')[0])).toEqual(['a@50']);
  });

  it('with slack, one wake-up runs everything due within the window (never late)', () => {
    const clock = new ManualClock();
    const s = new Scheduler(clock, undefined, 5);
    const log: string[] = [];
    for (const [n, t] of [
      ['a', 10],
      ['b', 12],
      ['c', 15],
      ['d', 16],
    ] as const)
      s.at(t, job(log, n, clock));
    clock.advance(100);
    expect(log.map((l) => l.split('/')[0])).toEqual(['a@10', 'b@10', 'c@10', 'd@16']);
    expect(s.lagP99()).toBe(0);
  });

  it('lag is how late a job ran; p99 over recent samples', () => {
    const clock = new ManualClock();
    const late = { now: () => clock.now(), setTimeout: (fn: () => void, ms: number) => clock.setTimeout(fn, ms + 7) };
    const samples: number[] = [];
    const s = new Scheduler(late, (ms) => samples.push(ms));
    s.at(10, { gen: 0, run: () => {} });
    clock.advance(50);
    expect(samples).toEqual([7]);
    expect(s.lagP99()).toBe(7);
  });

  it('property: every live job runs exactly once, in nondecreasing due order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }), (dues) => {
        const clock = new ManualClock();
        const s = new Scheduler(clock);
        const ran: number[] = [];
        dues.forEach((d) => s.at(d, { gen: 0, run: () => void ran.push(d) }));
        clock.advance(2000);
        expect(ran).toEqual([...dues].sort((x, y) => x - y));
      }),
    );
  });

  it('with a budget, a fire stops after budgetMs of jobs and the rest run on the next turn', () => {
    // a clock where each job takes 1 ms; timers are collected and fired by hand, one per "turn"
    let t = 0;
    const timers: Array<{ fn: () => void; at: number }> = [];
    const clock = {
      now: () => t,
      setTimeout: (fn: () => void, ms: number) => {
        const e = { fn, at: t + ms };
        timers.push(e);
        return () => timers.splice(timers.indexOf(e) >>> 0, 1);
      },
    };
    const perFire = (budget: number) => {
      t = 0;
      timers.length = 0;
      const s = new Scheduler(clock, undefined, 0, budget);
      const ran: number[] = [];
      let fire = 0;
      for (let i = 0; i < 100; i++) s.at(0, { gen: 0, run: () => (t++, ran.push(fire)) });
      while (timers.length) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift()!;
        fire++;
        next.fn();
      }
      const counts = new Map<number, number>();
      for (const f of ran) counts.set(f, (counts.get(f) ?? 0) + 1);
      return { total: ran.length, fires: [...counts.values()] };
    };
    const unbounded = perFire(Infinity);
    expect(unbounded).toEqual({ total: 100, fires: [100] }); // contrast: every due job in one fire
    const bounded = perFire(10);
    expect(bounded.total).toBe(100);
    expect(bounded.fires.length).toBeGreaterThan(3);
    expect(Math.max(...bounded.fires)).toBeLessThanOrEqual(16); // checked every 16 jobs
  });
});
