/**
 * The invalid-config corpus (test/fixtures/config/invalid): every file is rejected, and every
 * `# expect: <key path> :: <message fragment>` line in it matches a reported problem exactly by path.
 * The valid examples (test/fixtures/config/valid and conf/lvsd.example.toml) load.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig, formatProblems } from '../../../src/config/load.js';

const root = join(import.meta.dirname, '../../fixtures/config');
const invalidDir = join(root, 'invalid');
const files = readdirSync(invalidDir).sort();

function expectations(text: string): Array<{ path: string; fragment: string }> {
  return [...text.matchAll(/^# expect: (.*?) :: (.*)$/gm)].map((m) => ({ path: m[1]!.trim(), fragment: m[2]! }));
}

describe('invalid config corpus', () => {
  it('has at least 50 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  for (const f of files) {
    it(`rejects ${f}`, async () => {
      const path = join(invalidDir, f);
      const r = await loadConfigFile(path);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.problems.length).toBeGreaterThan(0);
      for (const p of r.problems) expect(p.message).not.toMatch(/internal error/);
      if (statSync(path).isDirectory()) {
        expect(r.problems[0]!.message).toContain('is a directory, not a file');
        return;
      }
      const exp = expectations(readFileSync(path, 'utf8'));
      expect(exp.length, `${f} has no # expect lines`).toBeGreaterThan(0);
      for (const e of exp) {
        const hit = r.problems.find((p) => p.path === e.path && p.message.includes(e.fragment));
        expect(hit, `${f}: want ${e.path} :: ${e.fragment}\ngot:\n${formatProblems(f, r.problems)}`).toBeDefined();
      }
    });
  }
});

describe('valid examples', () => {
  const valid = readdirSync(join(root, 'valid')).map((f) => join(root, 'valid', f));
  for (const path of [...valid, join(import.meta.dirname, '../../../conf/lvsd.example.toml')]) {
    it(`loads ${path.split('/').slice(-2).join('/')}`, async () => {
      const r = await loadConfigFile(path);
      expect(r.ok ? [] : formatProblems(path, r.problems)).toEqual([]);
    });
  }

  it('reports a problem per key in one pass for a config with many mistakes', () => {
    const r = parseConfig(readFileSync(join(invalidDir, 'many-problems-at-once.toml'), 'utf8'), 'x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.length).toBeGreaterThanOrEqual(5);
  });
});
