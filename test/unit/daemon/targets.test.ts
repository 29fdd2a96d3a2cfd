/**
 * healthTargetsChanged against the reference it stands for: setTargets(healthTargets(next)) changes
 * nothing exactly when both configs ask for the same targets (id → probe key). Configs come from the
 * ConfigLoader, so unchanged sections are the same objects, as in the daemon.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigLoader } from '../../../src/config/config-loader.js';
import type { Config } from '../../../src/config/types.js';
import { healthTargets, healthTargetsChanged } from '../../../src/daemon/targets.js';
import { probeKey } from '../../../src/health/engine.js';

interface Rs {
  addr: number;
  weight: number;
  interval: number;
}
interface Vs {
  name: string;
  check: boolean;
  rs: Rs[];
}

const text = (vss: Vs[]) =>
  vss
    .map(
      (v, i) =>
        `[[virtual_server]]\nname = "${v.name}"\naddress = "10.0.0.${i + 1}"\nport = 80\nscheduler = "wrr"\n` +
        [...v.rs]
          .sort((x, y) => x.addr - y.addr) // one order: a reordered list is a change the check may report
          .map(
            (r) =>
              `  [[virtual_server.real_server]]\n  address = "10.1.0.${r.addr}"\n  port = 80\n  weight = ${r.weight}\n` +
              (v.check ? `  check = { type = "tcp", interval = "${r.interval}s" }\n` : ''),
          )
          .join(''),
    )
    .join('\n');

const targetsOf = (c: Config) => new Map(healthTargets(c).map((t) => [t.id, probeKey(t)]));
const sameMaps = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

const rsArb = fc.record({
  addr: fc.integer({ min: 1, max: 6 }),
  weight: fc.integer({ min: 0, max: 3 }),
  interval: fc.integer({ min: 1, max: 2 }),
});
const vsArb = (i: number) =>
  fc.record({
    name: fc.constantFrom(`vs${i}`, `vs${i}b`),
    check: fc.boolean(),
    rs: fc.uniqueArray(rsArb, { selector: (r) => r.addr, minLength: 1, maxLength: 3 }),
  });
const configArb = fc.tuple(vsArb(0), vsArb(1), vsArb(2));

async function load(loader: ConfigLoader, vss: Vs[]): Promise<Config> {
  const r = loader.load(text(vss), 'test');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

describe('healthTargetsChanged', () => {
  it('is false exactly when the two configs ask for the same targets (generated edits)', async () => {
    await fc.assert(
      fc.asyncProperty(configArb, fc.nat(2), vsArb(9), async (a, k, edit) => {
        const loader = new ConfigLoader();
        const prev = await load(loader, a);
        const b = a.map((v, i) => (i === k ? { ...edit, name: v.name } : v));
        const next = await load(loader, b);
        expect(healthTargetsChanged(prev, next)).toBe(!sameMaps(targetsOf(prev), targetsOf(next)));
      }),
      { numRuns: 150 },
    );
  });

  it('one weight changed: false, and only that virtual server is compared (the others are the same objects)', async () => {
    const loader = new ConfigLoader();
    const base: Vs[] = [0, 1, 2].map((i) => ({
      name: `vs${i}`,
      check: true,
      rs: [{ addr: 1, weight: 1, interval: 1 }],
    }));
    const prev = await load(loader, base);
    const next = await load(
      loader,
      base.map((v, i) => (i === 1 ? { ...v, rs: [{ ...v.rs[0]!, weight: 3 }] } : v)),
    );
    expect(next.virtual_server[0]).toBe(prev.virtual_server[0]);
    expect(next.virtual_server[1]).not.toBe(prev.virtual_server[1]);
    expect(healthTargetsChanged(prev, next)).toBe(false);
    const slower = await load(
      loader,
      base.map((v, i) => (i === 1 ? { ...v, rs: [{ ...v.rs[0]!, interval: 2 }] } : v)),
    );
    expect(healthTargetsChanged(next, slower)).toBe(true);
  });
});
