/**
 * The daemon core: events (health transitions, reload, lvsctl overrides, resync timer, planner
 * wake-ups for slow start and drain) all end in `requestPass()`, which runs ONE coalesced pass:
 * plan (pure) → reconcile (read kernel, diff against desired, apply). Startup, health changes,
 * reloads, overrides and drift repair share that single path. Startup adopts what is in the
 * kernel (diff, never flush). The owned set is the services of the current ∪ previous config.
 */
import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';
import type { IpvsTable } from '../ipvs/types.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { Overrides, overrideKey } from './overrides.js';
import type {
  ConfigModel,
  Globals,
  HealthEventLike,
  HealthPort,
  HealthView,
  PlanOutput,
  Problem,
  ReconcileReportLike,
  ReconcilerPort,
  VrrpPort,
} from './ports.js';
import { buildStatus, type StatusReport } from './status.js';
import { resolveServer, splitId } from './names.js';

/** What the daemon is built from (the wiring in run.ts supplies the real ones). */
export interface DaemonDeps<C> {
  model: ConfigModel<C>;
  configPath: string;
  config: C;
  reconciler?: ReconcilerPort;
  /** Fresh read of the dataplane for status/metrics (the reconciler's last read predates its writes). */
  readTable?: () => Promise<IpvsTable>;
  dataplaneKind: 'kernel' | 'memory' | 'none';
  health: HealthPort;
  /** Builds the VRRP service (possibly after loading its modules). */
  vrrp?: (instances: unknown[], c: C) => VrrpPort | Promise<VrrpPort>;
  overrides: Overrides;
  clock: Clock;
  /** Wall clock (ms since the epoch); default Date.now. */
  wallClock?: () => number;
  log: Logger;
  metrics?: DaemonMetrics;
}

/** Outcome of a reload attempt. */
export type ReloadOutcome = { ok: true; summary: string; generation: number } | { ok: false; problems: Problem[] };

/** Last reconcile pass, for status. */
export interface PassInfo {
  at: number;
  ops: number;
  failed: string[];
  durationMs: number;
  error?: string;
}

/** The running daemon. */
export class Daemon<C> {
  config: C;
  previous?: C;
  generation = 1;
  lastReload?: { at: number; ok: boolean; summary?: string; problems?: Problem[] };
  lastPass?: PassInfo;
  /** Consecutive passes whose table read failed (drives the retry backoff). */
  private readErrors = 0;
  plan?: PlanOutput;
  vrrp?: VrrpPort;
  private vrrpStarting?: Promise<void>;
  readonly startedAt: number;
  /** Wall-clock time minus clock time in this process: turns saved wall times into clock times. */
  private readonly wallOffset: number;
  private memory: unknown;
  private dirty = false;
  private running?: Promise<void>;
  private stopped = false;
  private cancelResync?: () => void;
  private cancelWake?: { at: number; cancel: () => void };
  private readonly upSince = new Map<string, number>();
  private readonly quorumDown = new Map<string, boolean>();
  private unsubscribe?: () => void;
  private wrote = false;

  constructor(private readonly d: DaemonDeps<C>) {
    this.config = d.config;
    this.startedAt = (d.wallClock ?? Date.now)();
    this.wallOffset = this.startedAt - d.clock.now();
    this.memory = d.model.loadMemory?.(d.overrides.removedDrains(), d.clock.now(), this.wallOffset);
  }

  /** Settings of the current config. */
  globals(): Globals {
    return this.d.model.globals(this.config);
  }

  /** Starts probes, VRRP, the resync timer, and runs the first (adopting) pass; resolves after it. */
  async start(): Promise<void> {
    const targets = this.d.model.targets(this.config);
    await this.d.health.prepare?.(targets); // checker modules, so the first probes need not wait for them
    if (this.stopped) return;
    this.unsubscribe = this.d.health.onTransition((ev) => this.onHealth(ev));
    this.d.health.setTargets(targets);
    this.d.metrics?.setGeneration(this.generation);
    const instances = this.d.model.vrrpInstances(this.config);
    if (instances.length && this.d.vrrp) await this.startVrrp(instances, this.config);
    this.armResync();
    // The first pass plans and diffs the whole table synchronously (~100 ms for 10,000 destinations):
    // the probes go first. A large set of targets is attached over several event-loop turns, and the
    // probes due meanwhile (warm-up spread) start between them; one more timer turn lets those due by
    // then start before the pass, not after it.
    await this.d.health.whenAttached?.();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await this.requestPass('startup');
  }

  private onHealth(ev: HealthEventLike): void {
    if (ev.to === 'up') this.upSince.set(ev.id, this.d.clock.now());
    const [vs, rs] = splitId(ev.id);
    if (ev.from === ev.to) this.d.log.debug({ vs, rs, weight: ev.weight, reason: ev.reason }, 'dynamic weight changed');
    else this.d.log.debug({ vs, rs, from: ev.from, to: ev.to, reason: ev.reason }, `real server ${ev.to}`); // the health engine logs the transition at info
    void this.requestPass('health');
  }

  /** Asks for a pass; concurrent requests coalesce into one pass after the running one. */
  requestPass(_why: string): Promise<void> {
    this.dirty = true;
    if (!this.running) {
      this.running = this.loop().finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private async loop(): Promise<void> {
    await Promise.resolve();
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.pass();
      } catch (e) {
        // A bug in a pure layer must not kill the daemon: log it, keep the kernel as it is, retry.
        this.d.log.error({ err: (e as Error)?.stack ?? String(e) }, 'pass failed; retrying in 1s');
        this.armWake(this.d.clock.now() + 1000);
      }
    }
  }

  private healthOf = (id: string): HealthView | undefined => {
    const s = this.d.health.status(id);
    return s && { up: s.state === 'up', weight: s.weight, upSince: this.upSince.get(id) };
  };

  private async pass(): Promise<void> {
    const now = this.d.clock.now();
    const input = {
      config: this.config,
      previous: this.previous,
      health: this.healthOf,
      drained: this.d.overrides.keys(),
      now,
      actual: await this.actualForPlan(),
    };
    const { out, memory } = this.d.model.plan(input, this.memory);
    this.memory = memory;
    if (this.d.model.saveMemory) this.d.overrides.setRemovedDrains(this.d.model.saveMemory(memory, this.wallOffset));
    this.plan = out;
    this.feedVrrp(out.belowQuorum);
    if (this.d.reconciler) await this.reconcile(out.table, now);
    this.armWake(out.nextWakeAt);
  }

  /**
   * The table the planner sees (connection counts for drains). The reconciler's last read predates
   * the writes of its pass, so after a pass that wrote, the table is read again once.
   */
  private async actualForPlan(): Promise<IpvsTable | undefined> {
    const last = this.d.reconciler?.lastActual();
    if (!this.wrote || !this.d.readTable) return last;
    this.wrote = false;
    return this.d.readTable().catch(() => last);
  }

  private async reconcile(desired: IpvsTable, now: number): Promise<void> {
    try {
      const r = await this.d.reconciler!.reconcile(desired, this.owned());
      this.recordPass(now, r);
    } catch (e) {
      const error = (e as Error).message;
      this.lastPass = { at: Date.now(), ops: 0, failed: [], durationMs: this.d.clock.now() - now, error };
      this.d.log.error({ err: error }, 'reconcile failed; retrying at the next resync');
      this.d.metrics?.reconciled((this.d.clock.now() - now) / 1000, 0, 1);
    }
  }

  private recordPass(now: number, r: ReconcileReportLike): void {
    const failed = r.failed.map((f) => f.error);
    this.lastPass = { at: Date.now(), ops: r.ops.length, failed, durationMs: r.durationMs, error: r.error };
    this.wrote = r.ops.length > 0;
    // A table that stays unreadable (e.g. no ip_vs module) is retried 1 s, 2 s, 4 s ... then every resync.
    this.readErrors = r.error ? this.readErrors + 1 : 0;
    if (r.error)
      this.d.log.error({ err: r.error, attempt: this.readErrors }, 'reading the IPVS table failed; retrying');
    if (r.error)
      this.armWake(now + Math.min(1000 * 2 ** Math.min(this.readErrors - 1, 16), this.globals().resyncIntervalMs));
    this.d.metrics?.reconciled(r.durationMs / 1000, r.writes, failed.length);
    if (r.ops.length) this.d.log.info({ ops: r.ops.length, failed: failed.length, ms: r.durationMs }, 'reconciled');
    for (const f of failed) this.d.log.warn({ err: f }, 'IPVS operation failed; will retry');
    if (failed.length) this.armWake(now + 1000);
  }

  /** serviceKeys of the current ∪ previous config. */
  owned(): ReadonlySet<string> {
    const keys = new Set(this.d.model.ownedKeys(this.config));
    if (this.previous) for (const k of this.d.model.ownedKeys(this.previous)) keys.add(k);
    for (const k of this.plan?.drainingServices ?? []) keys.add(k);
    return keys;
  }

  private feedVrrp(below: ReadonlySet<string>): void {
    if (!this.vrrp) return;
    for (const vs of this.d.model.virtualServers(this.config)) {
      const down = below.has(vs.name);
      if (this.quorumDown.get(vs.name) === down) continue;
      this.quorumDown.set(vs.name, down);
      this.vrrp.setVirtualServerDown(vs.name, down);
    }
  }

  private armWake(at: number | undefined): void {
    if (at === undefined || this.stopped) return;
    if (this.cancelWake && this.cancelWake.at <= at) return;
    this.cancelWake?.cancel();
    const cancel = this.d.clock.setTimeout(
      () => {
        this.cancelWake = undefined;
        void this.requestPass('wake');
      },
      Math.max(0, at - this.d.clock.now()),
    );
    this.cancelWake = { at, cancel };
  }

  private armResync(): void {
    this.cancelResync?.();
    const ms = this.globals().resyncIntervalMs;
    if (!(ms > 0) || this.stopped) return;
    this.cancelResync = this.d.clock.setTimeout(() => {
      this.armResync();
      void this.requestPass('resync');
    }, ms);
  }

  /**
   * Reloads the config file: invalid → every problem logged, old config kept, nothing touched;
   * valid → summary logged, health targets diffed (unchanged specs keep state), one pass.
   */
  async reload(): Promise<ReloadOutcome> {
    const loaded = await this.d.model.load(this.d.configPath);
    if (!loaded.ok) {
      for (const p of loaded.problems) this.d.log.error({ path: p.path, problem: p.message }, 'reload rejected');
      this.d.log.error({ problems: loaded.problems.length }, 'reload rejected: keeping the running config');
      this.lastReload = { at: Date.now(), ok: false, problems: loaded.problems };
      this.d.metrics?.reloaded(false);
      return { ok: false, problems: loaded.problems };
    }
    return this.applyConfig(loaded.config);
  }

  private async applyConfig(next: C): Promise<ReloadOutcome> {
    const summary = this.d.model.diffSummary(this.config, next);
    this.previous = this.config;
    this.config = next;
    this.generation++;
    this.d.metrics?.setGeneration(this.generation);
    this.d.metrics?.reloaded(true);
    this.lastReload = { at: Date.now(), ok: true, summary };
    this.d.log.info({ generation: this.generation, summary }, `reloaded: ${summary}`);
    this.d.health.setTargets(this.d.model.targets(next));
    this.armResync();
    await this.reloadVrrp(next);
    await this.requestPass('reload');
    return { ok: true, summary, generation: this.generation };
  }

  /** Builds and starts VRRP once; a reload arriving meanwhile waits for it (no second service). */
  private startVrrp(instances: unknown[], c: C): Promise<void> {
    this.vrrpStarting = (async () => {
      const vrrp = await this.d.vrrp!(instances, c);
      this.vrrp = vrrp;
      await vrrp.start();
    })();
    return this.vrrpStarting;
  }

  private async reloadVrrp(next: C): Promise<void> {
    const instances = this.d.model.vrrpInstances(next);
    if (!this.vrrp && !this.vrrpStarting && instances.length && this.d.vrrp) return this.startVrrp(instances, next);
    await this.vrrpStarting;
    if (this.vrrp) return this.vrrp.reload(instances);
  }

  /** lvsctl drain: weight 0 for (vs, rs), persisted; throws DaemonError ENOVS/ENORS. */
  async drain(vs: string, rs: string): Promise<{ changed: boolean }> {
    return this.operatorOverride('drain', vs, rs, 'drained by operator');
  }

  /** lvsctl enable: removes the drain override; throws DaemonError ENOVS/ENORS. */
  async enable(vs: string, rs: string): Promise<{ changed: boolean }> {
    return this.operatorOverride('enable', vs, rs, 'enabled by operator');
  }

  private async operatorOverride(
    op: 'drain' | 'enable',
    vs: string,
    rs: string,
    msg: string,
  ): Promise<{ changed: boolean }> {
    const key = this.resolve(vs, rs);
    const changed = this.d.overrides[op](key.vs, key.rs);
    this.d.log.info({ vs: key.vs, rs: key.rs, changed }, msg);
    await this.requestPass(op);
    return { changed };
  }

  private resolve(vs: string, rs: string): { vs: string; rs: string } {
    return resolveServer(this.d.model.virtualServers(this.config), vs, rs);
  }

  /** Everything lvsctl status shows, with the dataplane read now (falls back to the last pass's read). */
  async status(): Promise<StatusReport> {
    let actual = this.d.reconciler?.lastActual();
    if (this.d.readTable) actual = await this.d.readTable().catch(() => actual);
    return buildStatus(this, {
      model: this.d.model,
      health: this.d.health,
      overrides: this.d.overrides,
      actual,
      dataplane: this.d.dataplaneKind,
      configPath: this.d.configPath,
    });
  }

  /** Waits until no pass is running or pending. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Clean stop: probes stopped, timers cancelled, VRRP stopped gracefully, and with
   * on_shutdown = "remove" every owned service deleted through the reconciler (one pass with an
   * empty desired table). "keep" leaves the kernel untouched.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.cancelResync?.();
    this.cancelWake?.cancel();
    await this.d.health.stop();
    await this.idle();
    await this.vrrpStarting?.catch(() => undefined);
    if (this.vrrp) await this.vrrp.stop().catch((e: Error) => this.d.log.error({ err: e.message }, 'VRRP stop failed'));
    if (this.globals().onShutdown === 'remove' && this.d.reconciler) {
      const r = await this.d.reconciler.reconcile({ services: [] }, this.owned());
      this.d.log.info({ ops: r.ops.length, failed: r.failed.length }, 'removed owned IPVS entries');
    }
    this.d.reconciler?.close?.();
  }
}

export { overrideKey, splitId };
