/**
 * Runs one fuzz target over `n` mutated inputs and counts what became of them. An exception the
 * decoder's contract does not name is recorded (the first few with the input, in hex) instead of
 * stopping the run, so one pass reports every kind of crash.
 */
import { mutate, xorshift } from './mutate.js';
import type { FuzzTarget } from './targets.js';

/** Counts and timing of one target's run. */
export interface FuzzReport {
  target: string;
  inputs: number;
  accepted: number;
  rejected: number;
  exceptions: number;
  /** The first exceptions: input index, input bytes (hex) and the error. */
  findings: Array<{ index: number; hex: string; error: string }>;
  wallMs: number;
  cpuMs: number;
}

/** Mutates the target's seeds `n` times from PRNG seed `seed` and runs each input. */
export function runTarget(t: FuzzTarget, n: number, seed = 1): FuzzReport {
  const r = xorshift(seed);
  const seeds = t.seeds();
  if (seeds.length === 0) throw new Error(`fuzz target ${t.name} has no seeds`);
  const dict = (t.dict ?? []).map((s) => Buffer.from(s, 'utf8'));
  const rep: FuzzReport = {
    target: t.name,
    inputs: n,
    accepted: 0,
    rejected: 0,
    exceptions: 0,
    findings: [],
    wallMs: 0,
    cpuMs: 0,
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = seeds[r() % seeds.length]!;
    const input = t.mutate && r() % 2 === 0 ? t.mutate(s, r) : mutate(r, s, seeds, dict);
    try {
      rep[t.run(input, r)]++;
    } catch (e) {
      rep.exceptions++;
      if (rep.findings.length < 5)
        rep.findings.push({
          index: i,
          hex: input.subarray(0, 4096).toString('hex'),
          error: (e as Error)?.stack ?? String(e),
        });
    }
  }
  rep.wallMs = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  rep.cpuMs = (c.user + c.system) / 1000;
  return rep;
}
