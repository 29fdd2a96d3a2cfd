/**
 * TableView (the reconciler's picture of the table) against the kernel-like memory dataplane: a table
 * read, then random ops applied to the dataplane, and only those that succeeded recorded in the view,
 * must give the table the dataplane then reads. A table handed out before an op stays as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { destKey, serviceKey, type IpvsTable, type Op } from '../../../src/ipvs/types.js';
import { TableView } from '../../../src/plan/table-view.js';
import { dst, sid, svc, table } from './helpers.js';

/** A table compared without order, counters and stats. */
function norm(t: IpvsTable) {
  return t.services
    .map((s) => ({
      key: serviceKey(s.id),
      scheduler: s.scheduler,
      flags: s.flags,
      dests: s.destinations
        .map((d) => `${destKey(d)}/${d.weight}/${d.forwarding}/${d.upperThreshold}/${d.lowerThreshold}`)
        .sort(),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ n: fc.integer({ min: 1, max: 4 }), sched: fc.constantFrom('rr', 'wlc', 'bogus') })
    .chain(({ n, sched }) =>
      fc.constantFrom<Op>(
        { op: 'add-service', service: { id: sid(n), scheduler: sched, flags: 0, timeout: 0, netmask: 0xffffffff } },
        { op: 'edit-service', service: { id: sid(n), scheduler: sched, flags: 0, timeout: 0, netmask: 0xffffffff } },
        { op: 'del-service', id: sid(n) },
      ),
    ),
  fc
    .record({
      n: fc.integer({ min: 1, max: 4 }),
      host: fc.integer({ min: 1, max: 5 }),
      w: fc.integer({ min: -1, max: 9 }),
    })
    .chain(({ n, host, w }) =>
      fc.constantFrom<Op>(
        { op: 'add-dest', service: sid(n), dest: dst(`10.0.1.${host}`, w) },
        { op: 'edit-dest', service: sid(n), dest: dst(`10.0.1.${host}`, w) },
        { op: 'del-dest', service: sid(n), dest: dst(`10.0.1.${host}`) },
      ),
    ),
  fc.constant<Op>({ op: 'flush' }),
);

describe('TableView', () => {
  it('property: the read table plus the ops that succeeded is what the dataplane then holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { maxLength: 8 }),
        fc.array(fc.array(opArb, { maxLength: 12 }), { maxLength: 4 }),
        async (setup, batches) => {
          const dp = new MemoryDataplane();
          await dp.apply(setup);
          const view = new TableView(await dp.read());
          for (const batch of batches) {
            const before = view.table();
            const frozen = structuredClone(before);
            const results = await dp.apply(batch);
            view.applied(batch.filter((_, i) => results[i]!.ok));
            expect(before).toEqual(frozen);
            expect(norm(view.table())).toEqual(norm(await dp.read()));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('rebuilds a service once for many dest ops in one call', () => {
    const view = new TableView(table(svc(sid(1), [dst('10.0.1.1'), dst('10.0.1.2')])));
    const first = view.get(serviceKey(sid(1)));
    view.applied([
      { op: 'edit-dest', service: sid(1), dest: dst('10.0.1.1', 7) },
      { op: 'del-dest', service: sid(1), dest: dst('10.0.1.2') },
      { op: 'add-dest', service: sid(1), dest: dst('10.0.1.3', 2) },
    ]);
    // like the kernel: the added dest is listed first, the edited one keeps its place
    expect(view.get(serviceKey(sid(1)))!.destinations.map((d) => `${d.address}/${d.weight}`)).toEqual([
      '10.0.1.3/2',
      '10.0.1.1/7',
    ]);
    expect(first!.destinations).toHaveLength(2);
  });
});
