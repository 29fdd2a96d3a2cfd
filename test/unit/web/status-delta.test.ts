import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyStatusDelta, statusDelta, toJson, type Json } from '../../../src/web/status-delta.js';

type Obj = { [k: string]: Json };
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

// Small key spaces so that two generated reports share most servers (the common case: few changes).
const leaf = fc.oneof(
  fc.integer({ min: 0, max: 3 }),
  fc.constantFrom('up', 'down', 'unchecked'),
  fc.boolean(),
  fc.constant(null),
);
const stats = fc.record(
  { conns: fc.constantFrom('0', '1', '7'), cps: fc.constantFrom('0', '2') },
  { requiredKeys: [] },
);
const rs = fc.record(
  {
    rs: fc.constantFrom('10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '[2001:db8::1]:80'),
    health: leaf,
    kernelWeight: leaf,
    reason: fc.option(fc.constantFrom('HTTP 200', 'connection refused'), { nil: undefined }),
    stats: fc.option(stats, { nil: undefined }),
  },
  { requiredKeys: ['rs'] },
);
const vs = fc.record(
  {
    name: fc.constantFrom('web', 'dns', 'mail'),
    belowQuorum: fc.boolean(),
    realServers: fc.array(rs, { maxLength: 4 }),
    extraDestinations: fc.array(fc.record({ rs: fc.constantFrom('10.9.9.9:80'), weight: leaf }), { maxLength: 2 }),
  },
  { requiredKeys: ['name', 'realServers'] },
);
const report = fc.record(
  {
    daemon: fc.record({
      generation: fc.integer({ min: 1, max: 3 }),
      lastReload: fc.option(fc.record({ ok: fc.boolean() }), { nil: undefined }),
    }),
    virtualServers: fc.array(vs, { maxLength: 3 }),
    vrrp: fc.array(fc.record({ name: fc.constant('VI_1'), state: fc.constantFrom('MASTER', 'BACKUP') }), {
      maxLength: 1,
    }),
    sync: fc.option(fc.record({ state: fc.constantFrom('master', 'backup') }), { nil: undefined }),
  },
  { requiredKeys: ['daemon', 'virtualServers'] },
);

describe('statusDelta / applyStatusDelta', () => {
  it('applying the delta of (prev, next) to a copy of prev gives next, for any two reports', () => {
    fc.assert(
      fc.property(report, report, (a, b) => {
        const prev = toJson(a) as Obj;
        const next = toJson(b) as Obj;
        const d = statusDelta(prev, next);
        const out = d ? applyStatusDelta(clone(prev), clone(d)) : clone(prev);
        expect(out).toEqual(next);
        // a delta exists exactly when the two differ
        expect(d === undefined).toBe(JSON.stringify(prev) === JSON.stringify(next));
      }),
      { numRuns: 2000 },
    );
  });

  it('sends one changed real server, not its whole virtual server', () => {
    const servers = Array.from({ length: 100 }, (_, i) => ({
      rs: `10.0.${i >> 8}.${i & 255}:80`,
      health: 'up',
      kernelWeight: 10,
    }));
    const prev = toJson({ daemon: { generation: 1 }, virtualServers: [{ name: 'web', realServers: servers }] }) as Obj;
    const next = clone(prev);
    ((next.virtualServers as Obj[])[0].realServers as Obj[])[42].health = 'down';
    const d = statusDelta(prev, next)!;
    expect(d).toEqual({
      sub: {
        virtualServers: {
          list: 'virtualServers',
          sub: {
            web: {
              sub: { realServers: { list: 'realServers', sub: { '10.0.0.42:80': { set: { health: 'down' } } } } },
            },
          },
        },
      },
    });
    expect(JSON.stringify(d).length).toBeLessThan(200);
  });

  it('replaces a list whole when its keys are not unique (and still round-trips)', () => {
    const prev = toJson({
      virtualServers: [
        { name: 'a', realServers: [] },
        { name: 'a', realServers: [] },
      ],
    }) as Obj;
    const next = toJson({ virtualServers: [{ name: 'a', realServers: [{ rs: 'x' }] }] }) as Obj;
    const d = statusDelta(prev, next)!;
    expect(d.set?.virtualServers).toEqual(next.virtualServers);
    expect(applyStatusDelta(clone(prev), d)).toEqual(next);
  });

  it('bigints become decimal strings and undefined fields disappear', () => {
    expect(toJson({ a: 2n ** 64n, b: undefined, c: [1n] })).toEqual({ a: '18446744073709551616', c: ['1'] });
  });
});
