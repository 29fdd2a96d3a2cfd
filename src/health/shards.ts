/**
 * The health engine on worker threads: N shards (shard-worker.ts), each running the unchanged
 * HealthEngine over the targets whose probe key hashes to it (shard-protocol.ts shardOf), behind
 * the same surface as one in-process HealthEngine. The main thread keeps only what must answer at
 * once: the id → probe map, the status mirror fed by the shards' batches (shard-batch.ts), and the
 * metrics the batches' deltas are folded into. Verdict changes reach onTransition listeners in the
 * order each shard emitted them, after the mirror holds the state they announce.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { HealthError } from './errors.js';
import type { HealthEvent, HealthStatus, HealthTarget, HealthVerdict } from './engine.js';
import { probeKey } from './engine.js';
import type { HealthMetrics } from './metrics.js';
import { checkKinds } from './schema.js';
import type { SeriesId } from './series-histogram.js';
import { StatusMirror } from './shard-batch.js';
import {
  type FromShard,
  shardOf,
  type ShardSetup,
  type ShardStats,
  type TargetColumns,
  type ToShard,
} from './shard-protocol.js';
import { initialHealth, type ProbeRecord } from './state.js';

/** Options of ShardedHealth. */
export interface ShardedHealthOptions {
  /** Number of shard threads (at least 1). */
  shards: number;
  log?: Logger;
  /** The main thread's metrics: the shards' deltas are folded in. */
  metrics?: HealthMetrics;
  /** Per-target probe latency series (HealthMetrics' perTarget). */
  perTarget?: boolean;
  /** Batch period of each shard in ms; default 200. */
  batchMs?: number;
  slackMs?: number;
  /** HealthEngineOptions.fireBudgetMs of each shard's engine (default: none). */
  fireBudgetMs?: number;
  attachChunk?: number;
  maxConcurrentScripts?: number;
  /** CheckerOptions.tcpIdleSockets of each shard's checkers. */
  tcpIdleSockets?: number;
  /** Starts a shard; default a worker thread running shard-worker.js beside this file (threadShard). */
  spawn?: SpawnShard;
  /**
   * Called once when a shard ends or fails while the engine runs: its probes no longer run, and a
   * mirror that stops changing would keep every verdict as it was (a dead server left up). The
   * default throws the error on a later turn, so the daemon's fatal-error path stops lvsd (exit 1,
   * VIPs released) and its supervisor starts it again, as with a crash of the in-process engine.
   */
  onLost?: (err: HealthError) => void;
  wallClock?: () => number;
}

/** A running shard as ShardedHealth drives it. */
export interface ShardThread {
  post(m: ToShard): void;
  /** Ends the shard once its engine was stopped (resolves when it has ended). */
  terminate(): Promise<unknown>;
}

/** What a shard reports besides its messages. */
export interface ShardEvents {
  message(m: FromShard): void;
  error(e: Error): void;
  exit(code: number): void;
}

/** Starts one shard with `setup`, reporting to `events`. */
export type SpawnShard = (setup: ShardSetup, events: ShardEvents) => ShardThread;

/** A shard in a worker thread running `file` (default: shardWorkerFile()). */
export function threadShard(file: URL = shardWorkerFile()): SpawnShard {
  return (setup, events) => {
    const worker = new Worker(file, { workerData: setup });
    worker.on('message', (m: FromShard) => events.message(m));
    worker.on('error', (e) => events.error(e));
    worker.on('exit', (code) => events.exit(code));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    return {
      post: (m) => worker.postMessage(m),
      // a stopped shard ends itself (its exit handlers run); one that does not within 2 s is ended
      terminate: async () => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 2000)));
        if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
        clearTimeout(timer);
      },
    };
  };
}

interface Shard {
  thread: ShardThread;
  stats: ShardStats;
  /** Duration series of this shard → the main metrics' series (HealthMetrics.addDelta). */
  seen: SeriesId[];
  exited: boolean;
  /** Requests sent and not answered yet (answered with undefined if the thread ends first). */
  waiting: Set<number>;
}

interface Placed {
  t: HealthTarget;
  num: number;
  shard: number;
}

/** The worker entry beside this module: dist/src/health/shard-worker.js, or dist/bundle/shard-worker.js. */
export function shardWorkerFile(): URL {
  return new URL('./shard-worker.js', import.meta.url);
}

const NO_STATS: ShardStats = { targets: 0, probes: 0, inFlight: 0, schedulerLagP99Ms: 0 };

/** A HealthEngine look-alike whose probes run in worker threads (see module comment). */
export class ShardedHealth {
  private readonly shards: Shard[] = [];
  private readonly byId = new Map<string, Placed>();
  /** Probe key → its number and how many ids use it. */
  private readonly probes = new Map<string, { num: number; refs: number }>();
  private nextNum = 1;
  private readonly mirror = new StatusMirror();
  private readonly listeners = new Set<(ev: HealthEvent) => void>();
  private seq = 0;
  private readonly replies = new Map<number, (record?: ProbeRecord) => void>();
  private stopped = false;
  private readonly wall: () => number;

  private lostReported = false;

  /** Reports the first lost shard (see ShardedHealthOptions.onLost). */
  private lost(err: HealthError): void {
    if (this.stopped || this.lostReported) return;
    this.lostReported = true;
    const report =
      this.o.onLost ??
      ((e: HealthError) =>
        setImmediate(() => {
          throw e;
        }));
    report(err);
  }

  /** Starts the shard threads; they idle until setTargets(). */
  constructor(private readonly o: ShardedHealthOptions) {
    if (!(o.shards >= 1)) throw new RangeError(`ShardedHealth: shards must be at least 1, got ${o.shards}`);
    this.wall = o.wallClock ?? Date.now;
    for (let index = 0; index < o.shards; index++) {
      const setup: ShardSetup = {
        index,
        batchMs: o.batchMs ?? 200,
        slackMs: o.slackMs ?? 0,
        fireBudgetMs: o.fireBudgetMs ?? Infinity,
        attachChunk: o.attachChunk ?? 512,
        metrics: o.metrics !== undefined,
        perTarget: o.perTarget ?? true,
        maxConcurrentScripts: o.maxConcurrentScripts,
        tcpIdleSockets: o.tcpIdleSockets,
      };
      // events arrive on later turns, once `shard` exists
      const events: ShardEvents = {
        message: (m) => this.onMessage(shard, m),
        error: (e) => {
          o.log?.error({ err: e.message, shard: index }, 'health shard failed');
          this.lost(new HealthError('ESHARD', `health shard ${index} failed: ${e.message}`));
        },
        exit: (code) => {
          shard.exited = true;
          for (const id of shard.waiting) this.answer(id, undefined);
          if (this.stopped) return;
          o.log?.error({ shard: index, code }, 'health shard exited: its probes stopped');
          this.lost(new HealthError('ESHARD', `health shard ${index} exited (code ${code}): its probes stopped`));
        },
      };
      const shard: Shard = {
        thread: (o.spawn ?? threadShard())(setup, events),
        stats: NO_STATS,
        seen: [],
        exited: false,
        waiting: new Set(),
      };
      this.shards.push(shard);
    }
    o.metrics?.trackInFlight(() => this.shards.reduce((n, s) => n + s.stats.inFlight, 0));
  }

  /**
   * Replaces the set of targets, as HealthEngine.setTargets: only what changed is sent, each probe
   * to its shard. Throws HealthError EKIND, changing nothing, if a spec names an unknown kind.
   */
  setTargets(targets: HealthTarget[]): void {
    if (this.stopped) throw new HealthError('ESTOPPED', 'ShardedHealth: setTargets after stop()');
    for (const t of targets)
      if (!checkKinds.includes(t.spec.type))
        throw new HealthError('EKIND', `HealthEngine: no checker for kind "${t.spec.type}" (target ${t.id})`);
    const n = this.shards.length;
    const add: TargetColumns[] = this.shards.map(() => ({
      ids: [],
      addresses: [],
      ports: [],
      nums: [],
      spec: [],
      specs: [],
    }));
    const specIndex = this.shards.map(() => new Map<HealthTarget['spec'], number>());
    const remove: string[][] = this.shards.map(() => []);
    const wanted = new Map<string, HealthTarget>();
    for (const t of targets) wanted.set(t.id, t);
    const keys = new Map<string, string>();
    for (const [id, p] of this.byId) {
      const w = wanted.get(id);
      const key = w && probeKey(w);
      if (key !== undefined && w) keys.set(id, key);
      if (w && key === probeKey(p.t)) continue;
      this.byId.delete(id);
      remove[p.shard].push(id);
      this.release(probeKey(p.t));
    }
    const since = this.wall();
    const initial = { up: initialHealth('up', since), down: initialHealth('down', since) };
    for (const t of wanted.values()) {
      if (this.byId.has(t.id)) continue;
      const key = keys.get(t.id) ?? probeKey(t);
      let probe = this.probes.get(key);
      if (!probe) {
        probe = { num: this.nextNum++, refs: 0 };
        this.probes.set(key, probe);
        this.mirror.track(probe.num, initial[t.spec.initial]);
      }
      probe.refs++;
      const shard = shardOf(key, n);
      this.byId.set(t.id, { t, num: probe.num, shard });
      const cols = add[shard];
      let k = specIndex[shard].get(t.spec);
      if (k === undefined) specIndex[shard].set(t.spec, (k = cols.specs.push(t.spec) - 1));
      cols.ids.push(t.id);
      cols.addresses.push(t.address);
      cols.ports.push(t.port);
      cols.nums.push(probe.num);
      cols.spec.push(k);
    }
    this.shards.forEach((s, i) => {
      if (add[i].ids.length || remove[i].length) this.send(s, { op: 'targets', add: add[i], remove: remove[i] });
    });
  }

  /** Loads the checkers `targets` use in every shard; never rejects. */
  async prepare(targets: HealthTarget[]): Promise<void> {
    const byKind = new Map<string, HealthTarget>();
    for (const t of targets) if (!byKind.has(t.spec.type)) byKind.set(t.spec.type, t);
    await Promise.all(this.shards.map((s) => this.request(s, { op: 'prepare', targets: [...byKind.values()] })));
  }

  /** Resolves once every shard has attached every target sent so far. */
  async whenAttached(): Promise<void> {
    await Promise.all(this.shards.map((s) => this.request(s, { op: 'attached' })));
  }

  /** Subscribes to verdict changes; returns the unsubscribe function. */
  onTransition(cb: (ev: HealthEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Health of `id` as of the last batch of its shard, or undefined for an unknown id. */
  status(id: string): HealthStatus | undefined {
    const p = this.byId.get(id);
    return p && this.mirror.status(p.num);
  }

  /** The verdict of `id` without its recent results (HealthEngine.verdict), as of its shard's last batch. */
  verdict(id: string): Readonly<HealthVerdict> | undefined {
    const p = this.byId.get(id);
    return p && this.mirror.verdict(p.num);
  }

  /** Probes `id` now in its shard; resolves with the result once the mirror holds it (HealthEngine.checkNow). */
  async checkNow(id: string): Promise<ProbeRecord | undefined> {
    const p = this.byId.get(id);
    if (!p || this.stopped) return undefined;
    return this.request(this.shards[p.shard], { op: 'check', target: id });
  }

  /** Counts summed over the shards (probes, rounds in flight) and the worst shard's lag p99. */
  stats(): { targets: number; probes: number; inFlight: number; schedulerLagP99Ms: number } {
    let probes = 0;
    let inFlight = 0;
    let lag = 0;
    for (const s of this.shards) {
      probes += s.stats.probes;
      inFlight += s.stats.inFlight;
      lag = Math.max(lag, s.stats.schedulerLagP99Ms);
    }
    return { targets: this.byId.size, probes, inFlight, schedulerLagP99Ms: lag };
  }

  /** Stops every shard's engine (rounds aborted, scripts killed), then ends the threads. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.shards.map((s) => this.request(s, { op: 'stop' })));
    for (const r of this.replies.values()) r(undefined);
    this.replies.clear();
    await Promise.all(this.shards.map((s) => s.thread.terminate()));
  }

  private release(key: string): void {
    const probe = this.probes.get(key);
    if (!probe || --probe.refs > 0) return;
    this.probes.delete(key);
    this.mirror.drop(probe.num);
  }

  private onMessage(shard: Shard, m: FromShard): void {
    if (m.ev === 'reply') {
      shard.waiting.delete(m.id);
      return this.answer(m.id, m.record);
    }
    shard.stats = m.stats;
    if (m.status) this.mirror.apply(m.status);
    if (m.metrics) this.o.metrics?.addDelta(m.metrics, shard.seen);
    for (const [level, fields, msg] of m.logs) this.o.log?.[level](fields, msg);
    for (const { num, ev } of m.transitions) {
      if (this.byId.get(ev.id)?.num !== num) continue; // detached since the shard emitted it
      if (ev.from !== ev.to) this.o.metrics?.transitions.inc({ to: ev.to });
      for (const cb of this.listeners) {
        try {
          cb(ev);
        } catch (e) {
          this.o.log?.error({ err: e, id: ev.id }, 'health transition listener threw');
        }
      }
    }
  }

  private answer(id: number, record: ProbeRecord | undefined): void {
    const r = this.replies.get(id);
    this.replies.delete(id);
    r?.(record);
  }

  private send(s: Shard, m: ToShard): void {
    if (!s.exited) s.thread.post(m);
  }

  /** Sends a request and resolves with its reply (undefined at once when the shard is gone). */
  private request(
    s: Shard,
    m:
      | { op: 'prepare'; targets: HealthTarget[] }
      | { op: 'attached' }
      | { op: 'stop' }
      | { op: 'check'; target: string },
  ): Promise<ProbeRecord | undefined> {
    if (s.exited) return Promise.resolve(undefined);
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.replies.set(id, resolve);
      s.waiting.add(id);
      s.thread.post({ ...m, id } as ToShard);
    });
  }
}
