/** Loader fuzz, half 1 of 2: 50,000 mutated configs (seed 1); see fuzz.ts. LVSD_FUZZ_N overrides the count. */
import { describe, expect, it } from 'vitest';
import { runFuzz } from './fuzz.js';

const N = Number(process.env.LVSD_FUZZ_N ?? 50_000);

describe('loader fuzz', () => {
  it(`${N} mutated configs (seed 1) yield only problems or valid configs, never an exception`, () => {
    expect.assertions(3); // runFuzz's closing checks (counts of valid and rejected configs) must all run
    return runFuzz(0x1f5d + 1, N);
  }, 600_000);
});
