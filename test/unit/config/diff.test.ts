/** diffConfigs + summary: services by identity, dests by key, VRRP by name, changed fields named. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffConfigs, isEmptyDiff, summary, type ConfigDiff } from '../../../src/config/diff.js';
import type { Config } from '../../../src/config/types.js';
import { config } from '../plan/helpers.js';

const vs = (name: string, addr: string, extra = '', servers: Array<[string, number]> = [['10.0.1.1', 1]]) =>
  `[[virtual_server]]\nname = "${name}"\naddress = "${addr}"\nport = 80\n${extra}\n` +
  servers.map(([a, w]) => `[[virtual_server.real_server]]\naddress = "${a}"\nport = 8080\nweight = ${w}\n`).join('');

describe('diffConfigs', () => {
  it('finds nothing between equal configs', () => {
    const t = vs('a', '10.0.0.1') + vs('b', '10.0.0.2');
    const d = diffConfigs(config(t), config(t));
    expect(isEmptyDiff(d)).toBe(true);
    expect(summary(d)).toBe('+0 services -0 services ~0 services, +0 dests -0 dests ~0 dests');
  });

  it('counts added, removed and changed services and dests, naming changed fields', () => {
    const prev = config(
      vs('a', '10.0.0.1', '', [
        ['10.0.1.1', 1],
        ['10.0.1.2', 1],
        ['10.0.1.3', 1],
      ]) + vs('b', '10.0.0.2'),
    );
    const next = config(
      vs('a', '10.0.0.1', 'scheduler = "rr"', [
        ['10.0.1.1', 5],
        ['10.0.1.4', 1],
      ]) +
        vs('c', '10.0.0.3', '', [
          ['10.0.1.1', 1],
          ['10.0.1.2', 1],
        ]),
    );
    const d = diffConfigs(prev, next);
    expect(d.services).toEqual({
      added: ['c'],
      removed: ['b'],
      changed: [{ name: 'a', key: 'TCP 10.0.0.1:80', fields: ['scheduler'] }],
    });
    expect(d.dests.changed).toEqual([{ name: 'a', key: 'TCP 10.0.0.1:80|10.0.1.1:8080', fields: ['weight'] }]);
    expect(d.dests.added.sort()).toEqual([
      'TCP 10.0.0.1:80|10.0.1.4:8080',
      'TCP 10.0.0.3:80|10.0.1.1:8080',
      'TCP 10.0.0.3:80|10.0.1.2:8080',
    ]);
    expect(d.dests.removed.sort()).toEqual([
      'TCP 10.0.0.1:80|10.0.1.2:8080',
      'TCP 10.0.0.1:80|10.0.1.3:8080',
      'TCP 10.0.0.2:80|10.0.1.1:8080',
    ]);
    expect(summary(d)).toBe('+1 services -1 services ~1 services, +3 dests -3 dests ~1 dests');
  });

  it('matches services by identity: a rename is a change, an address change is remove + add', () => {
    const d1 = diffConfigs(config(vs('a', '10.0.0.1')), config(vs('z', '10.0.0.1')));
    expect(d1.services.changed).toEqual([{ name: 'z', key: 'TCP 10.0.0.1:80', fields: ['name'] }]);
    const d2 = diffConfigs(config(vs('a', '10.0.0.1')), config(vs('a', '10.0.0.9')));
    expect([d2.services.added, d2.services.removed]).toEqual([['a'], ['a']]);
  });

  it('sees a changed check as a changed dest field (and service field)', () => {
    const d = diffConfigs(
      config(vs('a', '10.0.0.1', 'check = { type = "tcp" }')),
      config(vs('a', '10.0.0.1', 'check = { type = "tcp", rise = 5 }')),
    );
    expect(d.services.changed[0]!.fields).toEqual(['check']);
    expect(d.dests.changed[0]!.fields).toEqual(['check']);
  });

  it('diffs VRRP instances by name and global keys', () => {
    const vi = (prio: number, name = 'VI_1') =>
      `[[vrrp_instance]]\nname = "${name}"\ninterface = "eth0"\nvirtual_router_id = 51\npriority = ${prio}\nvirtual_ipaddress = ["10.0.0.1/24"]\n`;
    const d = diffConfigs(config(`[global]\nresync_interval = "5s"\n` + vi(100)), config(vi(150)));
    expect(d.vrrp.changed).toEqual([{ name: 'VI_1', key: 'VI_1', fields: ['priority'] }]);
    expect(d.global).toEqual(['resync_interval']);
    expect(summary(d)).toBe(
      '+0 services -0 services ~0 services, +0 dests -0 dests ~0 dests, +0 vrrp -0 vrrp ~1 vrrp, global: resync_interval',
    );
    const d2 = diffConfigs(config(vi(100)), config(vi(100, 'VI_2')));
    expect([d2.vrrp.added, d2.vrrp.removed]).toEqual([['VI_2'], ['VI_1']]);
  });
});

/**
 * The virtual-server part of diffConfigs as it was, every service keyed (the reference): the
 * services matched by key, each pair (or lone service) diffed alone, the parts joined in its order
 * (removed ones in the old order, then the new order).
 */
function servicesByKey(prev: Config, next: Config): Pick<ConfigDiff, 'services' | 'dests'> {
  const d = diffConfigs({ ...prev, virtual_server: [] }, { ...next, virtual_server: [] });
  const nextKeys = new Set(next.virtual_server.map((v) => v.key));
  const prevByKey = new Map(prev.virtual_server.map((v) => [v.key, v]));
  const pairs = [
    ...prev.virtual_server.filter((p) => !nextKeys.has(p.key)).map((p) => [[p], []]),
    ...next.virtual_server.map((v) => [prevByKey.has(v.key) ? [prevByKey.get(v.key)!] : [], [v]]),
  ];
  for (const [a, b] of pairs) {
    const one = diffConfigs({ ...prev, virtual_server: a! }, { ...next, virtual_server: b! });
    for (const part of ['services', 'dests'] as const)
      for (const k of ['added', 'removed', 'changed'] as const) (d[part][k] as unknown[]).push(...one[part][k]);
  }
  return { services: d.services, dests: d.dests };
}

describe('diffConfigs by place', () => {
  it('gives what keying every service gives, when unchanged services are the same objects, moved or not', () => {
    const eight = (w: number) =>
      config(Array.from({ length: 8 }, (_, i) => vs(`s${i}`, `10.0.0.${i + 1}`, '', [['10.0.1.1', i + w]])).join(''));
    const pool = eight(1);
    // the same 8 services twice: [i] and an edited copy [i + 8] (another weight); a config takes each at most once
    const vsList = [...pool.virtual_server, ...eight(11).virtual_server];
    const pick = fc
      .uniqueArray(fc.integer({ min: 0, max: 7 }), { maxLength: 8 })
      .chain((ids) =>
        fc.tuple(fc.constant(ids), fc.array(fc.boolean(), { minLength: ids.length, maxLength: ids.length })),
      )
      .map(([ids, edited]) => ({ ...pool, virtual_server: ids.map((i, j) => vsList[edited[j] ? i + 8 : i]!) }));
    fc.assert(
      fc.property(pick, pick, (prev, next) => {
        const got = diffConfigs(prev, next);
        const want = servicesByKey(prev, next);
        expect({ services: got.services, dests: got.dests }).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});
