/**
 * The corpus: every case imports to its golden TOML and golden findings, every golden TOML passes
 * lvsd's validator (what `lvsd --check` runs), and the exit code follows the findings.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { CASES, CORPUS_DIR, findingsText, golden, importCase } from './corpus.js';

const update = process.env.UPDATE_GOLDEN === '1';

describe('keepalived corpus → golden lvsd TOML and findings', () => {
  for (const k of CASES) {
    it(`${k.conf} (config id ${k.configId})`, () => {
      const r = importCase(k);
      const findings = findingsText(r);
      if (update) {
        writeFileSync(join(CORPUS_DIR, `${k.golden}.findings`), findings);
        if (r.exitCode !== 2) writeFileSync(join(CORPUS_DIR, `${k.golden}.toml`), r.toml);
      }
      expect(findings).toBe(golden(`${k.golden}.findings`));
      if (r.exitCode === 2) {
        expect(golden(`${k.golden}.toml`), 'an unreadable input has no output').toBeUndefined();
        expect(r.error).toMatch(/^[^:]+:\d+: |^cannot read /);
        return;
      }
      expect(r.toml).toBe(golden(`${k.golden}.toml`));
      const check = parseConfig(golden(`${k.golden}.toml`)!, k.golden);
      expect(check.ok, JSON.stringify(!check.ok && check.problems)).toBe(true);
      expect(r.exitCode).toBe(r.findings.length ? 3 : 0);
    });
  }

  it('covers exit 0, 3 and 2', () => {
    const codes = new Set(CASES.map((k) => importCase(k).exitCode));
    expect([...codes].sort()).toEqual([0, 2, 3]);
  });
});
