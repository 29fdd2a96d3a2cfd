/**
 * The fast path for plain real-server tables must give exactly what zod's realServerSchema gives,
 * and the whole config must load to the same Config with or without it.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { inheritChecks, normalize } from '../../../src/config/normalize.js';
import { plainRealServer, plainRealServers } from '../../../src/config/plain-real-server.js';
import { fileSchema, realServerSchema } from '../../../src/config/schema.js';
import { configSchema } from '../../../src/config/validate.js';

const KEYS = ['address', 'port', 'weight', 'upper_threshold', 'lower_threshold', 'forwarding'] as const;

/** Values that are valid for some keys and invalid for others, as TOML would hand them over. */
const value = fc.oneof(
  fc.integer({ min: -2, max: 70_000 }),
  fc.constantFrom(0, 1, 80, 65535, 65536, -0, 1.5, Number.NaN, Infinity, 2 ** 53),
  fc.constantFrom(
    '10.0.0.1',
    '::1',
    '2001:db8::10',
    '10.0.0.256',
    'web1',
    '',
    '80',
    'nat',
    'dr',
    'tun',
    'NAT',
    'fullnat',
  ),
  fc.boolean(),
  fc.constant(new Date(0)),
  fc.constant([1]),
  fc.constant({ type: 'tcp' }),
);

/**
 * A table: some known keys (any values), sometimes an unknown or a `check` key; made like smol-toml's (no
 * prototype).
 */
const table = fc
  .record(
    {
      address: fc.oneof(value, fc.ipV4(), fc.ipV6()),
      port: value,
      weight: value,
      upper_threshold: value,
      lower_threshold: value,
      forwarding: value,
      check: fc.constant({ type: 'tcp' }),
      prot: value,
    },
    { requiredKeys: [] },
  )
  .map((r) => Object.assign(Object.create(null) as Record<string, unknown>, r));

/** Tables the fast path must take: every key valid. */
const plainTable = fc
  .record(
    {
      address: fc.oneof(fc.ipV4(), fc.constantFrom('::1', '2001:db8::10', 'fe80::1')),
      port: fc.integer({ min: 0, max: 65535 }),
      weight: fc.integer({ min: 0, max: 65535 }),
      upper_threshold: fc.integer({ min: 0, max: 65535 }),
      lower_threshold: fc.integer({ min: 0, max: 65535 }),
      forwarding: fc.constantFrom('nat', 'dr', 'tun'),
    },
    { requiredKeys: ['address'] },
  )
  .map((r) => Object.assign(Object.create(null) as Record<string, unknown>, r));

describe('plainRealServer', () => {
  it('whenever it answers, answers exactly what realServerSchema yields (10,000 generated tables)', () => {
    let taken = 0;
    // arbitrary tables, valid ones, and valid ones with one key set to an arbitrary value
    const nearlyPlain = fc
      .tuple(plainTable, fc.constantFrom(...KEYS, 'check', 'prot'), value)
      .map(([t, k, v]) => Object.assign(Object.create(null) as Record<string, unknown>, t, { [k]: v }));
    fc.assert(
      fc.property(fc.oneof(table, plainTable, nearlyPlain), (t) => {
        const fast = plainRealServer(t);
        if (fast === undefined) return;
        taken++;
        const slow = realServerSchema.safeParse(t);
        expect(slow.success).toBe(true);
        expect(fast).toStrictEqual(slow.data);
      }),
      { numRuns: 10_000 },
    );
    expect(taken).toBeGreaterThan(3_000);
  });

  it('takes every table whose keys are all valid (so the fast path is really used)', () => {
    fc.assert(
      fc.property(plainTable, (t) => {
        const fast = plainRealServer(t);
        expect(fast).toBeDefined();
        expect(fast).toStrictEqual(realServerSchema.parse(t));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves to zod: a check table, an unknown key, a port as a string, a weight out of range, a bad address, an unknown forwarding', () => {
    const base = { address: '10.0.0.1', port: 80 };
    for (const t of [
      { ...base, check: { type: 'tcp' } },
      { ...base, prot: 80 },
      { ...base, port: '80' },
      { ...base, weight: 65536 },
      { ...base, weight: -1 },
      { ...base, address: '10.0.0.256' },
      { ...base, forwarding: 'fullnat' },
      [base],
      null,
    ])
      expect(plainRealServer(t)).toBeUndefined();
    expect(plainRealServer(base)).toStrictEqual({
      address: '10.0.0.1',
      port: 80,
      weight: 1,
      upper_threshold: 0,
      lower_threshold: 0,
    });
    for (const k of KEYS) expect(realServerSchema.shape).toHaveProperty(k);
  });

  it('a list is taken only when every table in it is plain', () => {
    expect(plainRealServers([{ address: '10.0.0.1' }, { address: '10.0.0.2', weight: 5 }])).toHaveLength(2);
    expect(plainRealServers([{ address: '10.0.0.1' }, { address: '10.0.0.2', port: '80a' }])).toBeUndefined();
    expect(plainRealServers('nope')).toBeUndefined();
  });
});

describe('configSchema with the fast path', () => {
  const direct = (raw: unknown) => normalize(fileSchema.parse(inheritChecks(raw)));

  it('loads the shipped configs to the same Config as zod alone', () => {
    for (const f of ['conf/lvsd.example.toml', 'conf/lab/lb1.toml', 'conf/lab/lb2.toml']) {
      const raw = parseToml(readFileSync(f, 'utf8'));
      expect(configSchema.parse(raw), f).toStrictEqual(direct(raw));
    }
  });

  it('loads generated virtual servers (plain lists, mixed lists, empty lists) to the same Config as zod alone', () => {
    const vs = fc.record({
      // thresholds left out: lower_threshold > upper_threshold is a cross-field problem, not the subject here
      real_server: fc
        .array(
          fc.oneof(
            plainTable,
            plainTable.map((t) => ({ ...t, check: { type: 'tcp', interval: '2s' } })),
          ),
          { maxLength: 6 },
        )
        .map((l) => l.map(({ upper_threshold: _u, lower_threshold: _l, ...t }) => t)),
      forwarding: fc.constantFrom('nat', 'dr'),
    });
    fc.assert(
      fc.property(fc.array(vs, { minLength: 1, maxLength: 4 }), (list) => {
        const virtual_server = list.map((v, i) => ({
          name: `vs${i}`,
          address: `10.9.0.${i + 1}`,
          port: 80,
          forwarding: v.forwarding,
          check: { type: 'tcp' },
          // DR needs the service port on every real server, and addresses must be unique per service
          real_server: v.real_server.map((rs, j) => ({ ...rs, address: `10.8.${i}.${j + 1}`, port: 80 })),
        }));
        const raw = { virtual_server };
        const r = configSchema.safeParse(raw);
        expect(r.success).toBe(true);
        expect(r.data).toStrictEqual(direct(raw));
      }),
      { numRuns: 300 },
    );
  });

  it('a bad table in a list keeps its key path', () => {
    const raw = {
      virtual_server: [
        {
          name: 'web',
          address: '10.0.0.1',
          port: 80,
          real_server: [{ address: '10.0.0.2' }, { address: '10.0.0.3', port: '80a' }],
        },
      ],
    };
    const r = configSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toContainEqual([
      'virtual_server.0.real_server.1.port',
      'expected an integer 0-65535, got "80a"',
    ]);
  });
});
