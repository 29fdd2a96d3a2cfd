/**
 * ConfigLoader (re-validating only changed [[virtual_server]] sections) against parseConfig (the
 * whole file, the reference): the same result — the same config, or the same problems — for every
 * text of a chain of edits, and the section path really taken for edits inside sections. Also the
 * cutting itself (sections.ts): which texts it cuts and which it leaves to the whole-file parse.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { ConfigLoader, type StagedPart } from '../../../src/config/config-loader.js';
import { loadConfigFile, MAX_CONFIG_BYTES, parseConfig } from '../../../src/config/load.js';
import { splitSections } from '../../../src/config/sections.js';
import { mutate, prng } from './mutate.js';

/** The loader's answer and the reference's for the same text are the same. */
function same(loader: ConfigLoader, text: string): boolean {
  const got = loader.load(text, 'test.toml');
  const want = parseConfig(text, 'test.toml');
  expect(got).toEqual(want.ok ? { ok: true, config: want.config } : want);
  return want.ok;
}

/**
 * A config of `n` virtual servers with varied settings, and VRRP instances tracking some of them;
 * `announce`: the first two virtual servers' addresses announced ([announce] vips).
 */
function base(n: number, announce = false): string[] {
  const parts = [
    '[global]\nrouter_id = "lb1"\ndrain_timeout = "10s"\n' +
      (announce ? '[announce]\ntable = 100\nvips = ["10.1.0.1", "10.1.0.2"]\n' : ''),
  ];
  for (let i = 0; i < n; i++) {
    let t = `\n[[virtual_server]]\nname = "vs${i}"\naddress = "10.1.0.${i + 1}"\nport = ${80 + (i % 3)}\nscheduler = "${['wrr', 'rr', 'wlc'][i % 3]}"\n`;
    if (i % 2) t += 'check = { type = "tcp", interval = "2s" }\n';
    if (i % 4 === 3) t += 'sorry_server = "10.9.9.9:8080"\nquorum = 5\n';
    if (i % 5 === 4 && i % 2 === 0) t += '  [virtual_server.check]\n  type = "http"\n  path = "/h"\n';
    for (let r = 0; r < 3; r++)
      t += `  [[virtual_server.real_server]]\n  address = "10.2.${i}.${r + 1}"\n  port = 8080\n  weight = ${10 + r}\n`;
    parts.push(t);
  }
  parts.push(
    '\n[[vrrp_instance]]\nname = "v1"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = 100\nvirtual_ipaddress = ["10.1.0.1/24"]\ntrack_virtual_server = [{ name = "vs1" }]\n',
  );
  return parts;
}

/** Edits of one section's text (or of the list of sections), valid or not. */
const EDITS: Array<(s: string, all: string[], i: number) => void> = [
  (s, all, i) => (all[i] = s.replace(/weight = (\d+)/, (_m, w) => `weight = ${Number(w) + 1}`)),
  (s, all, i) => (all[i] = s + '  [[virtual_server.real_server]]\n  address = "10.3.0.1"\n  port = 8080\n'),
  (s, all, i) => (all[i] = s.replace(/ {2}\[\[virtual_server\.real_server\]\][^[]*$/, '')),
  (s, all, i) => (all[i] = s.replace(/port = 8080/, 'port = 70000')),
  (s, all, i) => (all[i] = s.replace(/name = "vs\d+"/, 'name = "vs1"')),
  (s, all, i) => (all[i] = s.replace(/address = "10\.1\.0\.\d+"/, 'address = "10.1.0.1"')),
  (s, all, i) => (all[i] = s.replace(/name = "vs\d+"/, `name = "renamed${i}"`)),
  (_s, all, i) => all.splice(i, 1),
  (s, all, i) => all.splice(i, 0, s.replace(/name = "vs\d+"/, `name = "copy${i}"`).replace(/10\.1\.0\./, '10.7.0.')),
  (s, all, i) => (all[i] = s + 'scheduler = "bogus"\n'),
  (s, all, i) => (all[i] = s.replace('[[virtual_server]]', '[[virtual_server]] # edited')),
  (s, all, i) => (all[i] = s + '# a comment\n'),
  (s, all, i) => (all[i] = s.replace(/weight = \d+/, 'weight = [\n["x"]\n]')),
  (s, all, i) => (all[i] = s.replace(/\n$/, '\nfoo = """\n[[virtual_server]]\n"""\n')),
  (_s, all) => (all[0] = all[0]!.replace('drain_timeout = "10s"', 'drain_timeout = "20s"')),
  (s, all, i) => (all[i] = s.replace(/weight = \d+/, 'weight = 1\n[global.extra]\nx = 1')),
];

describe('ConfigLoader', () => {
  it('gives what parseConfig gives for every text of random chains of section edits', () => {
    const loader = new ConfigLoader();
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.record({ edit: fc.nat(EDITS.length - 1), at: fc.nat(), keep: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        (announce, steps) => {
          let parts = base(8, announce);
          same(loader, parts.join(''));
          for (const s of steps) {
            const next = [...parts];
            const i = 1 + (s.at % (next.length - 2));
            EDITS[s.edit]!(next[i]!, next, i);
            const ok = same(loader, next.join(''));
            if (ok || !s.keep) parts = next; // chains go on from valid texts and, sometimes, invalid ones
          }
        },
      ),
      { numRuns: 300 },
    );
    // the property is about the section path: it must have been taken, and the whole-file path too
    expect(loader.counts.sections).toBeGreaterThan(300);
    expect(loader.counts.whole).toBeGreaterThan(300);
  });

  it('gives what parseConfig gives on 2,000 seeded mutations of the valid examples, each after its example', () => {
    const dir = join(import.meta.dirname, '../../fixtures/config/valid');
    const seeds = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
    const rnd = prng(17);
    const loader = new ConfigLoader();
    for (let i = 0; i < 2000; i++) {
      const seed = seeds[i % seeds.length]!;
      same(loader, seed);
      same(loader, mutate(seed, rnd));
    }
    expect(loader.counts.sections).toBeGreaterThan(50);
  });

  it('answers the same text with the same config object, and keeps the objects of unchanged sections', () => {
    const loader = new ConfigLoader();
    const parts = base(4);
    const a = loader.load(parts.join(''), 't');
    const b = loader.load(parts.join(''), 't');
    parts[2] = parts[2]!.replace('weight = 10', 'weight = 99');
    const c = loader.load(parts.join(''), 't');
    if (!a.ok || !b.ok || !c.ok) throw new Error('invalid test config');
    expect(b.config).toBe(a.config);
    expect(c.config.virtual_server[0]).toBe(a.config.virtual_server[0]);
    expect(c.config.virtual_server[1]).not.toBe(a.config.virtual_server[1]);
    expect(c.config.virtual_server[1]!.real_server[0]!.weight).toBe(99);
    expect(loader.counts).toEqual({ same: 1, sections: 1, whole: 1, staged: 0 });
  });

  it('reports a removed virtual server that a VRRP instance tracks as parseConfig does', () => {
    const loader = new ConfigLoader();
    const parts = base(4);
    same(loader, parts.join(''));
    parts.splice(2, 1); // vs1, tracked by v1
    expect(same(loader, parts.join(''))).toBe(false);
  });

  it('reports an announced VIP left without a virtual server as parseConfig does, on the whole-file path', () => {
    const loader = new ConfigLoader();
    const parts = base(4, true);
    same(loader, parts.join(''));
    const moved = [...parts];
    moved[1] = moved[1]!.replace('address = "10.1.0.1"', 'address = "10.1.0.9"'); // vs0 held 10.1.0.1
    expect(same(loader, moved.join(''))).toBe(false);
    expect(loader.counts).toEqual({ same: 0, sections: 0, whole: 2, staged: 0 });
    parts[3] = parts[3]!.replace('weight = 10', 'weight = 77'); // an announced VIP's neighbour: sections path
    expect(same(loader, parts.join(''))).toBe(true);
    expect(loader.counts).toEqual({ same: 0, sections: 1, whole: 2, staged: 0 });
  });
});

describe('ConfigLoader.loadFileStaged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-staged-'));
  const file = join(dir, 'lvsd.toml');
  const staged = async (loader: ConfigLoader, text: string, batch: number, minSections = 1) => {
    writeFileSync(file, text);
    const parts: StagedPart[] = [];
    const got = await loader.loadFileStaged(file, (p) => void parts.push(p), { minSections, batch, sliceMs: 0 });
    return { got, parts };
  };

  it('gives what parseConfig gives, and hands over every virtual server of a valid file in order, batch by batch', async () => {
    let handed = 0;
    let reloadedBySections = 0;
    let loader = new ConfigLoader();
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ edit: fc.nat(EDITS.length - 1), at: fc.nat() }), { maxLength: 3 }),
        fc.record({ edit: fc.nat(EDITS.length - 1), at: fc.nat() }),
        async (announce, batch, edits, then) => {
          const parts = base(9, announce);
          for (const e of edits) {
            const i = 1 + (e.at % (parts.length - 2));
            EDITS[e.edit]!(parts[i]!, parts, i);
          }
          const text = parts.join('');
          loader = new ConfigLoader();
          const { got, parts: handedOver } = await staged(loader, text, batch);
          const want = parseConfig(text, file);
          expect(got).toEqual(want.ok ? { ok: true, config: want.config } : want);
          if (!want.ok) return;
          if (handedOver.length > 0) handed++;
          expect(handedOver.flatMap((p) => p.virtualServers)).toEqual(want.config.virtual_server);
          for (const p of handedOver) {
            expect(p.global).toEqual(want.config.global);
            expect(p.virtualServers.length).toBeLessThanOrEqual(batch);
          }
          // the next load (a reload) starts from the staged load's cut
          const i = 1 + (then.at % (parts.length - 2));
          EDITS[then.edit]!(parts[i]!, parts, i);
          same(loader, parts.join(''));
          reloadedBySections += loader.counts.sections;
        },
      ),
      { numRuns: 150 },
    );
    expect(handed).toBeGreaterThan(50); // the staged path was taken, not only the whole-file one
    expect(reloadedBySections).toBeGreaterThan(20); // and reloads went on from its cut
  });

  it('a later load, or a file with fewer sections than asked: the usual path, nothing handed over', async () => {
    const loader = new ConfigLoader();
    const text = base(6).join('');
    const first = await staged(loader, text, 2, 7);
    expect(first.parts).toEqual([]);
    expect(loader.counts).toMatchObject({ whole: 1, staged: 0 });
    const fresh = new ConfigLoader();
    const a = await staged(fresh, text, 2);
    expect(a.parts.length).toBe(3);
    expect(fresh.counts).toMatchObject({ whole: 0, staged: 1 });
    writeFileSync(file, text);
    let asked = 0;
    const declining = new ConfigLoader();
    const whole = await declining.loadFileStaged(file, () => (asked++, false), {
      minSections: 1,
      batch: 2,
      sliceMs: 0,
    });
    expect(asked).toBe(1); // false to the first part: no more parts, the file is loaded as loadFile does
    expect(whole).toEqual(a.got);
    expect(declining.counts).toMatchObject({ whole: 1, staged: 0 });
    let twice = 0;
    const later = new ConfigLoader(); // false to a later part: read on in batches, no more parts
    const rest = await later.loadFileStaged(file, () => ++twice < 2, { minSections: 1, batch: 2, sliceMs: 0 });
    expect(twice).toBe(2);
    expect(rest).toEqual(a.got);
    expect(later.counts).toMatchObject({ whole: 0, staged: 1 });
    const again = await staged(fresh, text.replace('weight = 10', 'weight = 11'), 2);
    expect(again.parts).toEqual([]);
    expect(again.got.ok).toBe(true);
    expect(fresh.counts).toMatchObject({ sections: 1, staged: 1 });
  });

  it("a file whose sections are valid but whose cross-section rules fail: parseConfig's problems", async () => {
    const parts = base(6);
    parts[3] = parts[3]!.replace(/name = "vs\d+"/, 'name = "vs0"'); // a name twice, each batch valid alone
    const text = parts.join('');
    const { got, parts: handedOver } = await staged(new ConfigLoader(), text, 1);
    expect(got).toEqual(parseConfig(text, file));
    expect(got.ok).toBe(false);
    expect(handedOver.length).toBe(6); // handed over while read, then refused whole
  });
});

describe('splitSections', () => {
  const cut = (text: string) => {
    const b = Buffer.from(text);
    const s = splitSections(b);
    return (
      s && {
        rest: s.rest.map(([x, y]) => b.toString('utf8', x, y)).join(''),
        virtualServers: s.virtualServers.map(([x, y]) => b.toString('utf8', x, y)),
      }
    );
  };

  it('cuts a file into its virtual-server sections and the rest, each parsing to its part of the whole', () => {
    const text = base(5).join('');
    const s = cut(text)!;
    expect(s.virtualServers).toHaveLength(5);
    const whole = parseToml(text) as Record<string, unknown>;
    const rest = parseToml(s.rest) as Record<string, unknown>;
    expect(rest.virtual_server).toBeUndefined();
    expect({ ...rest, virtual_server: s.virtualServers.map((v) => (parseToml(v) as any).virtual_server[0]) }).toEqual(
      whole,
    );
  });

  it('leaves unusual texts to the whole-file parse', () => {
    expect(cut('x = """\n[[virtual_server]]\n"""\n')).toBeUndefined();
    expect(cut('[["virtual_server"]]\nname = "a"\n')).toBeUndefined();
    expect(cut('[virtual_server]\nname = "a"\n')).toBeUndefined();
    expect(cut('[[virtual_server.real_server]]\naddress = "10.0.0.1"\n')).toBeUndefined();
    expect(cut('[global]\n[[virtual_server]]\nname = "a"\n  [[ virtual_server . real_server ]]\n')).toEqual({
      rest: '[global]\n',
      virtualServers: ['[[virtual_server]]\nname = "a"\n  [[ virtual_server . real_server ]]\n'],
    });
  });
});

describe('ConfigLoader.loadFile', () => {
  it('loads that overlap (SIGHUP and lvsctl reload at once) each give the file as it is, never the last load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-loader-'));
    try {
      const file = join(dir, 'lvsd.toml');
      const loader = new ConfigLoader();
      const parts = base(6);
      writeFileSync(file, parts.join(''));
      expect((await loader.loadFile(file)).ok).toBe(true);
      const base2 = parts[2]!;
      for (let i = 0; i < 20; i++) {
        parts[2] = base2.replace('weight = 10', `weight = ${20 + i}`);
        const text = parts.join('');
        writeFileSync(file, text);
        const want = { ok: true, config: (parseConfig(text, file) as any).config };
        // before: all read into one buffer, and the first load's swap handed the others the last load's bytes
        expect(await Promise.all([1, 2, 3].map(() => loader.loadFile(file)))).toEqual([want, want, want]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads into its one buffer: an edited file, the same again, a smaller one, then bigger ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-loader-'));
    try {
      const file = join(dir, 'lvsd.toml');
      const loader = new ConfigLoader();
      const parts = base(6);
      const check = async (text: string) => {
        writeFileSync(file, text);
        expect(await loader.loadFile(file)).toEqual({ ok: true, config: (parseConfig(text, file) as any).config });
      };
      await check(parts.join(''));
      parts[3] = parts[3]!.replace('weight = 10', 'weight = 11');
      await check(parts.join(''));
      await check(parts.join(''));
      parts[4] = parts[4]!.replace('weight = 10', 'weight = 12');
      await check(parts.join(''));
      // the buffer then holds a shorter file followed by the tail of the longer one: never read as the file
      await check(base(2).join(''));
      await check(parts.join(''));
      await check(base(30).join(''));
      // every later file has the same rest (the [global] and VRRP text): sections only
      expect(loader.counts).toEqual({ same: 1, sections: 5, whole: 1, staged: 0 });
      expect(await loader.loadFile(join(dir, 'missing.toml'))).toEqual({
        ok: false,
        problems: [{ path: '', message: expect.stringContaining('no such file') }],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what loadConfigFile refuses, with its words: a FIFO, /dev/zero, a directory, a file over the cap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsd-loader-'));
    try {
      const fifo = join(dir, 'fifo.toml');
      execFileSync('mkfifo', [fifo]);
      const big = join(dir, 'big.toml');
      writeFileSync(big, '# ' + 'x'.repeat(MAX_CONFIG_BYTES - 1)); // one byte over
      const loader = new ConfigLoader();
      const cases: Array<[string, string]> = [
        [fifo, 'it is a FIFO, not a regular file'],
        ['/dev/zero', 'it is a character device, not a regular file'],
        [dir, 'it is a directory'],
        [big, `larger than ${MAX_CONFIG_BYTES} bytes`],
      ];
      for (const [path, words] of cases) {
        const got = await loader.loadFile(path);
        expect(got).toEqual(await loadConfigFile(path));
        expect(got).toEqual({ ok: false, problems: [{ path: '', message: expect.stringContaining(words) }] });
      }
      // the read buffer it kept is no larger than the cap allows, and a good file still loads
      const good = join(dir, 'lvsd.toml');
      writeFileSync(good, base(3).join(''));
      expect((await loader.loadFile(good)).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
