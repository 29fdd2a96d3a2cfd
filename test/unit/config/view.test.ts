/**
 * The cross-field rules' two views of a file (src/config/view.ts) agree: on every mutated example
 * whose fields are all valid, the view built from the validated tables equals the one built field by
 * field from the file (the reference), and the rules find the same problems in both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { crossRules } from '../../../src/config/rules.js';
import { parseFields } from '../../../src/config/validate.js';
import { viewOfFile, viewOfValid, type FileView, type Seen } from '../../../src/config/view.js';
import { mutate, prng } from './mutate.js';

const dir = join(import.meta.dirname, '../../fixtures/config/valid');
const seeds = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));

/** The fields the rules read, without keys whose value is undefined. */
function table<T>(s: Seen<T>): unknown {
  const skip = new Set(['check', 'real_server', 'scheduler_flags', 'track_virtual_server']);
  const v = Object.fromEntries(Object.entries(s.v).filter(([k, x]) => x !== undefined && !skip.has(k)));
  return { v, given: [...s.given].sort(), at: s.at };
}

function comparable(f: FileView): unknown {
  return {
    virtual_server: f.virtual_server.map((vs) => ({
      ...(table(vs) as object),
      real_server: vs.real_server.map(table),
      scheduler_flags: vs.scheduler_flags,
    })),
    vrrp_instance: f.vrrp_instance.map((vi) => ({
      ...(table(vi) as object),
      track_virtual_server: vi.track_virtual_server,
    })),
  };
}

describe('config view: from the validated tables = field by field', () => {
  it('on the mutated examples (8,000) whose fields are valid, and the rules agree', () => {
    const rnd = prng(18);
    let compared = 0,
      withProblems = 0;
    for (let i = 0; i < 8000; i++) {
      let raw: unknown;
      try {
        raw = parseToml(mutate(seeds[i % seeds.length]!, rnd));
      } catch {
        continue;
      }
      const { merged, plain, parsed } = parseFields(raw);
      if (!parsed.success) continue;
      const fast = viewOfValid(parsed.data, plain, merged);
      const reference = viewOfFile(merged);
      expect(comparable(fast)).toEqual(comparable(reference));
      const problems = crossRules(fast);
      expect(problems).toEqual(crossRules(reference));
      compared++;
      if (problems.length) withProblems++;
    }
    console.log(`config view: ${compared} files with valid fields compared, ${withProblems} with cross-field problems`);
    expect(compared).toBeGreaterThan(800);
    expect(withProblems).toBeGreaterThan(20); // the rules had something to find
  });
});
