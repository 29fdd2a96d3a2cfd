/** docs/config.md is generated from the schemas and kept in sync; every key is documented. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateConfigDocs } from '../../../src/config/docs.js';
import { checkSchema } from '../../../src/health/schema.js';
import { announceSchema, globalSchema, realServerSchema, virtualServerSchema } from '../../../src/config/schema.js';

const committed = readFileSync(join(import.meta.dirname, '../../../docs/config.md'), 'utf8');

describe('docs/config.md', () => {
  it('equals what src/config/docs.ts generates (run: node dist/src/config/docs.js > docs/config.md)', () => {
    expect(committed).toBe(generateConfigDocs());
  });

  it('marks a key required only when a check block without it is rejected (follow_redirects has a default)', () => {
    const rows = committed.split('\n').filter((l) => l.startsWith('| `follow_redirects`'));
    expect(rows.length).toBe(2); // http and https
    for (const r of rows) expect(r).not.toContain('**required**');
    expect(checkSchema.safeParse({ type: 'http' }).success).toBe(true);
  });

  it('has a row for every key of [global], [announce], [[virtual_server]] and real_server', () => {
    for (const [title, shape] of [
      ['## [global]', globalSchema.shape],
      ['## [announce]', announceSchema.shape],
      ['## [[virtual_server]]', virtualServerSchema.shape],
      ['## [[virtual_server.real_server]]', realServerSchema.shape],
    ] as const) {
      const section = committed.slice(committed.indexOf(title + '\n'));
      const body = section.slice(0, section.indexOf('\n## ', 3));
      for (const key of Object.keys(shape)) expect(body, `${title} ${key}`).toContain(`| \`${key}\` |`);
    }
  });

  it('every example in the docs tables of lvsd-owned keys is valid TOML for its key', async () => {
    const { parse: parseToml } = await import('smol-toml');
    const rows = [...committed.matchAll(/^\| `(\w+)` \| [^|]* \| [^|]* \| `([^`]*)` \|/gm)];
    expect(rows.length).toBeGreaterThan(60);
    for (const [, key, example] of rows) {
      if (example!.startsWith('[[')) continue; // a table header, not a value
      expect(() => parseToml(`${key} = ${example!.replace(/\\\|/g, '|')}`), `${key} = ${example}`).not.toThrow();
    }
  });
});
