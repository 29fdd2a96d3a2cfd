/**
 * One health shard's logic, apart from its thread (shard-worker.ts wires it to a MessagePort): an
 * unchanged HealthEngine over this shard's targets, and the batches that tell the main thread what
 * it did (shard-batch.ts). Time and checkers are options, so tests run it on a manual clock.
 *
 * Which probes have news: the engine's checkers are wrapped (`watched`) so that every attempt that
 * settles — answered, cut off at its deadline or stopped — marks its probe. The engine records a
 * round in the same turn its attempt settles (a few microtasks after the mark at most), so a batch
 * built on a later turn — only ever from a timer or setImmediate, never from a microtask — finds
 * each marked probe's results in its status(); only marked probes are read. A transition sends its batch at
 * the next turn instead of waiting for the timer.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { Checker, ProbeTarget } from './checker.js';
import { HealthEngine, type HealthEngineOptions, type HealthEvent, probeKey } from './engine.js';
import type { HealthMetrics } from './metrics.js';
import { StatusBatcher } from './shard-batch.js';
import type { FromShard, ShardLog, ShardTarget, TargetColumns, ToShard } from './shard-protocol.js';
import type { CheckSpec } from './schema.js';

/** What a shard runs with. */
export interface ShardCoreOptions extends Pick<
  HealthEngineOptions,
  'random' | 'wallClock' | 'slackMs' | 'fireBudgetMs' | 'attachChunk' | 'maxConcurrentScripts'
> {
  clock: Clock;
  /** The checkers (each is wrapped to watch its attempts). */
  checkers: ReadonlyMap<string, Checker<CheckSpec>>;
  /** The shard's own metrics; their deltas ride in each batch. */
  metrics?: HealthMetrics;
  /** Batch period in ms. */
  batchMs: number;
  /** Where messages to the main thread go. */
  post: (m: FromShard) => void;
}

/** A HealthEngine driven by ToShard messages and reporting by FromShard batches. */
export class ShardCore {
  private readonly engine: HealthEngine;
  private readonly targets = new Map<string, ShardTarget>();
  /** Probe number → ids using it (one is enough to read the probe's status). */
  private readonly idsOf = new Map<number, Set<string>>();
  private readonly numOfTarget = new WeakMap<ProbeTarget, number>();
  private readonly numOfKey = new Map<string, number>();
  private readonly keyOfNum = new Map<number, string>();
  private readonly dirty = new Set<ProbeTarget>();
  private readonly dirtyNums = new Set<number>();
  private readonly batcher = new StatusBatcher();
  private transitions: Array<{ num: number; ev: HealthEvent }> = [];
  private logs: ShardLog[] = [];
  private cancelTick: (() => void) | undefined;
  private soon = false;
  private stopped = false;

  /** Starts the batch timer; the engine is idle until the first targets message. */
  constructor(private readonly o: ShardCoreOptions) {
    const checkers = new Map([...o.checkers].map(([k, c]) => [k, watched(c, this.mark)]));
    this.engine = new HealthEngine({
      clock: o.clock,
      random: o.random,
      wallClock: o.wallClock,
      slackMs: o.slackMs,
      fireBudgetMs: o.fireBudgetMs,
      attachChunk: o.attachChunk,
      metrics: o.metrics,
      checkers,
      log: this.logShim(),
    });
    this.engine.onTransition((ev) => {
      const num = this.targets.get(ev.id)?.num;
      if (num === undefined) return;
      this.transitions.push({ num, ev });
      this.dirtyNums.add(num);
      this.flushSoon();
    });
    this.tick();
  }

  /** Handles one message from the main thread. */
  async handle(m: ToShard): Promise<void> {
    switch (m.op) {
      case 'targets':
        return this.setTargets(m.add, m.remove);
      case 'prepare':
        await this.engine.prepare(m.targets);
        return this.o.post({ ev: 'reply', id: m.id });
      case 'attached':
        await this.engine.whenAttached();
        return this.o.post({ ev: 'reply', id: m.id });
      case 'check': {
        const record = await this.engine.checkNow(m.target);
        // On a later turn, not in this microtask: another probe whose attempt settled in the same
        // turn may be marked and not recorded yet. Then the mirror holds the result before the
        // caller hears of it.
        return this.later(() => {
          this.flush();
          this.o.post({ ev: 'reply', id: m.id, record });
        });
      }
      case 'stop':
        await this.stop();
        return this.o.post({ ev: 'reply', id: m.id });
    }
  }

  /** Stops the engine (in-flight rounds aborted, scripts killed), sends the last batch, stops the timer. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTick?.();
    await this.engine.stop();
    this.dirty.clear();
    this.dirtyNums.clear();
    this.flush();
  }

  /** Sends what changed since the last batch (always sends: stats and metrics ride along). */
  flush(): void {
    this.soon = false;
    for (const t of this.dirty) {
      const num = this.numOf(t);
      if (num !== undefined) this.dirtyNums.add(num);
    }
    this.dirty.clear();
    for (const num of this.dirtyNums) {
      const ids = this.idsOf.get(num);
      const first = ids?.values().next().value;
      const s = first === undefined ? undefined : this.engine.status(first);
      if (s) this.batcher.note(num, s);
    }
    this.dirtyNums.clear();
    const transitions = this.transitions;
    const logs = this.logs;
    this.transitions = [];
    this.logs = [];
    this.o.post({
      ev: 'batch',
      status: this.batcher.take(),
      transitions,
      logs,
      metrics: this.o.metrics?.takeDelta(),
      stats: this.engine.stats(),
    });
  }

  private setTargets(add: TargetColumns, remove: string[]): void {
    for (const id of remove) {
      const t = this.targets.get(id);
      if (!t) continue;
      this.targets.delete(id);
      this.unlink(id, t.num);
    }
    for (let i = 0; i < add.ids.length; i++) {
      const t: ShardTarget = {
        id: add.ids[i],
        address: add.addresses[i],
        port: add.ports[i],
        spec: add.specs[add.spec[i]],
        num: add.nums[i],
      };
      const old = this.targets.get(t.id);
      if (old) this.unlink(t.id, old.num);
      this.targets.set(t.id, t);
      let ids = this.idsOf.get(t.num);
      if (!ids) {
        this.idsOf.set(t.num, (ids = new Set()));
        const key = probeKey(t);
        this.numOfKey.set(key, t.num);
        this.keyOfNum.set(t.num, key);
      }
      ids.add(t.id);
    }
    this.engine.setTargets([...this.targets.values()]);
  }

  private unlink(id: string, num: number): void {
    const ids = this.idsOf.get(num);
    ids?.delete(id);
    if (ids?.size) return;
    this.idsOf.delete(num);
    this.batcher.forget(num);
    const key = this.keyOfNum.get(num);
    this.keyOfNum.delete(num);
    if (key !== undefined && this.numOfKey.get(key) === num) this.numOfKey.delete(key);
  }

  /** Marks the probe of an attempt that settled; its number is found once per probe (by its key). */
  private readonly mark = (t: ProbeTarget, spec: CheckSpec): void => {
    this.dirty.add(t);
    if (this.numOfTarget.has(t)) return;
    const num = this.numOfKey.get(probeKey({ address: t.server.address, port: t.server.port, spec }));
    if (num !== undefined) this.numOfTarget.set(t, num);
  };

  private numOf(t: ProbeTarget): number | undefined {
    return this.numOfTarget.get(t);
  }

  private tick(): void {
    this.cancelTick = this.o.clock.setTimeout(() => {
      this.flush();
      if (!this.stopped) this.tick();
    }, this.o.batchMs);
  }

  private flushSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = true;
    this.later(() => this.soon && this.flush());
  }

  /** Runs fn on a later event-loop turn (flushes never run between an attempt's mark and its record). */
  private later(fn: () => void): void {
    if (this.o.clock.defer) this.o.clock.defer(fn);
    else this.o.clock.setTimeout(fn, 0);
  }

  /** Collects the engine's log lines for the batch (the main thread's logger writes them). */
  private logShim(): Logger {
    const at =
      (level: ShardLog[0]) =>
      (fields: Record<string, unknown>, msg: string): void =>
        void this.logs.push([level, fields, msg]);
    return { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
  }
}

/**
 * `inner` with every attempt reported to `settled` once it settles: the promise form when it
 * resolves, the callback form when it answers or is stopped (a deadline stops it). Follows a lazy
 * checker's swap to its loaded implementation (its probe/start/describeTimeout are read per call).
 */
export function watched(
  inner: Checker<CheckSpec>,
  settled: (t: ProbeTarget, spec: CheckSpec) => void,
): Checker<CheckSpec> & { load?: () => Promise<void> } {
  let wrappedFor: Checker<CheckSpec>['start'];
  let wrapped: Checker<CheckSpec>['start'];
  const lazy = inner as { load?: () => Promise<void> };
  return {
    kind: inner.kind,
    schema: inner.schema,
    probe: (t, spec, signal) => inner.probe(t, spec, signal).finally(() => settled(t, spec)),
    get start() {
      const start = inner.start;
      if (start !== wrappedFor) {
        wrappedFor = start;
        wrapped =
          start &&
          ((t, spec, done) => {
            const stop = start.call(inner, t, spec, (r) => {
              settled(t, spec);
              done(r);
            });
            return () => {
              settled(t, spec);
              stop();
            };
          });
      }
      return wrapped;
    },
    get describeTimeout() {
      return inner.describeTimeout?.bind(inner);
    },
    close: () => inner.close?.(),
    load: lazy.load && (() => lazy.load!()),
  };
}
