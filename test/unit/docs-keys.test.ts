/**
 * The docs cannot drift from the schema: every config key the README and the keepalived migration
 * note mention (written as `table.key` paths) exists in the zod schema, every TOML example in them
 * validates, and the shipped configs (conf/lab/*.toml — the SAME files the UML lab and
 * docker-compose.yml use — and conf/lvsd.example.toml) validate.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { fileSchema } from '../../src/config/schema.js';
import { knownKeysAt, schemasAt, describe as describeSchema } from '../../src/config/walk.js';

const DOCS = ['README.md', 'docs/migration-keepalived.md'];

/** True when the dotted key path (arrays of tables stepped into) names a key of the schema. */
function keyExists(dotted: string): boolean {
  const path: PropertyKey[] = [];
  for (const seg of dotted.split('.')) {
    if (!knownKeysAt(fileSchema, path).includes(seg)) return false;
    path.push(seg);
    if (schemasAt(fileSchema, path).some((s) => describeSchema(s).startsWith('array of table'))) path.push(0);
  }
  return true;
}

/** Every `global.x` / `virtual_server.x.y` / `vrrp_instance.x` / `sync.x` written in backticks. */
function mentionedKeys(text: string): string[] {
  const keys = [...text.matchAll(/`((?:global|virtual_server|vrrp_instance|sync)(?:\.[a-z_]+)+)`/g)].map((m) => m[1]);
  return [...new Set(keys)];
}

const tomlBlocks = (text: string): string[] => [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('docs and schema agree', () => {
  it('the key checker accepts real keys and rejects made-up ones', () => {
    expect(keyExists('virtual_server.real_server.weight')).toBe(true);
    expect(keyExists('virtual_server.check.rise')).toBe(true);
    expect(keyExists('vrrp_instance.virtual_router_id')).toBe(true);
    expect(keyExists('virtual_server.real_server.wieght')).toBe(false);
    expect(keyExists('global.lb_algo')).toBe(false);
    expect(keyExists('virtual_server.scheduler.name')).toBe(false);
    expect(keyExists('sync.startup_delay')).toBe(true);
    expect(keyExists('sync.lvs_sync_daemon')).toBe(false);
  });

  for (const doc of DOCS) {
    it(`every config key in ${doc} exists in the schema`, () => {
      const keys = mentionedKeys(readFileSync(doc, 'utf8'));
      expect(keys.length).toBeGreaterThan(doc === 'README.md' ? 25 : 60);
      expect(keys.filter((k) => !keyExists(k))).toEqual([]);
    });

    it(`every TOML example in ${doc} validates`, () => {
      for (const block of tomlBlocks(readFileSync(doc, 'utf8'))) {
        const r = parseConfig(block, doc);
        expect(r.ok ? [] : r.problems).toEqual([]);
      }
    });
  }

  it('every relative link in the README and docs/ points at a file that exists', () => {
    const docs = [
      'README.md',
      ...readdirSync('docs')
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    let links = 0;
    for (const doc of docs) {
      for (const m of readFileSync(doc, 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(m[1])) continue; // http:, file:, mailto:
        links++;
        if (!existsSync(join(dirname(doc), m[1]))) broken.push(`${doc} → ${m[1]}`);
      }
    }
    expect(links).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });

  it('the README has at least one TOML example (so the check above is not empty)', () => {
    expect(tomlBlocks(readFileSync('README.md', 'utf8')).length).toBeGreaterThan(0);
  });

  it('the shipped configs validate: conf/lab/*.toml (UML lab + docker-compose) and conf/lvsd.example.toml', () => {
    const files = [
      ...readdirSync('conf/lab')
        .filter((f) => f.endsWith('.toml'))
        .map((f) => `conf/lab/${f}`),
      'conf/lvsd.example.toml',
    ];
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const r = parseConfig(readFileSync(f, 'utf8'), f);
      expect(r.ok ? [] : r.problems, f).toEqual([]);
    }
  });
});
