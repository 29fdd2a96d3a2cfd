/** Reconciler against the memory dataplane: sync, adoption without flush, batches, backoff retries, coalescing. */
import { describe, expect, it } from 'vitest';
import type { Dataplane } from '../../../src/dataplane/dataplane.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import { serviceKey, type IpvsTable, type Op, type OpResult } from '../../../src/ipvs/types.js';
import { Reconciler, type ReconcileReport } from '../../../src/plan/reconciler.js';
import { ManualClock } from '../../../src/util/clock.js';
import { dst, sid, svc, table } from './helpers.js';

const desired = table(svc(sid(1), [dst('10.0.1.1', 5), dst('10.0.1.2', 5)]), svc(sid(2), [dst('10.0.1.3')]));
const owned = new Set(desired.services.map((s) => serviceKey(s.id)));
const flush = () => new Promise((r) => setImmediate(r));

/** Wraps a dataplane to count apply calls and optionally hold reads until released. */
class Spy implements Dataplane {
  applies: number[] = [];
  reads = 0;
  hold?: Promise<void>;
  constructor(readonly inner: MemoryDataplane) {}
  async read(): Promise<IpvsTable> {
    this.reads++;
    if (this.hold) await this.hold;
    return this.inner.read();
  }
  apply(ops: readonly Op[]): Promise<OpResult[]> {
    this.applies.push(ops.length);
    return this.inner.apply(ops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('Reconciler', () => {
  it('syncs an empty table, then does nothing when nothing changed', async () => {
    const dp = new MemoryDataplane();
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    const first = await r.reconcile(desired, owned);
    expect(first.writes).toBe(5);
    expect(first.failed).toEqual([]);
    const second = await r.reconcile(desired, owned);
    expect(second.writes).toBe(0);
    expect(dp.writes).toBe(5);
    expect(r.lastActual()?.services).toHaveLength(2);
  });

  it('adopts existing entries at startup without a flush: no write, connections and foreign services kept', async () => {
    const foreign = svc(sid(9), [dst('10.9.9.9')]);
    const dp = new MemoryDataplane(table(...structuredClone(desired).services, foreign));
    dp.setConns(sid(1), { address: '10.0.1.1', port: 8080 }, { active: 12 });
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    const rep = await r.reconcile(desired, owned);
    expect(rep.ops).toEqual([]);
    expect(dp.writes).toBe(0);
    const t = dp.snapshot();
    expect(t.services.map((s) => serviceKey(s.id))).toEqual(['TCP 10.0.0.1:80', 'TCP 10.0.0.2:80', 'TCP 10.0.0.9:80']);
    expect(t.services[0]!.destinations[0]!.conns?.active).toBe(12);
  });

  it('repairs only what differs at startup (a stale weight) and removes owned leftovers', async () => {
    const stale = structuredClone(desired);
    stale.services[0]!.destinations[0]!.weight = 0;
    stale.services.push(svc(sid(3), [dst('10.0.1.7')]));
    const dp = new MemoryDataplane(stale);
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    const rep = await r.reconcile(desired, new Set([...owned, serviceKey(sid(3))]));
    expect(rep.ops.map((o) => o.op)).toEqual(['del-service', 'edit-dest']);
  });

  it('applies in batches of batchSize', async () => {
    const spy = new Spy(new MemoryDataplane());
    const r = new Reconciler({ dataplane: spy, clock: new ManualClock(), batchSize: 2 });
    await r.reconcile(desired, owned);
    expect(spy.applies).toEqual([2, 2, 1]);
  });

  it('retries a failed op on a later pass with exponential backoff, skipping it in between', async () => {
    const clock = new ManualClock();
    const dp = new MemoryDataplane();
    let failuresLeft = 2;
    dp.inject((op) =>
      op.op === 'add-dest' && op.dest.address === '10.0.1.2' && failuresLeft-- > 0 ? 'ENOMEM' : undefined,
    );
    const reports: ReconcileReport[] = [];
    const r = new Reconciler({ dataplane: dp, clock, baseBackoffMs: 500, onResult: (x) => reports.push(x) });
    const first = await r.reconcile(desired, owned);
    expect(first.failed.map((f) => f.error)).toEqual([expect.stringMatching(/^ENOMEM: IPVS_CMD_NEW_DEST/)]);
    // an unrelated trigger before the backoff expires does not retry the op
    clock.advance(100);
    const early = await r.reconcile(desired, owned);
    expect(early.ops).toEqual([]);
    expect(early.deferred.map((o) => o.op)).toEqual(['add-dest']);
    clock.advance(400); // t = 500: first retry fires by itself and fails again
    await flush();
    expect(reports.length).toBe(3);
    expect(reports[2]!.failed).toHaveLength(1);
    expect(r.backingOff()).toEqual([{ target: 'TCP 10.0.0.1:80|10.0.1.2:8080', failures: 2, retryAt: 1500 }]);
    clock.advance(999);
    await flush();
    expect(reports.length).toBe(3);
    clock.advance(1); // t = 1500: second retry succeeds
    await flush();
    expect(reports.length).toBe(4);
    expect(reports[3]!.failed).toEqual([]);
    expect(dp.snapshot().services[0]!.destinations.map((d) => d.address)).toEqual(['10.0.1.1', '10.0.1.2']);
    expect(r.backingOff()).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('caps the backoff at maxBackoffMs', async () => {
    const clock = new ManualClock();
    const dp = new MemoryDataplane();
    dp.inject((op) => (op.op === 'add-service' && op.service.id.address === '10.0.0.2' ? 'EPERM' : undefined));
    const r = new Reconciler({ dataplane: dp, clock, baseBackoffMs: 100, maxBackoffMs: 300 });
    await r.reconcile(desired, owned);
    for (let i = 0; i < 5; i++) {
      clock.advance(300);
      await flush();
    }
    const b = r.backingOff().find((x) => x.target === 'TCP 10.0.0.2:80')!;
    expect(b.failures).toBeGreaterThanOrEqual(4);
    expect(b.retryAt - clock.now()).toBeLessThanOrEqual(300);
    r.close();
    expect(clock.pending()).toBe(0);
  });

  it('defers the dests of a service whose add is backing off', async () => {
    const clock = new ManualClock();
    const dp = new MemoryDataplane();
    const stop = dp.inject((op) =>
      op.op === 'add-service' && op.service.id.address === '10.0.0.1' ? 'ENOMEM' : undefined,
    );
    const r = new Reconciler({ dataplane: dp, clock });
    const first = await r.reconcile(desired, owned);
    expect(first.failed.map((f) => f.op.op)).toEqual(['add-service', 'add-dest', 'add-dest']);
    stop();
    const early = await r.reconcile(desired, owned);
    expect(early.ops).toEqual([]);
    expect(early.deferred.map((o) => o.op)).toEqual(['add-service', 'add-dest', 'add-dest']);
    r.close();
  });

  it('coalesces concurrent calls: one pass in flight, one pending with the latest request', async () => {
    const spy = new Spy(new MemoryDataplane());
    let release!: () => void;
    spy.hold = new Promise<void>((res) => (release = res));
    const r = new Reconciler({ dataplane: spy, clock: new ManualClock() });
    const a = r.reconcile(table(), owned);
    const b = r.reconcile(table(svc(sid(1), [])), owned);
    const c = r.reconcile(desired, owned);
    spy.hold = undefined;
    release();
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(spy.reads).toBe(2);
    expect(ra.writes).toBe(0);
    expect(rb).toBe(rc);
    expect(rc.writes).toBe(5);
    expect(spy.inner.snapshot().services).toHaveLength(2);
  });

  it('reports a failed read instead of throwing, and retries it', async () => {
    const clock = new ManualClock();
    const dp = new MemoryDataplane();
    let broken = true;
    const flaky: Dataplane = {
      read: () => (broken ? Promise.reject(new Error('EBUSY')) : dp.read()),
      apply: (o) => dp.apply(o),
      close: () => dp.close(),
    };
    const r = new Reconciler({ dataplane: flaky, clock, baseBackoffMs: 200 });
    const rep = await r.reconcile(desired, owned);
    expect(rep.error).toBe('read failed: EBUSY');
    expect(rep.writes).toBe(0);
    broken = false;
    clock.advance(200);
    await flush();
    expect(dp.snapshot().services).toHaveLength(2);
  });

  it('backs off exponentially while the table stays unreadable (no IPVS), and starts over after a good read', async () => {
    const clock = new ManualClock();
    const dp = new MemoryDataplane();
    let broken = true;
    let reads = 0;
    const flaky: Dataplane = {
      read: () => (reads++, broken ? Promise.reject(new Error('IPVS_UNAVAILABLE')) : dp.read()),
      apply: (o) => dp.apply(o),
      close: () => dp.close(),
    };
    const r = new Reconciler({ dataplane: flaky, clock, baseBackoffMs: 100, maxBackoffMs: 800 });
    await r.reconcile(desired, owned);
    const readsAt = (ms: number) => (clock.advance(ms), flush()).then(() => reads);
    expect(reads).toBe(1);
    expect(await readsAt(99)).toBe(1);
    expect(await readsAt(1)).toBe(2); // +100
    expect(await readsAt(199)).toBe(2);
    expect(await readsAt(1)).toBe(3); // +200
    expect(await readsAt(400)).toBe(4); // +400
    expect(await readsAt(800)).toBe(5); // +800 (cap)
    expect(await readsAt(799)).toBe(5);
    expect(await readsAt(1)).toBe(6); // still +800
    broken = false;
    expect(await readsAt(800)).toBe(7);
    expect(dp.snapshot().services).toHaveLength(2);
    broken = true;
    await r.reconcile(desired, owned);
    expect(await readsAt(100)).toBe(9); // the streak starts over at the base delay
    r.close();
  });

  it('repairs drift made by hand on the next pass (ipvsadm -d, -C, weight edit)', async () => {
    const dp = new MemoryDataplane();
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    await r.reconcile(desired, owned);
    await dp.apply([{ op: 'del-dest', service: sid(1), dest: dst('10.0.1.1') }]);
    expect((await r.reconcile(desired, owned)).ops.map((o) => o.op)).toEqual(['add-dest']);
    await dp.apply([{ op: 'edit-dest', service: sid(2), dest: dst('10.0.1.3', 99) }]);
    expect((await r.reconcile(desired, owned)).ops.map((o) => o.op)).toEqual(['edit-dest']);
    await dp.apply([{ op: 'flush' }]);
    expect((await r.reconcile(desired, owned)).writes).toBe(5);
    expect((await r.reconcile(desired, owned)).writes).toBe(0);
  });
});

describe('Reconciler: transport failure', () => {
  it('reports an apply that rejects instead of throwing, and retries the pass', async () => {
    const clock = new ManualClock();
    const dp = new MemoryDataplane();
    let broken = true;
    const flaky: Dataplane = {
      read: () => dp.read(),
      apply: (o) => (broken ? Promise.reject(new Error('socket closed')) : dp.apply(o)),
      close: () => dp.close(),
    };
    const r = new Reconciler({ dataplane: flaky, clock, baseBackoffMs: 100 });
    const rep = await r.reconcile(desired, owned);
    expect(rep.error).toBe('apply failed: socket closed');
    broken = false;
    clock.advance(100);
    await flush();
    expect(dp.snapshot().services).toHaveLength(2);
  });
});

describe('Reconciler: ownership memory', () => {
  it('deletes a service it desired before even when the caller no longer lists it as owned', async () => {
    const dp = new MemoryDataplane();
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    await r.reconcile(desired, owned);
    const onlyFirst = table(desired.services[0]!);
    const rep = await r.reconcile(onlyFirst, new Set([serviceKey(sid(1))]));
    expect(rep.ops).toEqual([{ op: 'del-service', id: sid(2) }]);
    expect(dp.snapshot().services).toHaveLength(1);
  });

  it('never deletes a service it did not desire and was not told it owns', async () => {
    const foreign = svc(sid(7), [dst('10.7.7.7')]);
    const dp = new MemoryDataplane(table(foreign));
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    await r.reconcile(desired, owned);
    await r.reconcile(table(), new Set());
    expect(dp.snapshot().services.map((s) => serviceKey(s.id))).toEqual(['TCP 10.0.0.7:80']);
  });
});

describe('Reconciler: kernel-forced local forwarding', () => {
  it('does not fight the kernel over a dest that is an address of this host (forwarding becomes "local")', async () => {
    const dp = new MemoryDataplane(undefined, { localAddresses: ['10.0.1.1'] });
    const r = new Reconciler({ dataplane: dp, clock: new ManualClock() });
    await r.reconcile(desired, owned);
    expect(dp.snapshot().services[0]!.destinations[0]!.forwarding).toBe('local');
    expect((await r.reconcile(desired, owned)).ops).toEqual([]);
  });
});

describe('Reconciler: its own picture of the table', () => {
  it('a pass asked not to read diffs against its picture (no read), and a pass that reads finds drift made by hand', async () => {
    const spy = new Spy(new MemoryDataplane());
    const r = new Reconciler({ dataplane: spy, clock: new ManualClock() });
    await r.reconcile(desired, owned); // reads: nothing is known yet
    expect(spy.reads).toBe(1);
    const edited = structuredClone(desired);
    edited.services[1]!.destinations[0]!.weight = 7;
    expect((await r.reconcile(edited, owned, { read: false })).ops.map((o) => o.op)).toEqual(['edit-dest']);
    expect(spy.reads).toBe(1);
    // by hand: a dest deleted; the picture does not know, so a pass without a read does nothing ...
    await spy.inner.apply([{ op: 'del-dest', service: sid(1), dest: dst('10.0.1.1') }]);
    expect((await r.reconcile(edited, owned, { read: false })).ops).toEqual([]);
    // ... and the next pass that reads (the periodic resync) repairs it
    expect((await r.reconcile(edited, owned, { read: true })).ops.map((o) => o.op)).toEqual(['add-dest']);
    expect(spy.reads).toBe(2);
  });

  it('after a refused op the next pass reads, whatever it was asked', async () => {
    const inner = new MemoryDataplane();
    const spy = new Spy(inner);
    const r = new Reconciler({ dataplane: spy, clock: new ManualClock(), baseBackoffMs: 1 });
    await r.reconcile(desired, owned);
    // someone added the dest we are about to add: EEXIST, so the picture was wrong
    const more = structuredClone(desired);
    more.services[1]!.destinations.push(dst('10.0.1.9'));
    await inner.apply([{ op: 'add-dest', service: sid(2), dest: dst('10.0.1.9', 3) }]);
    const rep = await r.reconcile(more, owned, { read: false });
    expect(rep.failed.map((f) => f.error)).toEqual([expect.stringContaining('EEXIST')]);
    const reads = spy.reads;
    // read again: the dest is there at weight 3, so what is left is an edit (backing off for now)
    expect((await r.reconcile(more, owned, { read: false })).deferred.map((o) => o.op)).toEqual(['edit-dest']);
    expect(spy.reads).toBe(reads + 1);
  });

  it('does not compare again a desired service it wrote without a failure (the same object), but does after a read', async () => {
    const spy = new Spy(new MemoryDataplane());
    const r = new Reconciler({ dataplane: spy, clock: new ManualClock() });
    await r.reconcile(desired, owned);
    await spy.inner.apply([{ op: 'edit-dest', service: sid(2), dest: dst('10.0.1.3', 42) }]);
    // the picture is stale for service 2, but the same desired object is settled: not compared, no op
    expect((await r.reconcile(desired, owned, { read: false })).ops).toEqual([]);
    // a copy is a new object: compared against the picture (which does not know the edit either)
    expect((await r.reconcile(structuredClone(desired), owned, { read: false })).ops).toEqual([]);
    // a read starts a new picture and forgets what was settled: the edit is repaired
    expect((await r.reconcile(desired, owned, { read: true })).ops.map((o) => o.op)).toEqual(['edit-dest']);
  });

  it('refresh() reads now, after the pass in flight, and the next pass uses that read', async () => {
    const spy = new Spy(new MemoryDataplane());
    const r = new Reconciler({ dataplane: spy, clock: new ManualClock() });
    const first = r.reconcile(desired, owned);
    const t = await r.refresh();
    await first;
    expect(t?.services).toHaveLength(2); // read after the first pass wrote
    expect(spy.reads).toBe(2);
    expect((await r.reconcile(desired, owned, { read: false })).ops).toEqual([]);
    expect(spy.reads).toBe(2);
  });
});
