/**
 * Round-trip safety (fast-check): keepalived configs from the corpus, mutated line by line (lines
 * deleted, duplicated, swapped; words replaced by keywords, braces, quotes, definitions, ~SEQ,
 * includes, odd numbers and addresses), never make the importer throw. Each import either stops
 * with an error naming FILE:LINE (exit 2) or writes TOML that lvsd's validator accepts (exit 0/3),
 * whose findings all name a file and a line. LVSD_KA_FUZZ_N sets the number of runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { importKeepalived } from '../../../src/keepalived/import.js';
import { allKeywords } from '../../../src/keepalived/keywords.js';
import { CASES, CORPUS_DIR } from './corpus.js';
import { memFs } from './memfs.js';

const RUNS = Number(process.env.LVSD_KA_FUZZ_N ?? 3000);
const ROOT = '/ka';
const INCLUDED = {
  [`${ROOT}/conf.d/a.conf`]: 'global_defs {\n router_id inc\n}\n',
  [`${ROOT}/conf.d/b.conf`]: 'virtual_server 10.0.0.9 80 {\n real_server 10.0.1.9 80 {\n TCP_CHECK {\n }\n }\n}\n',
};

const sources = CASES.filter((k) => !k.conf.includes('/')).map((k) => readFileSync(join(CORPUS_DIR, k.conf), 'utf8'));
const keywords = [...new Set(allKeywords().map((k) => k.keyword))];
const odd = [
  '{',
  '}',
  '{ }',
  '"',
  '"a b"',
  "'",
  '\\',
  '!',
  '#',
  '$X=1',
  '$X= \\',
  '$X',
  '${X}',
  '${_RANDOM 1 5}',
  '${_ENV HOME}',
  '${_INSTANCE}',
  '@lb1',
  '@^lb1',
  '@',
  '~SEQ(N, 1, 3)',
  '~SEQx(N, 0x9, 0xc)',
  '~SEQ(N, 3, 1, 5)',
  '~LST(A, 1, 2)',
  '~LST({A, B}, {1, 2})',
  'include conf.d/*.conf',
  'includea nothere.conf',
  'include',
  '0',
  '-1',
  '1.5',
  '0.0000001',
  '255',
  '256',
  '65536',
  '4294967296',
  '99999999999999999999',
  '10.0.0.1',
  '::1',
  'fd00::1/64',
  '256.1.1.1',
  '10.0.0.1-3',
  '10.0.0.0/30',
  '10.0.0.1/33',
  'fe80::1-ff',
  'fwmark',
  'group',
  'TUN',
  'DR',
  'NAT',
  'type',
  'gue',
  'port',
  'MASTER',
  'PASS',
  'AH',
  'X5',
  'weight',
  'reverse',
  '/bin/true',
  '"/bin/x \'a b\' \\x41"',
];
const word = fc.oneof(fc.constantFrom(...keywords), fc.constantFrom(...odd), fc.string({ maxLength: 6 }));

type Edit =
  | { op: 'delete' | 'dup'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'word'; at: number; pos: number; word: string }
  | { op: 'insert'; at: number; words: string[] };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constantFrom<'delete' | 'dup'>('delete', 'dup'), at: fc.nat() }),
  fc.record({ op: fc.constant<'swap'>('swap'), at: fc.nat(), with: fc.nat() }),
  fc.record({ op: fc.constant<'word'>('word'), at: fc.nat(), pos: fc.nat(4), word }),
  fc.record({
    op: fc.constant<'insert'>('insert'),
    at: fc.nat(),
    words: fc.array(word, { minLength: 1, maxLength: 4 }),
  }),
);

function mutate(text: string, edits: Edit[]): string {
  const lines = text.split('\n');
  for (const e of edits) {
    const i = e.at % Math.max(1, lines.length);
    if (e.op === 'delete') lines.splice(i, 1);
    else if (e.op === 'dup') lines.splice(i, 0, lines[i] ?? '');
    else if (e.op === 'swap') {
      const j = e.with % Math.max(1, lines.length);
      [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
    } else if (e.op === 'word') {
      const words = (lines[i] ?? '').trim().split(/\s+/);
      words[Math.min(e.pos, words.length)] = e.word;
      lines[i] = '    ' + words.join(' ');
    } else if (e.op === 'insert') lines.splice(i, 0, e.words.join(' '));
  }
  return lines.join('\n');
}

describe('importer fuzz (fast-check)', () => {
  it(`${RUNS} mutated corpus configs: an error with FILE:LINE, or TOML that passes --check; never an exception`, () => {
    let written = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), (src, edits) => {
        const text = mutate(sources[src]!, edits);
        const r = importKeepalived(`${ROOT}/keepalived.conf`, {
          fs: memFs({ [`${ROOT}/keepalived.conf`]: text, ...INCLUDED }),
          configId: 'lb1',
          env: { HOME: '/root' },
        });
        for (const f of r.findings) expect(`${f.file}:${f.line}`).toMatch(/^[^:]+:\d+$/);
        if (r.exitCode === 2) {
          refused++;
          expect(r.error).toMatch(/^(keepalived\.conf|conf\.d\/[ab]\.conf):\d+: |^cannot read |^includes nested/);
          return;
        }
        written++;
        const check = parseConfig(r.toml, 'fuzz');
        expect(check.ok, `${text}\n---\n${r.toml}\n${JSON.stringify(!check.ok && check.problems)}`).toBe(true);
      }),
      { numRuns: RUNS, seed: Number(process.env.LVSD_KA_FUZZ_SEED ?? 0x15ea) },
    );
    // both outcomes occur, so neither branch is vacuous
    expect(written).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 100);
  }, 600_000);
});
