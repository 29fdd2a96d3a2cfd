/** diffTables: ownership, in-place edits, ordering, zero ops when equal, drift repair. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { serviceKey, type IpvsTable, type Op } from '../../../src/ipvs/types.js';
import { diffTables, sameService } from '../../../src/plan/diff.js';
import { dst, sid, svc, table } from './helpers.js';

const owned = (...ids: number[]) => new Set(ids.map((n) => serviceKey(sid(n))));
const kinds = (ops: Op[]) => ops.map((o) => o.op);

describe('diffTables', () => {
  const desired = table(svc(sid(1), [dst('10.0.1.1', 5), dst('10.0.1.2', 5)]), svc(sid(2), [dst('10.0.1.3')]));

  it('gives zero ops for equal tables', () => {
    expect(diffTables(structuredClone(desired), desired, owned(1, 2))).toEqual([]);
  });

  it('ignores HASHED, counters, stats and persistence fields of a non-persistent service', () => {
    const actual = structuredClone(desired);
    actual.services[0]!.flags = 0x2;
    actual.services[0]!.timeout = 77;
    actual.services[0]!.destinations[0]!.conns = { active: 4, inactive: 1, persistent: 0 };
    expect(diffTables(actual, desired, owned(1, 2))).toEqual([]);
  });

  it('adds everything to an empty table, services before their dests', () => {
    const ops = diffTables(table(), desired, owned(1, 2));
    expect(kinds(ops)).toEqual(['add-service', 'add-service', 'add-dest', 'add-dest', 'add-dest']);
  });

  it('never touches a service it does not own, nor its dests', () => {
    const foreign = svc(sid(9), [dst('10.9.9.9')]);
    const actual = table(...structuredClone(desired).services, foreign);
    expect(diffTables(actual, desired, owned(1, 2))).toEqual([]);
    const ops = diffTables(table(foreign), table(), owned(1, 2));
    expect(ops).toEqual([]);
  });

  it('deletes owned services that are no longer desired, dest deletes first', () => {
    const actual = table(
      svc(sid(1), [dst('10.0.1.1', 5), dst('10.0.1.2', 5), dst('10.0.1.9')]),
      svc(sid(3), [dst('10.0.1.4')]),
    );
    const ops = diffTables(actual, table(svc(sid(1), [dst('10.0.1.1', 5), dst('10.0.1.2', 5)])), owned(1, 3));
    expect(ops).toEqual([
      { op: 'del-dest', service: sid(1), dest: { af: 'inet', address: '10.0.1.9', port: 8080 } },
      { op: 'del-service', id: sid(3) },
    ]);
  });

  it('edits a changed scheduler, flags or persistence in place', () => {
    for (const change of [{ scheduler: 'rr' }, { flags: 1, timeout: 300 }, { flags: 0x18 }]) {
      const want = table(svc(sid(1), [dst('10.0.1.1')], change));
      const ops = diffTables(table(svc(sid(1), [dst('10.0.1.1')])), want, owned(1));
      expect(kinds(ops)).toEqual(['edit-service']);
    }
  });

  it('edits a changed persistence timeout or netmask of a persistent service', () => {
    const base = svc(sid(1), [], { flags: 1, timeout: 300, netmask: 0xffffffff });
    expect(kinds(diffTables(table(base), table({ ...base, timeout: 60 }), owned(1)))).toEqual(['edit-service']);
    expect(kinds(diffTables(table(base), table({ ...base, netmask: 0xffffff00 }), owned(1)))).toEqual(['edit-service']);
  });

  it('edits a changed weight, threshold or forwarding in place', () => {
    for (const change of [
      { weight: 9 },
      { upperThreshold: 10 },
      { forwarding: 'dr' as const },
      { forwarding: 'tun' as const, tunType: 'gre' as const },
    ]) {
      const ops = diffTables(
        table(svc(sid(1), [dst('10.0.1.1')])),
        table(svc(sid(1), [dst('10.0.1.1', 1, change)])),
        owned(1),
      );
      expect(kinds(ops)).toEqual(['edit-dest']);
    }
  });

  it('repairs drift: a dest deleted by hand, a flush, a weight edit', () => {
    const deleted = structuredClone(desired);
    deleted.services[0]!.destinations.pop();
    expect(diffTables(deleted, desired, owned(1, 2))).toEqual([
      { op: 'add-dest', service: sid(1), dest: dst('10.0.1.2', 5) },
    ]);
    expect(diffTables(table(), desired, owned(1, 2))).toHaveLength(5);
    const edited = structuredClone(desired);
    edited.services[1]!.destinations[0]!.weight = 0;
    expect(diffTables(edited, desired, owned(1, 2))).toEqual([
      { op: 'edit-dest', service: sid(2), dest: dst('10.0.1.3') },
    ]);
  });

  it('a one-weight change in 1,000 services × 10 dests is exactly one op', () => {
    const big = table(
      ...Array.from({ length: 1000 }, (_, i) =>
        svc(
          sid(i % 250, 1000 + i),
          Array.from({ length: 10 }, (_, j) => dst(`10.1.${i % 250}.${j}`, 10)),
        ),
      ),
    );
    const next = structuredClone(big);
    next.services[500]!.destinations[3]!.weight = 11;
    const own = new Set(big.services.map((s) => serviceKey(s.id)));
    expect(diffTables(big, next, own)).toEqual([
      { op: 'edit-dest', service: next.services[500]!.id, dest: next.services[500]!.destinations[3] },
    ]);
  });

  it('treats a desired service as owned even when the owned set forgot it', () => {
    expect(kinds(diffTables(table(), desired, new Set()))).toContain('add-service');
  });

  it('sameService compares pe names with empty = none', () => {
    const a = svc(sid(1), []);
    expect(sameService(a, { ...a, pe: '' })).toBe(true);
    expect(sameService(a, { ...a, pe: 'sip' })).toBe(false);
  });

  it('property: applying the diff to a memory dataplane makes the owned part equal to desired, leaves the rest, and a second diff is empty', async () => {
    const destArb = fc.record({
      host: fc.integer({ min: 1, max: 6 }),
      weight: fc.integer({ min: 0, max: 5 }),
      fwd: fc.constantFrom('nat' as const, 'dr' as const),
    });
    const svcArb = fc.record({
      n: fc.integer({ min: 1, max: 6 }),
      sched: fc.constantFrom('rr', 'wlc', 'sh'),
      dests: fc.array(destArb, { maxLength: 4 }),
    });
    const build = (
      xs: Array<{ n: number; sched: string; dests: Array<{ host: number; weight: number; fwd: 'nat' | 'dr' }> }>,
    ): IpvsTable => {
      const m = new Map<number, ReturnType<typeof svc>>();
      for (const x of xs)
        if (!m.has(x.n)) {
          const ds = new Map(x.dests.map((d) => [d.host, dst(`10.0.1.${d.host}`, d.weight, { forwarding: d.fwd })]));
          m.set(x.n, svc(sid(x.n), [...ds.values()], { scheduler: x.sched }));
        }
      return table(...m.values());
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(svcArb, { maxLength: 5 }),
        fc.array(svcArb, { maxLength: 5 }),
        fc.subarray([1, 2, 3, 4, 5, 6]),
        async (a, d, own) => {
          const actual = build(a),
            desiredT = build(d);
          const ownSet = new Set(own.map((n) => serviceKey(sid(n))));
          const dp = new MemoryDataplane(actual);
          const results = await dp.apply(diffTables(actual, desiredT, ownSet));
          expect(results.every((r) => r.ok)).toBe(true);
          const after = await dp.read();
          expect(diffTables(after, desiredT, ownSet)).toEqual([]);
          for (const s of actual.services) {
            const k = serviceKey(s.id);
            if (ownSet.has(k) || desiredT.services.some((x) => serviceKey(x.id) === k)) continue;
            const kept = after.services.find((x) => serviceKey(x.id) === k);
            expect(kept?.destinations.map((x) => [x.address, x.weight])).toEqual(
              s.destinations.map((x) => [x.address, x.weight]),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: services the caller marks settled (truthfully: actual holds them as desired) change nothing', () => {
    const destArb = fc.record({ host: fc.integer({ min: 1, max: 6 }), weight: fc.integer({ min: 0, max: 5 }) });
    const svcArb = fc.record({
      n: fc.integer({ min: 1, max: 6 }),
      sched: fc.constantFrom('rr', 'wlc'),
      dests: fc.array(destArb, { maxLength: 4 }),
    });
    const build = (xs: Array<{ n: number; sched: string; dests: Array<{ host: number; weight: number }> }>) => {
      const m = new Map<number, ReturnType<typeof svc>>();
      for (const x of xs)
        if (!m.has(x.n)) {
          const ds = new Map(x.dests.map((d) => [d.host, dst(`10.0.1.${d.host}`, d.weight)]));
          m.set(x.n, svc(sid(x.n), [...ds.values()], { scheduler: x.sched }));
        }
      return table(...m.values());
    };
    let skipped = 0;
    fc.assert(
      fc.property(
        fc.array(svcArb, { maxLength: 6 }),
        fc.array(svcArb, { maxLength: 6 }),
        fc.subarray([1, 2, 3, 4, 5, 6]),
        (a, d, own) => {
          const actual = build(a),
            desiredT = build(d);
          const ownSet = new Set(own.map((n) => serviceKey(sid(n))));
          // truthful: a desired service whose actual counterpart has the same settings and dests
          const equal = new Set(
            desiredT.services
              .filter((w) => {
                const x = actual.services.find((y) => serviceKey(y.id) === serviceKey(w.id));
                return x !== undefined && diffTables(table(x), table(w), new Set()).length === 0;
              })
              .map((w) => serviceKey(w.id)),
          );
          skipped += equal.size;
          expect(diffTables(actual, desiredT, ownSet, (k) => equal.has(k))).toEqual(
            diffTables(actual, desiredT, ownSet),
          );
        },
      ),
      { numRuns: 300 },
    );
    expect(skipped).toBeGreaterThan(0);
  });
});
