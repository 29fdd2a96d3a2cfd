/**
 * Realigning an ecmp service's destination order (src/plan/dest-order.ts, diffTables' `ordered`):
 * scripted kernel lists, a property over random reload histories (the realigned kernel list equals
 * the list a fresh start gives, with the fewest re-adds a brute force finds), and the contrast
 * without realignment. The kernel is modelled as it behaves (ip_vs_ctl.c): an added dest goes to the
 * head of the list, a deleted one leaves it, an edit keeps its place; reads list from the head.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ecmpDestOrder } from '../../../src/announce/ecmp.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { destKey, serviceKey, type Destination, type IpvsTable, type Op } from '../../../src/ipvs/types.js';
import { freshKernelOrder, realignFrom } from '../../../src/plan/dest-order.js';
import { diffTables } from '../../../src/plan/diff.js';
import { Reconciler } from '../../../src/plan/reconciler.js';
import { ManualClock } from '../../../src/util/clock.js';
import { dst, sid, svc, table } from './helpers.js';

const ID = sid(1);
const KEY = serviceKey(ID);
const ORDERED = new Set([KEY]);
const POOL = Array.from({ length: 7 }, (_, i) => `10.0.2.${11 + i}`);

/** diffTables for the one service (owned), realigning its order when `ordered` has it. */
function diff(actual: IpvsTable, want: IpvsTable, ordered: ReadonlySet<string>): Op[] {
  return diffTables(actual, want, ORDERED, undefined, ordered);
}

/** The kernel's list (keys, head first) after `ops` on one service. */
function kernelAfter(list: readonly string[], ops: readonly Op[]): string[] {
  let out = [...list];
  for (const op of ops) {
    if (op.op === 'del-dest') out = out.filter((k) => k !== destKey(op.dest));
    if (op.op === 'add-dest') out = [destKey(op.dest), ...out];
  }
  return out;
}

/** A table with one mh DR service on ID holding `addresses` in the order given. */
function mhTable(addresses: readonly string[]): IpvsTable {
  return table(svc(ID, addresses.map(dest), { scheduler: 'mh' }));
}

function dest(address: string): Destination {
  return dst(address, 1, { forwarding: 'dr' });
}

/** What lvsd desires for a config holding `addresses`: the ecmp add order. */
function desired(addresses: readonly string[]): IpvsTable {
  return mhTable(ecmpDestOrder(addresses.map(dest)).map((d) => d.address));
}

const keys = (addresses: readonly string[]): string[] => addresses.map((a) => destKey(dest(a)));
const fresh = (addresses: readonly string[]): string[] =>
  freshKernelOrder(ecmpDestOrder(addresses.map(dest)).map((d) => destKey(d)));
const readdCount = (ops: readonly Op[]): number => ops.filter((o) => o.op === 'del-dest').length;

/** The fewest re-adds, by trying every subset of the kept dests (brute force, small lists only). */
function fewestReadds(kernel: readonly string[], freshList: readonly string[]): number {
  const kept = kernel.filter((k) => freshList.includes(k));
  let best = Infinity;
  for (let mask = 0; mask < 1 << kept.length; mask++) {
    const readd = kept.filter((_, i) => mask & (1 << i));
    const stay = kept.filter((k) => !readd.includes(k));
    // re-added and new dests go above the ones that stay, in any order we like: the fresh one
    const above = freshList.filter((k) => !stay.includes(k));
    if ([...above, ...stay].join() === freshList.join()) best = Math.min(best, readd.length);
  }
  return best;
}

describe('realignFrom', () => {
  it('keeps the longest prefix of the add order that the kernel holds in fresh order', () => {
    // fresh start of a,b,d gives d,b,a; a reload adding c puts it at the head: c,d,b,a
    expect(realignFrom(['c', 'd', 'b', 'a'], ['a', 'b', 'c', 'd'])).toBe(3);
    expect(realignFrom(['d', 'c', 'b', 'a'], ['a', 'b', 'c', 'd'])).toBe(4);
    expect(realignFrom(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(1);
    expect(realignFrom([], ['a'])).toBe(0);
    expect(realignFrom(['x', 'b', 'y', 'a'], ['a', 'b'])).toBe(2);
  });
});

describe('diffTables with an ordered (ecmp) service', () => {
  it('a running director that got a server by reload re-adds the one dest out of place', () => {
    const afterStart = fresh(['10.0.2.11', '10.0.2.12', '10.0.2.14']); // added 11, 12, 14 → listed 14, 12, 11
    expect(afterStart).toEqual(keys(['10.0.2.14', '10.0.2.12', '10.0.2.11']));
    // the reload adds .13: one pass adds it and re-adds .14, which a fresh start adds after it
    const ops = diff(mhTable(afterStart.map((k) => k.split(':')[0]!)), desired(POOL.slice(0, 4)), ORDERED);
    expect(ops.map((o) => `${o.op} ${'dest' in o ? o.dest.address : ''}`)).toEqual([
      'del-dest 10.0.2.14',
      'add-dest 10.0.2.13',
      'add-dest 10.0.2.14',
    ]);
    expect(kernelAfter(afterStart, ops)).toEqual(fresh(POOL.slice(0, 4)));
  });

  it('contrast: without realignment the same reload leaves the new server at the head', () => {
    const afterStart = fresh(['10.0.2.11', '10.0.2.12', '10.0.2.14']);
    const ops = diff(mhTable(afterStart.map((k) => k.split(':')[0]!)), desired(POOL.slice(0, 4)), new Set());
    expect(ops.map((o) => o.op)).toEqual(['add-dest']);
    const after = kernelAfter(afterStart, ops);
    expect(after).toEqual(keys(['10.0.2.13', '10.0.2.14', '10.0.2.12', '10.0.2.11']));
    expect(after).not.toEqual(fresh(POOL.slice(0, 4)));
  });

  it('a list already in fresh order gives zero ops; a re-added dest gets its desired weight', () => {
    const addrs = POOL.slice(0, 3);
    const have = mhTable(fresh(addrs).map((k) => k.split(':')[0]!));
    expect(diff(have, desired(addrs), ORDERED)).toEqual([]);
    const misordered = mhTable([addrs[0]!, addrs[2]!, addrs[1]!]);
    const want = desired(addrs);
    want.services[0]!.destinations.forEach((d) => (d.weight = 5));
    const ops = diff(misordered, want, ORDERED);
    for (const o of ops) if (o.op === 'add-dest') expect(o.dest.weight).toBe(5);
    expect(ops.filter((o) => o.op === 'edit-dest').length).toBe(1); // the one left in place
  });

  it('leaves the order of services that are not ordered alone', () => {
    const misordered = mhTable(['10.0.2.11', '10.0.2.12', '10.0.2.13']);
    expect(diff(misordered, desired(POOL.slice(0, 3)), new Set())).toEqual([]);
  });

  it('property: after any reload history the kernel list equals a fresh start, with the fewest re-adds', () => {
    const config = fc.subarray(POOL, { minLength: 0 });
    fc.assert(
      fc.property(config, fc.array(config, { minLength: 1, maxLength: 8 }), (first, reloads) => {
        let kernel: string[] = kernelAfter([], diff(table(), desired(first), ORDERED));
        expect(kernel).toEqual(fresh(first));
        for (const next of reloads) {
          const ops = diff(mhTable(kernel.map((k) => k.split(':')[0]!)), desired(next), ORDERED);
          expect(readdCount(ops.filter((o) => o.op !== 'del-dest' || next.includes(o.dest.address)))).toBe(
            fewestReadds(kernel, fresh(next)),
          );
          kernel = kernelAfter(kernel, ops);
          expect(kernel).toEqual(fresh(next));
          expect(diff(mhTable(kernel.map((k) => k.split(':')[0]!)), desired(next), ORDERED)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('contrast property: without realignment some reload history ends out of fresh order', () => {
    const config = fc.subarray(POOL, { minLength: 0 });
    const out = fc.check(
      fc.property(config, fc.array(config, { minLength: 1, maxLength: 8 }), (first, reloads) => {
        let kernel = kernelAfter([], diff(table(), desired(first), new Set()));
        for (const next of reloads) {
          kernel = kernelAfter(kernel, diff(mhTable(kernel.map((k) => k.split(':')[0]!)), desired(next), new Set()));
          if (kernel.join() !== fresh(next).join()) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
    expect(out.failed).toBe(true);
  });
});

describe('Reconciler + memory dataplane in kernel order', () => {
  it('realigns the list in one pass after a reload that adds a server, then stays quiet', async () => {
    const dp = new MemoryDataplane(undefined, { kernelOrder: true });
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock(), ordered: () => ORDERED });
    await r.reconcile(desired(['10.0.2.11', '10.0.2.12', '10.0.2.14']), ORDERED);
    const listed = async () => (await dp.read()).services[0]!.destinations.map((d) => destKey(d));
    expect(await listed()).toEqual(fresh(['10.0.2.11', '10.0.2.12', '10.0.2.14']));
    const rep = await r.reconcile(desired(POOL.slice(0, 4)), ORDERED);
    expect(rep.failed).toEqual([]);
    expect(await listed()).toEqual(fresh(POOL.slice(0, 4)));
    expect((await r.reconcile(desired(POOL.slice(0, 4)), ORDERED)).ops).toEqual([]);
  });

  it('passes that diff against the reconciler picture (no read) see the kernel order too: no churn', async () => {
    const dp = new MemoryDataplane(undefined, { kernelOrder: true });
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock(), ordered: () => ORDERED });
    const listed = async () => (await dp.read()).services[0]!.destinations.map((d) => destKey(d));
    await r.reconcile(desired(['10.0.2.11', '10.0.2.12', '10.0.2.14']), ORDERED);
    // a new desired object each time, as after a health change: compared again, against the picture
    const quiet = await r.reconcile(desired(['10.0.2.11', '10.0.2.12', '10.0.2.14']), ORDERED, { read: false });
    expect(quiet.ops).toEqual([]);
    const rep = await r.reconcile(desired(POOL.slice(0, 4)), ORDERED, { read: false });
    expect(rep.ops.map((o) => o.op)).toEqual(['del-dest', 'add-dest', 'add-dest']);
    expect(await listed()).toEqual(fresh(POOL.slice(0, 4)));
    expect((await r.reconcile(desired(POOL.slice(0, 4)), ORDERED, { read: false })).ops).toEqual([]);
    expect((await r.reconcile(desired(POOL.slice(0, 4)), ORDERED)).ops).toEqual([]);
  });
});
