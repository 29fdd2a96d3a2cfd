/**
 * The importer's catalogue, its documentation and lvsd's own reference stay in step:
 * docs/migration-keepalived.md holds the generated keyword tables (so every keyword the importer
 * knows has a row), and the importer's key order and defaults are those of docs/config.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, isDefault, ORDER } from '../../../src/keepalived/defaults.js';
import { keywordTables } from '../../../src/keepalived/doc-table.js';
import { allKeywords } from '../../../src/keepalived/keywords.js';

const migration = readFileSync('docs/migration-keepalived.md', 'utf8');
const config = readFileSync('docs/config.md', 'utf8');

/** docs/config.md's tables: section heading → rows [key, default]. */
function configTables(): Map<string, Array<[string, string]>> {
  const out = new Map<string, Array<[string, string]>>();
  let section = '';
  for (const line of config.split('\n')) {
    const h = /^#{2,4} (.*)$/.exec(line);
    if (h) section = h[1]!;
    const row = /^\| `([a-z_]+)` \| [^|]*(?:\\\|[^|]*)* \| ((?:[^|]|\\\|)*) \|/.exec(line);
    if (row) out.set(section, [...(out.get(section) ?? []), [row[1]!, row[2]!.trim()]]);
  }
  return out;
}

/**
 * Defaults docs/config.md does not state as a value; each checked against the schema instead
 * (test/unit/keepalived/mapping.test.ts imports through the real validator).
 */
const UNDOCUMENTED: Record<string, string> = {
  'check.follow_redirects':
    'docs/config.md says **required** (its generator cannot see the default behind the transform); the schema defaults to 0',
};

describe('docs', () => {
  it('docs/migration-keepalived.md holds the current keyword tables (node dist/src/keepalived/doc-table.js)', () => {
    expect(migration).toContain(keywordTables());
  });

  it('every keyword the importer knows has a row in the migration guide', () => {
    const missing = allKeywords().filter(({ keyword }) => !migration.includes(`| \`${keyword}\` |`));
    expect(missing).toEqual([]);
  });

  it("the TOML writer's key order is docs/config.md's", () => {
    const t = configTables();
    const keysOf = (...sections: string[]) => [...new Set(sections.flatMap((s) => (t.get(s) ?? []).map(([k]) => k)))];
    expect(ORDER.global).toEqual(keysOf('[global]'));
    expect(ORDER.virtual_server).toEqual(keysOf('[[virtual_server]]'));
    expect(ORDER.real_server).toEqual(keysOf('[[virtual_server.real_server]]'));
    expect(ORDER.vrrp_instance).toEqual(keysOf('[[vrrp_instance]]'));
    expect(ORDER.sync).toEqual(keysOf('[sync]'));
    const checkSections = [...t.keys()].filter((s) => s.startsWith('check') || s.startsWith('type = '));
    expect(ORDER.check).toEqual(keysOf(...checkSections));
  });

  it("every default the writer leaves out is docs/config.md's default", () => {
    const t = configTables();
    const section: Record<string, string[]> = {
      global: ['[global]'],
      virtual_server: ['[[virtual_server]]'],
      real_server: ['[[virtual_server.real_server]]'],
      vrrp_instance: ['[[vrrp_instance]]'],
      sync: ['[sync]'],
      check: [...t.keys()].filter((s) => s.startsWith('check') || s.startsWith('type = ')),
    };
    const wrong: string[] = [];
    for (const [table, defaults] of Object.entries(DEFAULTS))
      for (const [key, value] of Object.entries(defaults)) {
        if (`${table}.${key}` in UNDOCUMENTED) continue;
        const documented = section[table]!.flatMap((s) => t.get(s) ?? []).find(([k]) => k === key)?.[1];
        const doc = documented?.replace(/^"|"$/g, '');
        const mine = typeof value === 'string' ? value : JSON.stringify(value);
        // durations are compared as durations ("0ms" = "0s")
        const same = doc === mine || (doc !== undefined && typeof value === 'string' && isDefault(table, key, doc));
        if (!same) wrong.push(`${table}.${key}: docs say ${documented}, the writer assumes ${mine}`);
      }
    expect(wrong).toEqual([]);
  });
});
