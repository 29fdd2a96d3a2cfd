import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import type { Checker, ProbeResult, ProbeTarget } from '../../../src/health/checker.js';
import { HealthEngine } from '../../../src/health/engine.js';
import { lazyChecker } from '../../../src/health/lazy-checker.js';
import { createCheckers } from '../../../src/health/registry.js';
import { checkKinds, checkSchema, type CheckSpec } from '../../../src/health/schema.js';
import { ManualClock } from '../../../src/util/clock.js';

const target: ProbeTarget = {
  address: '10.0.0.1',
  port: 80,
  server: { address: '10.0.0.1', port: 80 },
  timeoutMs: 100,
};
const schema = z.object({ type: z.literal('fake') });

/** A fake implementation recording its calls. */
function fake(): Checker<unknown> & { calls: string[] } {
  const calls: string[] = [];
  return {
    kind: 'fake',
    schema,
    calls,
    probe: async () => (calls.push('probe'), { ok: true, detail: 'probed' }),
    start: (_t, _s, done) => (calls.push('start'), done({ ok: true, detail: 'started' }), () => undefined),
    describeTimeout: () => 'no fake reply',
    close: () => void calls.push('close'),
  };
}

/** A module load the test releases by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('lazyChecker', () => {
  it('does not load until used, then a probe waits for the load and goes to the implementation', async () => {
    const impl = fake();
    const load = deferred<Checker<unknown>>();
    let loads = 0;
    const c = lazyChecker('fake', schema, () => (loads++, load.promise));
    expect(loads).toBe(0);
    expect(c.start).toBeUndefined(); // the runner uses the promise form until the module is there
    const p = c.probe(target, {}, new AbortController().signal);
    const q = c.probe(target, {}, new AbortController().signal);
    expect(loads).toBe(1);
    load.resolve(impl);
    expect(await p).toEqual({ ok: true, detail: 'probed' });
    expect(await q).toEqual({ ok: true, detail: 'probed' });
    expect(impl.calls).toEqual(['probe', 'probe']);
  });

  it('after load() the implementation’s callback form and timeout words are used directly', async () => {
    const impl = fake();
    const c = lazyChecker('fake', schema, async () => impl);
    await c.load();
    let got: ProbeResult | undefined;
    c.start!(target, {}, (r) => (got = r));
    expect(got).toEqual({ ok: true, detail: 'started' });
    expect(c.describeTimeout!(target, {})).toBe('no fake reply');
  });

  it('a failed import makes probes fail with a reason naming the kind, without rejecting', async () => {
    const c = lazyChecker('fake', schema, async () => {
      throw new Error('Cannot find module koffi');
    });
    await expect(c.load()).resolves.toBeUndefined();
    await expect(c.probe(target, {}, new AbortController().signal)).resolves.toEqual({
      ok: false,
      detail: 'fake checker could not be loaded: Cannot find module koffi',
    });
  });

  it('a probe aborted while the module loads never reaches the implementation', async () => {
    const impl = fake();
    const load = deferred<Checker<unknown>>();
    const c = lazyChecker('fake', schema, () => load.promise);
    const ctrl = new AbortController();
    const p = c.probe(target, {}, ctrl.signal);
    ctrl.abort();
    load.resolve(impl);
    expect(await p).toEqual({ ok: false, detail: 'probe stopped' });
    expect(impl.calls).toEqual([]);
  });

  it('close() before the module arrived closes the implementation when it arrives', async () => {
    const impl = fake();
    const load = deferred<Checker<unknown>>();
    const c = lazyChecker('fake', schema, () => load.promise);
    const loaded = c.load();
    c.close!();
    load.resolve(impl);
    await loaded;
    expect(impl.calls).toEqual(['close']);
  });
});

describe('registry (lazy)', () => {
  it('loads a kind on demand: tcp gets its callback form after load()', async () => {
    const c = createCheckers();
    const tcp = c.get('tcp')!;
    expect(tcp.start).toBeUndefined();
    await tcp.load();
    expect(typeof tcp.start).toBe('function');
    for (const k of checkKinds) expect(c.get(k)!.schema).toBeDefined();
    for (const x of new Set(c.values())) x.close?.();
  });

  it('http and https share one loaded module', async () => {
    const c = createCheckers();
    await Promise.all([c.get('http')!.load(), c.get('https')!.load()]);
    expect(c.get('http')!.describeTimeout).toBeDefined();
    expect(c.get('https')!.describeTimeout).toBeDefined();
    for (const x of new Set(c.values())) x.close?.();
  });
});

describe('HealthEngine.prepare', () => {
  it('loads the checkers of the kinds the targets use, and only those', async () => {
    const loaded: string[] = [];
    const lazy = (kind: string) => lazyChecker(kind, schema, async () => (loaded.push(kind), { ...fake(), kind }));
    const checkers = new Map([
      ['tcp', lazy('tcp')],
      ['udp', lazy('udp')],
      ['dns', lazy('dns')],
    ]) as unknown as Map<string, Checker<CheckSpec>>;
    const engine = new HealthEngine({ clock: new ManualClock(), checkers });
    const spec = (type: string) => checkSchema.parse(type === 'dns' ? { type, name: 'x.' } : { type });
    await engine.prepare([
      { id: 'a', address: '10.0.0.1', port: 80, spec: spec('tcp') },
      { id: 'b', address: '10.0.0.2', port: 80, spec: spec('tcp') },
      { id: 'c', address: '10.0.0.3', port: 53, spec: spec('udp') },
    ]);
    expect(loaded.sort()).toEqual(['tcp', 'udp']);
    await engine.stop();
  });
});
