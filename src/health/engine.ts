/**
 * The health engine: keeps one probe per distinct (address, port, spec), runs it on the shared
 * scheduler, folds results through the pure rise/fall function and fans verdict changes out to every
 * target id that uses the probe. setTargets() is a diff: unchanged probes keep their state.
 */
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../util/clock.js';
import { type Checker, endpoint, type ProbeResult, type ProbeTarget } from './checker.js';
import { HealthError } from './errors.js';
import type { HealthMetrics } from './metrics.js';
import { createCheckers, preloadCheckers } from './registry.js';
import { RoundHandle, type RoundContext, runRound } from './runner.js';
import { ResultRing } from './ring.js';
import { type Job, Scheduler } from './scheduler.js';
import type { CheckSpec } from './schema.js';
import { type Health, initialHealth, nextHealth, type ProbeRecord, type Transition } from './state.js';

/** A thing to check: the caller's stable id, the real server's address/port and the validated check. */
export interface HealthTarget {
  id: string;
  address: string;
  port: number;
  spec: CheckSpec;
}

/** A verdict change for one id (from === to: only the dynamic weight changed). `at` is Date.now(). */
export interface HealthEvent {
  id: string;
  from: 'up' | 'down';
  to: 'up' | 'down';
  reason: string;
  at: number;
  weight?: number;
}

/** Current view of one id. lastResults is oldest first. */
export interface HealthStatus {
  state: 'up' | 'down';
  since: number;
  reason: string;
  lastResults: Array<{ ok: boolean; at: number; ms: number; detail: string }>;
  weight?: number;
  probes: number;
}

/** The verdict part of a HealthStatus (what planning and metrics need). */
export type HealthVerdict = Pick<HealthStatus, 'state' | 'since' | 'reason' | 'weight' | 'probes'>;

/** Engine options; `checkers` replaces the static registry (a test seam), `wallClock` replaces Date.now. */
export interface HealthEngineOptions {
  clock?: Clock;
  random?: () => number;
  maxConcurrentScripts?: number;
  /** CheckerOptions.tcpIdleSockets of the built-in checkers (ignored with `checkers`). */
  tcpIdleSockets?: number;
  metrics?: HealthMetrics;
  log?: Logger;
  checkers?: ReadonlyMap<string, Checker<CheckSpec>>;
  wallClock?: () => number;
  /**
   * Scheduler wake-ups are batched within this many ms (a probe may start up to slackMs early, never
   * later); default 0. The daemon sets it (src/daemon/compose.ts).
   */
  slackMs?: number;
  /**
   * Longest run of probe starts in one scheduler wake-up, in ms (Scheduler's budget); default
   * Infinity. The daemon sets it (src/daemon/compose.ts) so that probes that cost more than the
   * machine has run late instead of holding the event loop.
   */
  fireBudgetMs?: number;
  /**
   * New targets are attached this many at a time, one clock turn (`clock.setTimeout(fn, 0)`) apart,
   * so the first probes start while a large set is still being attached; default 512 (10,000 new
   * targets: ~50 ms of attaching before the first probe otherwise). Targets not attached yet answer
   * `status()` with their initial state, as they would right after attaching.
   */
  attachChunk?: number;
}

/** Default of HealthEngineOptions.attachChunk. */
export const ATTACH_CHUNK = 512;

/** A round that started at most this share of its interval late keeps its place in the schedule (roundDone). */
const KEEP_PLACE_SHARE = 0.25;

interface Probe extends Job {
  key: string;
  label: string;
  ctx: RoundContext;
  spec: CheckSpec;
  ids: Set<string>;
  health: Health;
  ring: ResultRing;
  metricSeries?: number;
  resultSlot?: number;
  due: number;
  handle: RoundHandle;
  inFlight: boolean;
  idle?: () => void;
  /** Callers of checkNow waiting for this probe's next result. */
  waiters?: Array<(r: ProbeRecord | undefined) => void>;
  stopped: boolean;
}

/** Runs health checks for a changing set of targets. */
export class HealthEngine {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly wall: () => number;
  private readonly checkers: ReadonlyMap<string, Checker<CheckSpec>>;
  private readonly sched: Scheduler;
  private readonly probes = new Map<string, Probe>();
  private readonly byId = new Map<string, Probe>();
  private readonly listeners = new Set<(ev: HealthEvent) => void>();
  private inFlight = 0;
  private stopped = false;
  private localFailures = 0;
  private localLoggedAt = -Infinity;
  private readonly wallBase: number;
  private readonly monoBase: number;
  /** New targets of the last setTargets() not attached yet (attached in order, `attachChunk` per clock turn). */
  private pending = new Map<string, { t: HealthTarget; since: number }>();
  private cancelAttach: (() => void) | undefined;
  private attachWaiters: Array<() => void> = [];

  /** Creates an idle engine; nothing runs until setTargets(). */
  constructor(private readonly opts: HealthEngineOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.wall = opts.wallClock ?? Date.now;
    this.checkers =
      opts.checkers ??
      createCheckers({ maxConcurrentScripts: opts.maxConcurrentScripts, tcpIdleSockets: opts.tcpIdleSockets });
    this.wallBase = this.wall();
    this.monoBase = this.clock.now();
    opts.metrics?.trackInFlight(() => this.inFlight);
    const onLag = opts.metrics ? (ms: number) => opts.metrics?.schedulerLag.observe(ms / 1000) : undefined;
    this.sched = new Scheduler(this.clock, onLag, opts.slackMs ?? 0, opts.fireBudgetMs ?? Infinity);
  }

  /**
   * Replaces the set of targets. Identical (address, port, spec) → the probe and its state are kept;
   * removed → the probe stops (in-flight round aborted); new → starts, its first round spread over one
   * interval when warmup is on. Several ids with identical (address, port, spec) share one probe.
   * Throws HealthError EKIND, changing nothing, if a spec names a kind with no checker.
   */
  setTargets(targets: HealthTarget[]): void {
    this.admit(targets, 'setTargets');
    // The new queue replaces any queue of an earlier call: what it had not attached yet is either
    // wanted again (queued below) or gone. With nothing attached (a start), every target is new.
    const since = this.wall();
    const pending = new Map<string, { t: HealthTarget; since: number }>();
    if (this.byId.size === 0) {
      for (const t of targets) pending.set(t.id, { t, since });
    } else {
      const wanted = new Map<string, HealthTarget>();
      for (const t of targets) wanted.set(t.id, t);
      for (const [id, p] of this.byId) if (!wanted.has(id) || probeKey(wanted.get(id)!) !== p.key) this.detach(id, p);
      for (const t of wanted.values()) if (!this.byId.has(t.id)) pending.set(t.id, { t, since });
    }
    this.pending = pending;
    this.attachSome();
  }

  /**
   * Adds targets to those probed without touching any other: no diff of the whole set (a start that
   * hands its targets over in batches while its config is read). An id already attached or queued
   * is left as it is. A later setTargets naming the same targets keeps them, state and phase.
   * Throws like setTargets.
   */
  addTargets(targets: HealthTarget[]): void {
    this.admit(targets, 'addTargets');
    const since = this.wall();
    for (const t of targets) if (!this.byId.has(t.id) && !this.pending.has(t.id)) this.pending.set(t.id, { t, since });
    if (!this.cancelAttach) this.attachSome(); // else the attach turn already queued takes them
  }

  /** Refuses targets after stop() or of a kind with no checker; starts loading their checkers. */
  private admit(targets: HealthTarget[], what: string): void {
    if (this.stopped) throw new HealthError('ESTOPPED', `HealthEngine: ${what} after stop()`);
    const kinds = new Set<string>();
    for (const t of targets) kinds.add(t.spec.type);
    for (const k of kinds) {
      if (this.checkers.has(k)) continue;
      const t = targets.find((x) => x.spec.type === k)!;
      throw new HealthError('EKIND', `HealthEngine: no checker for kind "${k}" (target ${t.id})`);
    }
    preloadCheckers(this.checkers, kinds); // imports start now, not at the first probe
  }

  /** Attaches the next `attachChunk` pending targets; the rest one clock turn later. */
  private attachSome(): void {
    this.cancelAttach?.();
    this.cancelAttach = undefined;
    let n = this.opts.attachChunk ?? ATTACH_CHUNK;
    for (const [id, { t, since }] of this.pending) {
      if (n-- <= 0) break;
      this.pending.delete(id);
      this.attach(t, since);
    }
    if (this.pending.size > 0 && !this.stopped) this.cancelAttach = this.nextTurn(() => this.attachSome());
    else for (const w of this.attachWaiters.splice(0)) w();
  }

  /**
   * Runs fn on the next event-loop turn and returns its cancel: after the turn's timers and I/O
   * (clock.defer, setImmediate) on the real loop, so the probes that come due while a large set is
   * attached start between two chunks (a chain of zero-delay timers held the first one back ~0.3 s
   * at 100,000 targets); a clock without a loop (manual) gets a zero-delay timer.
   */
  private nextTurn(fn: () => void): () => void {
    const defer = this.clock.defer;
    if (!defer) return this.clock.setTimeout(fn, 0);
    let live = true;
    defer(() => live && fn());
    return () => (live = false);
  }

  /** Resolves once every target of the last setTargets() is attached (at once when none is pending, or after stop()). */
  whenAttached(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.attachWaiters.push(resolve));
  }

  /**
   * Loads the checkers `targets` use (their modules are imported on first use, registry.ts), so the
   * first probes after setTargets() go out without waiting for an import. Never rejects: a kind that
   * cannot load makes its probes fail with a reason.
   */
  async prepare(targets: HealthTarget[]): Promise<void> {
    const kinds = new Set(targets.map((t) => t.spec.type));
    await Promise.all(
      [...kinds].map((k) => (this.checkers.get(k) as { load?: () => Promise<void> } | undefined)?.load?.()),
    );
  }

  /** Subscribes to verdict changes; returns the unsubscribe function. */
  onTransition(cb: (ev: HealthEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Current health of `id`, or undefined for an unknown id. */
  status(id: string): HealthStatus | undefined {
    const found = this.lookup(id);
    if (!found) return undefined;
    const h = 'ring' in found ? found.health : found;
    const lastResults = 'ring' in found ? found.ring.toArray() : [];
    return { state: h.state, since: h.since, reason: h.reason, lastResults, weight: h.weight, probes: h.probes };
  }

  /**
   * The verdict of `id` without its recent results: no array is built, so the planner and the
   * metrics can ask for every target on every pass. Undefined for an unknown id. The object is the
   * engine's own, read-only, and follows later rounds: read it at once, do not keep it.
   */
  verdict(id: string): Readonly<HealthVerdict> | undefined {
    const found = this.lookup(id);
    return found && 'ring' in found ? found.health : found;
  }

  /**
   * Where `id`'s verdict is: its probe when attached; when not attached yet, the probe it will share
   * if one runs already, else its initial state. Undefined for an unknown id.
   */
  private lookup(id: string): Probe | HealthVerdict | undefined {
    const p = this.byId.get(id);
    if (p) return p;
    const q = this.pending.get(id);
    if (!q) return undefined;
    return this.probes.get(probeKey(q.t)) ?? initialHealth(q.t.spec.initial, q.since);
  }

  /**
   * Probes `id` now instead of at its next interval (its schedule restarts from this round) and
   * resolves with the round's result; a round already running is waited for instead. Undefined for
   * an unknown id, a target not attached yet, or a probe stopped before it answered.
   */
  checkNow(id: string): Promise<ProbeRecord | undefined> {
    const p = this.byId.get(id);
    if (!p || p.stopped) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      (p.waiters ??= []).push(resolve);
      if (p.inFlight) return;
      this.sched.cancel(p);
      this.schedule(p, this.clock.now());
    });
  }

  /** Counts: target ids, unique probes, rounds in flight, and p99 scheduler lag (ms) of recent rounds. */
  stats(): { targets: number; probes: number; inFlight: number; schedulerLagP99Ms: number } {
    return {
      targets: this.byId.size + this.pending.size,
      probes: this.probes.size,
      inFlight: this.inFlight,
      schedulerLagP99Ms: this.sched.lagP99(),
    };
  }

  /** Stops every probe, aborts in-flight rounds (killing scripts), waits for them, closes shared sockets. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelAttach?.();
    this.pending.clear();
    for (const w of this.attachWaiters.splice(0)) w();
    const running = [...this.probes.values()].map((p) => this.halt(p));
    this.sched.stop();
    this.probes.clear();
    this.byId.clear();
    await Promise.allSettled(running);
    for (const c of new Set(this.checkers.values())) c.close?.();
  }

  private attach(t: HealthTarget, since: number): void {
    const key = probeKey(t);
    let p = this.probes.get(key);
    if (!p) {
      p = this.makeProbe(t, key, since);
      this.probes.set(key, p);
      this.start(p);
    }
    p.ids.add(t.id);
    this.byId.set(t.id, p);
  }

  private detach(id: string, p: Probe): void {
    this.byId.delete(id);
    p.ids.delete(id);
    if (p.ids.size > 0) return;
    this.probes.delete(p.key);
    void this.halt(p);
  }

  private makeProbe(t: HealthTarget, key: string, since: number): Probe {
    const checker = this.checkers.get(t.spec.type);
    if (!checker) throw new HealthError('EKIND', `HealthEngine: no checker for kind "${t.spec.type}" (target ${t.id})`);
    const s = t.spec as Partial<Record<'connect_ip' | 'connect_port' | 'bindto', string | number>>;
    const address = (s.connect_ip as string | undefined) ?? t.address;
    const port = (s.connect_port as number | undefined) ?? t.port;
    const target: ProbeTarget = {
      address,
      port,
      server: { address: t.address, port: t.port },
      bindto: s.bindto as string | undefined,
      timeoutMs: t.spec.timeout,
    };
    const health = initialHealth(t.spec.initial, since);
    const ctx = {
      checker,
      target,
      spec: t.spec,
      clock: this.clock,
    };
    const p: Probe = {
      key,
      label: endpoint(address, port),
      ctx,
      spec: t.spec,
      ids: new Set(),
      health,
      ring: new ResultRing(),
      due: 0,
      handle: new RoundHandle(),
      inFlight: false,
      stopped: false,
      gen: 0,
      run: (now) => this.round(p, now),
    };
    return p;
  }

  private start(p: Probe): void {
    const spread = p.spec.warmup ? Math.floor(this.random() * p.spec.interval) : 0;
    this.schedule(p, this.clock.now() + spread);
  }

  private schedule(p: Probe, due: number): void {
    p.due = due;
    this.sched.at(due, p);
  }

  private round(p: Probe, t0: number): void {
    if (p.stopped) return;
    p.inFlight = true;
    this.setInFlight(+1);
    runRound(p.ctx, p.handle, (r) => this.roundDone(p, r, t0));
  }

  private roundDone(p: Probe, r: ProbeResult, t0: number): void {
    p.inFlight = false;
    this.setInFlight(-1);
    p.idle?.();
    if (p.stopped) return;
    const now = this.clock.now();
    const m = this.opts.metrics;
    if (m) m.countProbe((p.resultSlot ??= m.resultSlot(p.spec.type)), r.ok, r.timedOut);
    this.record(p, { ok: r.ok, at: this.wallAt(now), ms: now - t0, detail: r.detail, weight: r.weight }, r.local);
    // The next round is one interval after this one was due. A round that started more than a
    // quarter interval late is followed one interval after it started instead, not early to catch
    // up: a daemon that fell behind (a start, a reload, a stall) does not owe its backlog with
    // interest while it is the bottleneck. Smaller delays keep the target's place: rounds a stall
    // held back all start together, and scheduled from their start they would stay together in
    // every later round, each stall making the schedule lumpier (100,000 targets: probes late by
    // 20-100 ms for the rest of the run).
    const late = t0 - p.due;
    const next = (late <= p.spec.interval * KEEP_PLACE_SHARE ? p.due : t0) + p.spec.interval;
    // a round that overran its interval (retries) skips ahead instead of starting late forever
    this.schedule(p, now - t0 > p.spec.interval ? Math.max(next, now) : next);
  }

  private record(p: Probe, rec: ProbeRecord, local = false): void {
    if (local) return this.recordLocal(p, rec);
    if (this.opts.metrics)
      this.opts.metrics.observeProbeWith(
        (p.metricSeries ??= this.opts.metrics.probeLabels(p.spec.type, p.label)),
        rec.ms,
      );
    const { health, transition } = nextHealth(p.health, rec, p.spec);
    // copied into the probe's own object: the new one dies young instead of living an interval
    // and being promoted to V8's old space (the same reason as ring.ts)
    Object.assign(p.health, health);
    p.ring.push(rec.ok, rec.at, rec.ms, rec.detail);
    if (transition) this.emit(p, transition, rec.at);
    this.wakeWaiters(p, rec);
  }

  /** Answers the checkNow callers waiting for this probe's round. */
  private wakeWaiters(p: Probe, rec: ProbeRecord): void {
    const waiters = p.waiters;
    if (waiters) {
      p.waiters = undefined;
      for (const w of waiters) w(rec);
    }
  }

  /**
   * A round this host failed (out of file descriptors, buffers or memory): shown in the probe's
   * recent results, never folded into its rise/fall streaks; logged at most once per 10 s.
   */
  private recordLocal(p: Probe, rec: ProbeRecord): void {
    p.ring.push(false, rec.at, rec.ms, rec.detail);
    this.wakeWaiters(p, rec); // checkNow answers with it: the round ended, the server was not judged
    this.localFailures++;
    const now = this.clock.now();
    if (now - this.localLoggedAt < 10_000) return;
    this.localLoggedAt = now;
    this.opts.log?.warn(
      { target: p.label, kind: p.spec.type, reason: rec.detail, notCounted: this.localFailures },
      'probe failed on this host (not counted against the server)',
    );
    this.localFailures = 0;
  }

  private emit(p: Probe, t: Transition, at: number): void {
    this.opts.log?.info(
      { target: p.label, kind: p.spec.type, ids: [...p.ids], from: t.from, to: t.to, reason: t.reason },
      'health transition',
    );
    for (const id of p.ids) {
      if (t.from !== t.to) this.opts.metrics?.transitions.inc({ to: t.to });
      const ev: HealthEvent = { id, from: t.from, to: t.to, reason: t.reason, at, weight: t.weight };
      for (const cb of this.listeners) this.deliver(cb, ev);
    }
  }

  private deliver(cb: (ev: HealthEvent) => void, ev: HealthEvent): void {
    try {
      cb(ev);
    } catch (e) {
      this.opts.log?.error({ err: e, id: ev.id }, 'health transition listener threw');
    }
  }

  private halt(p: Probe): Promise<void> {
    p.stopped = true;
    for (const w of p.waiters?.splice(0) ?? []) w(undefined);
    this.sched.cancel(p);
    const idle = p.inFlight ? new Promise<void>((resolve) => (p.idle = resolve)) : Promise.resolve();
    p.handle.halt();
    return idle;
  }

  /** Wall-clock ms for a monotonic time, without another clock read per round. */
  private wallAt(mono: number): number {
    return this.wallBase + (mono - this.monoBase);
  }

  private setInFlight(d: number): void {
    this.inFlight += d;
  }
}

/**
 * The identity of a probe: real server address and port plus the spec, with object keys sorted.
 * Equal specs give equal keys; the spec part is a short number per distinct canonical text, so
 * 12,000 keys do not each hold a copy of a few hundred characters of spec.
 */
export function probeKey(t: { address: string; port: number; spec: CheckSpec }): string {
  let c = specKeys.get(t.spec);
  if (c === undefined) {
    const text = canonical(t.spec);
    c = specNumbers.get(text);
    if (c === undefined) specNumbers.set(text, (c = specNumbers.size));
    specKeys.set(t.spec, c);
  }
  return `${t.address}|${t.port}|${c}`;
}

/** Number per spec object (specs are shared by many targets and never mutated). */
const specKeys = new WeakMap<object, number>();
/** Number per distinct canonical spec text (grows with the distinct specs ever seen: a handful per config). */
const specNumbers = new Map<string, number>();

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}
