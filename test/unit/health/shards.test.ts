/**
 * The sharded health engine against the in-process one, on one manual clock: ShardedHealth with its
 * shards run in this thread (ShardCore behind a message hop that structured-clones every message, as
 * a worker's port does), fed the same scripted checker results as a plain HealthEngine. At every
 * checkpoint (shards flushed) status() must be equal for every id, the transitions per id the same,
 * and at the end the metrics text the same.
 */
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Checker, ProbeResult, ProbeTarget } from '../../../src/health/checker.js';
import { HealthEngine, type HealthEvent, type HealthTarget } from '../../../src/health/engine.js';
import { HealthMetrics } from '../../../src/health/metrics.js';
import { checkSchema, type CheckSpec } from '../../../src/health/schema.js';
import { StatusBatcher, StatusMirror } from '../../../src/health/shard-batch.js';
import { ShardCore } from '../../../src/health/shard-core.js';
import { shardOf } from '../../../src/health/shard-protocol.js';
import { type ShardEvents, ShardedHealth, type SpawnShard } from '../../../src/health/shards.js';
import type { ProbeRecord } from '../../../src/health/state.js';
import { ManualClock } from '../../../src/util/clock.js';

type Reply = 'ok' | 'fail' | 'local' | 'hang';
const WALL0 = 1_700_000_000_000;

/** Checkers for kinds tcp (callback form) and udp (promise form) whose n-th reply per probe comes from `script`. */
function scriptedCheckers(script: (probe: string, n: number) => Reply): Map<string, Checker<CheckSpec>> {
  const calls = new Map<string, number>();
  const next = (t: ProbeTarget, spec: CheckSpec): Reply => {
    const probe = `${t.server.address}|${t.server.port}|${JSON.stringify(spec)}`;
    const n = calls.get(probe) ?? 0;
    calls.set(probe, n + 1);
    return script(probe, n);
  };
  const result = (r: Reply, t: ProbeTarget): ProbeResult =>
    r === 'ok'
      ? { ok: true, detail: `connected to ${t.address}:${t.port}` }
      : r === 'local'
        ? { ok: false, detail: 'socket EMFILE', local: true }
        : { ok: false, detail: 'connect ECONNREFUSED' };
  const tcp: Checker<CheckSpec> = {
    kind: 'tcp',
    schema: checkSchema,
    probe: () => Promise.reject(new Error('the callback form is used')),
    start(t, spec, done) {
      const r = next(t, spec);
      if (r !== 'hang') done(result(r, t));
      return () => {};
    },
  };
  const udp: Checker<CheckSpec> = {
    kind: 'udp',
    schema: checkSchema,
    probe(t, spec, signal) {
      const r = next(t, spec);
      if (r !== 'hang') return Promise.resolve(result(r, t));
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve({ ok: false, detail: 'aborted' })),
      );
    },
  };
  return new Map([
    ['tcp', tcp],
    ['udp', udp],
  ]);
}

const drain = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A ShardedHealth whose shards are ShardCores on `clock`, and the in-process reference engine. */
function pair(shards: number, script: (probe: string, n: number) => Reply) {
  const clock = new ManualClock();
  const wallClock = () => WALL0 + clock.now();
  const cores: ShardCore[] = [];
  const spawn: SpawnShard = (setup, events) => {
    const core = new ShardCore({
      clock,
      wallClock,
      random: () => 0.5,
      checkers: scriptedCheckers(script),
      metrics: setup.metrics ? new HealthMetrics(new Registry(), { perTarget: setup.perTarget }) : undefined,
      batchMs: setup.batchMs,
      post: (m) => queueMicrotask(() => events.message(structuredClone(m))),
    });
    cores.push(core);
    return {
      post: (m) => queueMicrotask(() => void core.handle(structuredClone(m))),
      terminate: async () => {},
    };
  };
  const mainReg = new Registry();
  const refReg = new Registry();
  const sharded = new ShardedHealth({
    shards,
    spawn,
    wallClock,
    batchMs: 70,
    metrics: new HealthMetrics(mainReg),
  });
  const ref = new HealthEngine({
    clock,
    wallClock,
    random: () => 0.5,
    checkers: scriptedCheckers(script),
    metrics: new HealthMetrics(refReg),
  });
  const events = { sharded: [] as HealthEvent[], ref: [] as HealthEvent[] };
  sharded.onTransition((e) => events.sharded.push(e));
  ref.onTransition((e) => events.ref.push(e));
  const step = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await drain();
    }
  };
  const sync = async () => {
    for (const c of cores) c.flush();
    await drain();
  };
  return { clock, sharded, ref, events, step, sync, cores, mainReg, refReg };
}

const specArb = fc.record({
  type: fc.constantFrom('tcp', 'udp'),
  interval: fc.constantFrom('100ms', '150ms', '250ms'),
  timeout: fc.constant('50ms'),
  rise: fc.integer({ min: 1, max: 3 }),
  fall: fc.integer({ min: 1, max: 3 }),
  retries: fc.integer({ min: 0, max: 1 }),
  retry_delay: fc.constantFrom('0s', '20ms'),
  initial: fc.constantFrom('up', 'down'),
  warmup: fc.boolean(),
});

const targetsArb = (specs: CheckSpec[]) =>
  fc.uniqueArray(
    fc.record({
      id: fc.integer({ min: 1, max: 8 }).map((i) => `vs|rs${i}`),
      host: fc.integer({ min: 1, max: 3 }),
      port: fc.constantFrom(80, 443),
      spec: fc.integer({ min: 0, max: specs.length - 1 }),
    }),
    { selector: (t) => t.id, minLength: 1, maxLength: 8 },
  );

const toTargets = (
  raw: Array<{ id: string; host: number; port: number; spec: number }>,
  specs: CheckSpec[],
): HealthTarget[] => raw.map((r) => ({ id: r.id, address: `10.0.0.${r.host}`, port: r.port, spec: specs[r.spec] }));

/**
 * The metric lines of a registry without HELP/TYPE, sorted, gauges left out (read at scrape time),
 * values to 9 digits (sums added in another order differ in the last bits).
 */
async function lines(reg: Registry): Promise<string[]> {
  return (await reg.metrics())
    .split('\n')
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('lvsd_probes_in_flight'))
    .map((l) => l.replace(/ (\S+)$/, (_, v: string) => ` ${Number(Number(v).toPrecision(9))}`))
    .sort();
}

describe('ShardedHealth', () => {
  it('answers status(), transitions, checkNow and metrics as the in-process engine does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(specArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom<Reply>('ok', 'ok', 'fail', 'local', 'hang'), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        async (rawSpecs, replies, shards, seed) => {
          const specs = rawSpecs.map((s) => checkSchema.parse(s));
          const [first, second] = fc.sample(fc.tuple(targetsArb(specs), targetsArb(specs)), { seed, numRuns: 1 })[0];
          const script = (probe: string, n: number): Reply => replies[(probe.length * 7 + n) % replies.length];
          const p = pair(shards, script);
          const compare = async () => {
            await p.sync();
            for (const id of new Set([...first, ...second].map((t) => t.id))) {
              expect(p.sharded.status(id), id).toEqual(p.ref.status(id));
              const [v, w] = [p.sharded.verdict(id), p.ref.verdict(id)];
              expect(v && { ...v, ring: undefined, okStreak: undefined, failStreak: undefined }, id).toEqual(
                w && { ...w, ring: undefined, okStreak: undefined, failStreak: undefined },
              );
            }
          };
          try {
            const a = toTargets(first, specs);
            p.sharded.setTargets(a);
            p.ref.setTargets(a);
            await drain();
            await compare();
            for (let i = 0; i < 8; i++) {
              await p.step(90);
              await compare();
            }
            const b = toTargets(second, specs);
            p.sharded.setTargets(b);
            p.ref.setTargets(b);
            await drain();
            await compare();
            const id = b[seed % b.length].id;
            // both answer (a round that ended in a local failure too); the shard one turn later
            const answers: Array<ProbeRecord | undefined | 'none'> = ['none', 'none'];
            void p.sharded.checkNow(id).then((r) => (answers[0] = r));
            void p.ref.checkNow(id).then((r) => (answers[1] = r));
            await drain(); // the request has reached its shard: both rounds start at the same clock time
            for (let i = 0; i < 150 && answers.includes('none'); i++) await p.step(10);
            await p.step(30); // the shard answers one turn after its round
            expect(answers[1]).not.toBe('none');
            expect(answers[0]).toEqual(answers[1]);
            for (let i = 0; i < 8; i++) {
              await p.step(90);
              await compare();
            }
            const byId = (evs: HealthEvent[]) => {
              const m = new Map<string, HealthEvent[]>();
              for (const e of evs) m.set(e.id, [...(m.get(e.id) ?? []), e]);
              return m;
            };
            expect(byId(p.events.sharded)).toEqual(byId(p.events.ref));
            expect(await lines(p.mainReg)).toEqual(await lines(p.refReg));
          } finally {
            // a round waiting out its retry_delay ends when the clock gets there
            let stopped = false;
            const stopping = Promise.all([p.sharded.stop(), p.ref.stop()]).finally(() => (stopped = true));
            for (let i = 0; i < 100 && !stopped; i++) await p.step(10);
            await stopping;
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('keeps probes on their shard across a reload and sends a shard only what changed for it', async () => {
    const sent: Array<{ shard: number; add: string[]; remove: string[] }> = [];
    const spawn: SpawnShard = (setup) => ({
      post: (m) => {
        if (m.op === 'targets') sent.push({ shard: setup.index, add: m.add.ids, remove: m.remove });
      },
      terminate: async () => {},
    });
    const h = new ShardedHealth({ shards: 3, spawn });
    const spec = checkSchema.parse({ type: 'tcp' });
    const slow = checkSchema.parse({ type: 'tcp', interval: '5s' });
    const targets = Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, address: `10.0.1.${i}`, port: 80, spec }));
    h.setTargets(targets);
    expect(sent.flatMap((s) => s.add).sort()).toEqual(targets.map((t) => t.id).sort());
    expect(new Set(sent.map((s) => s.shard)).size).toBe(3);
    sent.length = 0;
    h.setTargets(targets.map((t) => (t.id === 't7' ? { ...t, spec: slow } : t)).filter((t) => t.id !== 't3'));
    expect(sent.flatMap((s) => s.add)).toEqual(['t7']);
    expect(sent.flatMap((s) => s.remove).sort()).toEqual(['t3', 't7']);
    sent.length = 0;
    h.setTargets(targets.map((t) => (t.id === 't7' ? { ...t, spec: slow } : t)).filter((t) => t.id !== 't3'));
    expect(sent).toEqual([]);
    expect(() =>
      h.setTargets([{ id: 'x', address: '10.0.0.1', port: 1, spec: { ...spec, type: 'nope' } as never }]),
    ).toThrow(/no checker for kind "nope"/);
    expect(h.status('t0')?.state).toBe('up');
  });

  it('a shard that ends or fails while running is reported once; after stop() an exit is not', async () => {
    const events: ShardEvents[] = [];
    const spawn: SpawnShard = (_setup, ev) => {
      events.push(ev);
      return {
        post: (m) => void (m.op === 'stop' && queueMicrotask(() => ev.message({ ev: 'reply', id: m.id }))),
        terminate: async () => {},
      };
    };
    const lost: string[] = [];
    const h = new ShardedHealth({ shards: 2, spawn, onLost: (e) => lost.push(`${e.code} ${e.message}`) });
    events[1]!.exit(1);
    events[0]!.error(new Error('boom'));
    expect(lost).toEqual(['ESHARD health shard 1 exited (code 1): its probes stopped']);
    const h2 = new ShardedHealth({ shards: 1, spawn, onLost: (e) => lost.push(e.message) });
    await h2.stop();
    events[2]!.exit(0);
    expect(lost).toHaveLength(1);
    await h.stop();
  });

  it('spreads keys over every shard and always puts one key on one shard', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`10.${i >> 8}.${i & 255}.1|80|0`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(shardOf('10.0.0.1|80|3', 4)).toBe(shardOf('10.0.0.1|80|3', 4));
  });
});

describe('StatusBatcher and StatusMirror', () => {
  it('sends only results the mirror has not seen, all of them once the ring wrapped', () => {
    const b = new StatusBatcher();
    const m = new StatusMirror();
    m.track(1, { state: 'up', since: 5, reason: 'initial' });
    const r = (i: number) => ({ ok: i % 2 === 0, at: 100 + i, ms: i, detail: `r${i}` });
    const status = (n: number) => ({
      state: 'down' as const,
      since: 7,
      reason: 'why',
      probes: n,
      lastResults: Array.from({ length: Math.min(n, 10) }, (_, k) => r(n - Math.min(n, 10) + k)),
    });
    b.note(1, status(3));
    m.apply(structuredClone(b.take()!));
    expect(m.status(1)).toEqual({ ...status(3), weight: undefined });
    b.note(1, status(5));
    const batch = b.take()!;
    expect(batch.details).toEqual(['r3', 'r4']);
    m.apply(structuredClone(batch));
    expect(m.status(1)).toEqual({ ...status(5), weight: undefined });
    b.note(1, status(40));
    m.apply(structuredClone(b.take()!));
    expect(m.status(1)).toEqual({ ...status(40), weight: undefined });
    expect(b.take()).toBeUndefined();
    m.drop(1);
    b.note(1, status(41));
    m.apply(b.take()!);
    expect(m.status(1)).toBeUndefined();
  });
});
