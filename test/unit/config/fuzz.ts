/**
 * Loader fuzz runner (the tests are fuzz-1/fuzz-2.test.ts, 50,000 configs each so the two halves run
 * in parallel on two cores): seeded mutations of the valid examples. parseConfig never throws; it returns
 * either problems (each with a path string and a message, never an internal error) or a config the
 * planner turns into a table that the kernel-like memory dataplane accepts op by op (no partial
 * apply: nothing the validator lets through is refused later).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { plan } from '../../../src/plan/desired.js';
import { NO_ADMIN } from '../../../src/plan/admin.js';
import { diffTables } from '../../../src/plan/diff.js';
import { mutate, prng } from './mutate.js';

const dir = join(import.meta.dirname, '../../fixtures/config/valid');
const seeds = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));

/** Runs `n` mutations from PRNG seed `seed`; throws with the offending text on any violation. */
export async function runFuzz(seed: number, n: number): Promise<void> {
  const N = n;
  {
    const rnd = prng(seed);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let valid = 0,
      invalid = 0,
      applied = 0;
    for (let i = 0; i < N; i++) {
      const text = mutate(seeds[i % seeds.length]!, rnd);
      let r: ReturnType<typeof parseConfig>;
      try {
        r = parseConfig(text, 'fuzz.toml');
      } catch (e) {
        throw new Error(`parseConfig threw on:\n${text}\n${(e as Error).stack}`);
      }
      if (!r.ok) {
        invalid++;
        for (const p of r.problems) {
          if (typeof p.path !== 'string' || !p.message || /internal error/.test(p.message))
            throw new Error(`bad problem ${JSON.stringify(p)} for:\n${text}`);
        }
        continue;
      }
      valid++;
      if (i % 10 !== 0) continue; // apply every 10th valid one: the planner and the kernel fake are slower
      const p = plan({ config: r.config, health: () => undefined, admin: NO_ADMIN, now: 0 });
      const dp = new MemoryDataplane();
      const results = await dp.apply(diffTables({ services: [] }, p.table, new Set()));
      const bad = results.find((x) => !x.ok);
      if (bad && !bad.ok)
        throw new Error(`accepted config refused by the kernel fake (${bad.error.message}):\n${text}`);
      applied++;
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(
      `loader fuzz seed ${seed}: ${N} configs in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (${((N / cpuMs) * 1000).toFixed(0)}/s of CPU): ${valid} valid (${applied} planned and applied), ${invalid} rejected`,
    );
    expect(valid + invalid).toBe(N);
    expect(invalid).toBeGreaterThan(N / 10);
    expect(valid).toBeGreaterThan(N / 100);
  }
}
