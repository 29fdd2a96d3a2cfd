/**
 * Kernel tier: N active directors behind ECMP, in one user-mode Linux guest (src/lab/ecmp/): a BIRD
 * router with kernel ECMP over 3 directors (each lvsd, announcing the VIP into table 100 while its
 * TCP checks pass, + BIRD exporting it; IPVS direct routing), 4 backends, a client
 * with 300 long-lived flows. Spread: each director takes ≥ 20% of the new connections. Survival:
 * director 2 leaves (SIGTERM, then a crash) and returns; with mh + mh-port + sloppy_tcp ≥ 99% of
 * the flows continue on the same backend every time. Contrast: with wrr the moved flows break.
 */
import { describe, expect, it } from 'vitest';
import { runEcmp, type EcmpRun } from '../../src/lab/ecmp/run.js';
import { hasRoot } from '../support/root.js';

const MODE = 'lvsd' as const;

function explain(r: EcmpRun): string {
  return `${JSON.stringify(r.result, null, 1)}\n--- guest log ---\n${r.log.slice(-3000)}`;
}

describe.skipIf(!hasRoot('kernel: ECMP over 3 directors'))('kernel: ECMP over 3 directors', () => {
  it('mh keeps >= 99% of 300 flows through a director leaving and returning; wrr breaks the moved ones', async () => {
    const [mh, wrr] = await Promise.all([
      runEcmp({ mode: MODE, scheduler: 'mh', flows: 300, periodMs: 500 }),
      runEcmp({ mode: MODE, scheduler: 'wrr', flows: 300, periodMs: 500 }),
    ]);
    expect(mh.ok, explain(mh)).toBe(true);
    const m = mh.result!;
    expect(m.pathDrops, `a BGP session flapped while the flows opened: ${explain(mh)}`).toBe(0);
    expect(Object.keys(m.shares)).toEqual(['d1', 'd2', 'd3']);
    for (const [d, share] of Object.entries(m.shares)) expect(share, `${d}'s share`).toBeGreaterThanOrEqual(0.2);
    expect(m.phases.map((p) => p.name)).toEqual(['d2 SIGTERM', 'd2 back', 'd2 crash', 'd2 back after crash']);
    expect(m.phases.map((p) => p.paths)).toEqual([2, 3, 2, 3]);
    for (const p of m.phases) {
      expect(p.before, p.name).toBeGreaterThanOrEqual(297);
      expect(p.ratio, `${p.name}: ${JSON.stringify(p)}`).toBeGreaterThanOrEqual(0.99);
    }

    expect(wrr.result, explain(wrr)).toBeDefined();
    const w = wrr.result!;
    expect(w.error, explain(wrr)).toBeUndefined();
    const first = w.phases[0];
    expect(first.name).toBe('d2 SIGTERM');
    // About a third of the flows moved to another director, which picked its own backend: reset.
    expect(first.ratio, JSON.stringify(first)).toBeLessThan(0.9);
    expect(first.reasons.ECONNRESET ?? 0).toBeGreaterThan(0);
  });
});
