/**
 * The fuzz benchmark's targets (bench/fuzz/targets.ts) at 10^4 mutated inputs each, so CI runs every
 * decoder that takes outside bytes against malformed input; `node dist/bench/fuzz.js` runs 10^6.
 * LVSD_FUZZ_DECODERS_N overrides the count. The config loader also has its own 2 × 50,000 (fuzz-1/2).
 */
import { describe, expect, it } from 'vitest';
import { runTarget } from '../../../bench/fuzz/run.js';
import { TARGETS } from '../../../bench/fuzz/targets.js';

const N = Number(process.env.LVSD_FUZZ_DECODERS_N ?? 10_000);

describe(`decoders under ${N} mutated inputs each`, () => {
  for (const t of TARGETS)
    it(`${t.name}: no uncaught exception; mutations both accepted and rejected`, () => {
      const r = runTarget(t, t.name === 'config loader' ? Math.min(N, 2000) : N, 7);
      expect(r.findings.map((f) => `input ${f.index} (${f.hex.slice(0, 200)}): ${f.error}`)).toEqual([]);
      expect(r.exceptions).toBe(0);
      expect(r.accepted + r.rejected).toBe(r.inputs);
      expect(r.accepted).toBeGreaterThan(0);
      expect(r.rejected).toBeGreaterThan(0);
    }, 120_000);
});
