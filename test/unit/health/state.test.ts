import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResultRing } from '../../../src/health/ring.js';
import { initialHealth, nextHealth, type Health, type ProbeRecord } from '../../../src/health/state.js';

const rec = (
  ok: boolean,
  at: number,
  detail = ok ? 'HTTP 200 from 10.0.0.2:80/' : 'connect ECONNREFUSED',
  weight?: number,
): ProbeRecord => ({ ok, at, ms: 1, detail, weight });

function feed(h: Health, oks: boolean[], p = { rise: 2, fall: 3 }) {
  const transitions: Array<{ i: number; to: string; reason: string }> = [];
  oks.forEach((ok, i) => {
    const r = nextHealth(h, rec(ok, 1000 + i), p);
    h = r.health;
    if (r.transition) transitions.push({ i, to: r.transition.to, reason: r.transition.reason });
  });
  return { h, transitions };
}

describe('nextHealth', () => {
  it('up goes down only after `fall` consecutive failures, with the reason', () => {
    const { h, transitions } = feed(initialHealth('up', 0), [false, false, true, false, false, false]);
    expect(transitions).toEqual([{ i: 5, to: 'down', reason: 'connect ECONNREFUSED (3 in a row)' }]);
    expect(h).toMatchObject({ state: 'down', since: 1005, failStreak: 3, okStreak: 0, probes: 6 });
  });

  it('down (alpha) goes up only after `rise` consecutive successes', () => {
    const { h, transitions } = feed(initialHealth('down', 0), [true, false, true, true]);
    expect(transitions).toEqual([{ i: 3, to: 'up', reason: 'HTTP 200 from 10.0.0.2:80/ (2 in a row)' }]);
    expect(h.state).toBe('up');
  });

  it('rise 1 / fall 1 flips on each change and says so without a streak suffix', () => {
    const { transitions } = feed(initialHealth('up', 0), [false, true, false], { rise: 1, fall: 1 });
    expect(transitions.map((t) => `${t.to}:${t.reason}`)).toEqual([
      'down:connect ECONNREFUSED',
      'up:HTTP 200 from 10.0.0.2:80/',
      'down:connect ECONNREFUSED',
    ]);
  });

  it('counts every probe', () => {
    let h = initialHealth('up', 0);
    for (let i = 0; i < 15; i++) h = nextHealth(h, rec(i % 2 === 0, i), { rise: 1, fall: 100 }).health;
    expect(h.probes).toBe(15);
  });

  it('is pure: the input health is not modified', () => {
    const h0 = initialHealth('up', 0);
    const copy = structuredClone(h0);
    nextHealth(h0, rec(false, 1), { rise: 1, fall: 1 });
    expect(h0).toEqual(copy);
  });

  it('reports a dynamic weight change while up as a weight-only transition', () => {
    let h = initialHealth('up', 0);
    const a = nextHealth(h, rec(true, 1, 'script exited 7 (weight 5)', 5), { rise: 1, fall: 1 });
    expect(a.transition).toEqual({ from: 'up', to: 'up', reason: 'weight 5: script exited 7 (weight 5)', weight: 5 });
    h = a.health;
    expect(nextHealth(h, rec(true, 2, 'script exited 0'), { rise: 1, fall: 1 }).transition).toBeUndefined();
    expect(nextHealth(h, rec(true, 2, 'same', 5), { rise: 1, fall: 1 }).transition).toBeUndefined();
  });

  it('initial reasons say whether the state is proven', () => {
    expect(initialHealth('down', 5)).toMatchObject({
      state: 'down',
      since: 5,
      reason: expect.stringMatching(/until proven/),
    });
    expect(initialHealth('up', 5).reason).toMatch(/not yet checked/);
  });

  it('no longer says "not yet checked" once checked, without a transition (hundreds of probes later)', () => {
    const p = { rise: 2, fall: 3 };
    let h = nextHealth(initialHealth('up', 5), rec(true, 6, 'HTTP 200'), p).health;
    expect(h.reason).toBe('initial state up; first check passed: HTTP 200');
    for (let i = 0; i < 300; i++) h = nextHealth(h, rec(true, 7 + i, 'HTTP 200'), p).health;
    expect(h).toMatchObject({ state: 'up', since: 5, reason: 'initial state up; first check passed: HTTP 200' });
    const failedFirst = nextHealth(initialHealth('up', 5), rec(false, 6, 'connection refused'), p);
    expect(failedFirst.transition).toBeUndefined();
    expect(failedFirst.health.reason).toBe('initial state up; first check failed: connection refused');
    // a verdict change still replaces the reason with its own
    const down = nextHealth(failedFirst.health, rec(false, 7, 'connection refused'), { rise: 1, fall: 2 });
    expect(down.transition?.reason).toBe('connection refused (2 in a row)');
  });
});

describe('ResultRing', () => {
  it('keeps the most recent results, oldest first, as copies', () => {
    const ring = new ResultRing(4);
    expect(ring.toArray()).toEqual([]);
    ring.push(true, 1, 5, 'a');
    ring.push(false, 2, 6, 'b');
    expect(ring.toArray()).toEqual([
      { ok: true, at: 1, ms: 5, detail: 'a' },
      { ok: false, at: 2, ms: 6, detail: 'b' },
    ]);
    for (let i = 3; i <= 15; i++) ring.push(i % 2 === 0, i, 1, `r${i}`);
    const out = ring.toArray();
    expect(out.map((r) => r.at)).toEqual([12, 13, 14, 15]);
    out[0].detail = 'changed by the caller';
    expect(ring.toArray()[0].detail).toBe('r12');
    expect(ring.length).toBe(4);
  });

  it('rejects a size below 1', () => {
    expect(() => new ResultRing(0)).toThrow(/at least 1/);
  });

  it('rings cut from shared slabs keep their own results (property, against a plain list)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.double({ noNaN: true })), { maxLength: 400 }),
        (sizes, pushes) => {
          const rings = sizes.map((n) => new ResultRing(n));
          const model = sizes.map(() => [] as Array<{ ok: boolean; at: number; ms: number; detail: string }>);
          pushes.forEach(([k, ok, at], i) => {
            const r = k % rings.length;
            rings[r]!.push(ok, at, i, `d${i}`);
            model[r]!.push({ ok, at, ms: i, detail: `d${i}` });
          });
          rings.forEach((ring, r) => expect(ring.toArray()).toEqual(model[r]!.slice(-sizes[r]!)));
        },
      ),
    );
  });
});
