/**
 * The daemon core: events (health transitions, reload, lvsctl overrides, resync timer, planner
 * wake-ups for slow start and drain) all end in `requestPass()`, which runs ONE coalesced pass:
 * plan (pure, src/plan/desired.ts) → reconcile (read the dataplane, diff against desired, apply).
 * Startup, health changes, reloads, overrides and drift repair share that single path. Startup
 * adopts what is in the kernel (diff, never flush). The owned set is the services of the current ∪
 * previous config. A reload is a load of the file (config-loader.ts: only changed sections are parsed
 * and validated again) + `diffConfigs` + the same pass.
 * Its dependencies are I/O and time only: the dataplane, the health probes, VRRP, the clock.
 */
import type { Logger } from 'pino';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { bounded, changeText, configChanges } from '../config/changes.js';
import { diffConfigs, summary as diffSummary } from '../config/diff.js';
import { ConfigLoader } from '../config/config-loader.js';
import { pendingRestart } from '../config/restart-only.js';
import type { Config, ConfigProblem } from '../config/types.js';
import type { PassInfo, ReloadInfo, StatusReport, Transition } from '../control/status-report.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { HealthEngine, HealthEvent } from '../health/engine.js';
import type { IpvsTable } from '../ipvs/types.js';
import type { DestSnapshot } from '../metrics/dest-series.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { AdminState } from '../plan/admin.js';
import { plan, serverId, type HealthView, type Plan, type PlannerMemory } from '../plan/desired.js';
import { mergeReports, Reconciler, type ReconcileReport } from '../plan/reconciler.js';
import { restoreDrains, saveDrains } from '../plan/saved-drains.js';
import type { SyncService } from './sync-service.js';
import type { SyncSetup } from '../sync/setup.js';
import type { Clock } from '../util/clock.js';
import type { HeapRelease } from '../util/heap-release.js';
import type { VrrpInstanceConfig } from '../vrrp/schema.js';
import type { VrrpService } from '../vrrp/service.js';
import type { Announcements } from './announcements.js';
import { destFingerprint, ecmpSysctlIssues } from '../announce/ecmp.js';
import { serviceKey } from '../ipvs/types.js';
import { Audit, opsForLog } from './audit.js';
import { splitId } from './names.js';
import * as operator from './operator.js';
import { QuorumWatch } from './quorum-watch.js';
import type { Overrides } from './overrides.js';
import { destSnapshots } from './dest-snapshot.js';
import { buildStatus } from './status.js';
import { healthTargets, healthTargetsChanged } from './targets.js';

/** Longest wait of a start for its health targets to be attached before the first pass. */
export const ATTACH_WAIT_MS = 250;

/** The health engine as the daemon drives it. */
export type HealthProbes = Pick<
  HealthEngine,
  'setTargets' | 'prepare' | 'whenAttached' | 'onTransition' | 'status' | 'verdict' | 'stop' | 'checkNow'
>;

/** VRRP as the daemon drives it. */
export type Vrrp = Pick<
  VrrpService,
  'start' | 'reload' | 'setVirtualServerDown' | 'status' | 'syncStatus' | 'stop' | 'onTransition'
>;

/** Connection sync as the daemon drives it. */
export type Sync = Pick<SyncService, 'configure' | 'status' | 'stop'>;

/** What the daemon is built from (src/daemon/run.ts supplies the real ones, tests their own). */
export interface DaemonDeps {
  configPath: string;
  config: Config;
  /** What loaded `config` (a reload then re-validates only what changed); a new one when absent. */
  loader?: ConfigLoader;
  /** Where the IPVS table lives; none when the config has no virtual server (nothing is reconciled). */
  dataplane?: Dataplane;
  dataplaneKind: 'kernel' | 'memory' | 'none';
  /** Ops per dataplane apply (the Reconciler's default when absent). */
  batchSize?: number;
  health: HealthProbes;
  /** Builds the VRRP service for the config's instances and the [sync] section they drive (possibly after loading its modules). */
  vrrp?: (instances: VrrpInstanceConfig[], routerId: string, sync?: SyncSetup) => Promise<Vrrp>;
  /** Connection sync ([sync]); absent: the kernel's sync daemons are left alone. */
  sync?: Sync;
  overrides: Overrides;
  clock: Clock;
  /** Wall clock (ms since the epoch); default Date.now. */
  wallClock?: () => number;
  log: Logger;
  metrics?: Pick<DaemonMetrics, 'setGeneration' | 'reloaded' | 'reconciled' | 'configApplied'>;
  /** Called once the start's pass and each reload are done, right after (src/util/heap-release.ts). */
  releaseHeap?: HeapRelease;
  /** VIP route announcements ([announce]); absent: none, whatever the config says. */
  announcements?: Announcements;
  /**
   * Realign the kernel's dest order of ecmp virtual servers with a fresh start's (diff.ts); default
   * true. Off only to show what happens without it (LVSD_ECMP_REALIGN=0, kernel tests).
   */
  ecmpRealign?: boolean;
  /** Reads a sysctl ("net.ipv4.vs.sloppy_tcp"); undefined when unreadable. For ecmp warnings. */
  sysctl?: (name: string) => string | undefined;
  /** Applies global.log_level on reload, unless `cli` (--log-level) pins the level. */
  logLevel?: { cli?: string; set(level: string): void };
}

/** Outcome of a reload attempt. */
export type ReloadOutcome =
  | { ok: true; summary: string; generation: number; pendingRestart: string[] }
  | { ok: false; problems: ConfigProblem[] };

/** The running daemon. */
export class Daemon {
  config: Config;
  previous?: Config;
  generation = 1;
  lastReload?: ReloadInfo;
  lastPass?: PassInfo;
  plan?: Plan;
  vrrp?: Vrrp;
  readonly startedAt: number;
  /** [global] as lvsd started with it: restart-only keys keep these values (config/restart-only.ts). */
  readonly startGlobal: Config['global'];
  private readonly reconciler?: Reconciler;
  private readonly loader: ConfigLoader;
  /** Consecutive passes whose table read failed (drives the retry backoff). */
  private readErrors = 0;
  private vrrpStarting?: Promise<void>;
  /** Wall-clock time minus clock time in this process: turns saved wall times into clock times. */
  private readonly wallOffset: number;
  private memory: PlannerMemory;
  /** Virtual servers whose health or drains changed since the last plan (undefined: plan them all). */
  private changed?: Set<string>;
  private dirty = false;
  /** The next pass reads the dataplane before it diffs (startup adoption, the periodic resync). */
  private readNext = true;
  /** The next pass reads the dataplane before it plans (a drain just asked for needs connection counts). */
  private connsNext = false;
  private running?: Promise<void>;
  /** Passes started so far, and callers waiting for the pass with a given number to end. */
  private passesStarted = 0;
  private waiting: Array<{ pass: number; done: () => void }> = [];
  private stopped = false;
  private cancelResync?: () => void;
  private cancelWake?: { at: number; cancel: () => void };
  private readonly upSince = new Map<string, number>();
  private readonly quorumDown = new Map<string, boolean>();
  private unsubscribe?: () => void;
  /** Problems with kernel settings the config needs (ecmp sysctls), shown by status. */
  warnings: string[] = [];
  private stateWriteFailed = false;
  /** The keys of the services of `config` and `previous` (owned() without the draining ones). */
  private ownedBase?: { config: Config; previous?: Config; keys: ReadonlySet<string> };
  /**
   * One list per operator call waiting for its pass: the reports of the passes ending meanwhile (a
   * pass already running when the change came may be the one that applied it).
   */
  private reportSinks = new Set<ReconcileReport[]>();
  /** The audit trail: transitions logged once each, the recent ones kept for status. */
  readonly audit: Audit;
  private readonly quorum: QuorumWatch;

  constructor(private readonly d: DaemonDeps) {
    this.config = d.config;
    this.startGlobal = d.config.global;
    this.loader = d.loader ?? new ConfigLoader();
    this.startedAt = (d.wallClock ?? Date.now)();
    this.wallOffset = this.startedAt - d.clock.now();
    this.memory = restoreDrains(d.overrides.removedDrains(), d.clock.now(), this.wallOffset);
    this.audit = new Audit(d.log, d.wallClock);
    this.quorum = new QuorumWatch(this.audit, d.log);
    if (d.dataplane)
      this.reconciler = new Reconciler({
        dataplane: d.dataplane,
        clock: d.clock,
        log: d.log.child({ layer: 'reconciler' }),
        batchSize: d.batchSize,
        ordered: () => (d.ecmpRealign === false ? NONE : ecmpKeys(this.config)),
      });
  }

  /** Starts probes, VRRP, the resync timer, and runs the first (adopting) pass; resolves after it. */
  async start(): Promise<void> {
    this.readNext = true; // adopt what the kernel has
    const targets = healthTargets(this.config);
    await this.d.health.prepare(targets); // checker modules, so the first probes need not wait for them
    if (this.stopped) return;
    this.unsubscribe = this.d.health.onTransition((ev) => this.onHealth(ev));
    this.d.health.setTargets(targets);
    this.d.metrics?.setGeneration(this.generation);
    this.checkKernelSettings(this.config);
    this.d.metrics?.configApplied(this.configDigest(), this.startedAt, true);
    const sync = await this.d.sync?.configure(this.config);
    if (this.config.vrrp_instance.length && this.d.vrrp) await this.startVrrp(this.config, sync);
    this.armResync();
    // The first pass plans and diffs the whole table synchronously (~100 ms for 10,000 destinations):
    // the probes go first. A large set of targets is attached over several event-loop turns, and the
    // probes due meanwhile (warm-up spread) start between them; one more timer turn lets those due by
    // then start before the pass, not after it. But the table comes first when attaching is slow: on
    // a machine the probes saturate (36,544 checks inside user-mode Linux) attaching took minutes, and
    // the pass needs no target attached (a pending one answers with its initial state).
    let waited: (() => void) | undefined;
    await Promise.race([
      this.d.health.whenAttached(),
      new Promise<void>((resolve) => (waited = this.d.clock.setTimeout(resolve, ATTACH_WAIT_MS))),
    ]);
    waited?.();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await this.requestPass();
    this.afterBigWork('start');
  }

  /** Hands the garbage of a start or reload back, one clock turn later (the caller answers first). */
  private afterBigWork(what: 'start' | 'reload'): void {
    const release = this.d.releaseHeap;
    if (release) this.d.clock.setTimeout(() => release(what), 0);
  }

  private onHealth(ev: HealthEvent): void {
    if (ev.to === 'up') this.upSince.set(ev.id, this.d.clock.now());
    const [vs, rs] = splitId(ev.id);
    this.changed?.add(vs);
    if (ev.from === ev.to) this.d.log.debug({ vs, rs, weight: ev.weight, reason: ev.reason }, 'dynamic weight changed');
    else {
      this.d.log.debug({ vs, rs, from: ev.from, to: ev.to, reason: ev.reason }, `real server ${ev.to}`);
      // the health engine logs the transition at info (one line per probe, with every id sharing it)
      this.audit.transition({ kind: 'health', vs, rs, from: ev.from, to: ev.to, reason: ev.reason, at: ev.at }, true);
    }
    void this.requestPass();
  }

  /**
   * Asks for a pass; concurrent requests coalesce into one pass after the running one. `read`: the
   * pass reads the dataplane before it diffs (drift repair); `conns`: before it plans (drains need
   * connection counts). Resolves when a pass that started after this request has ended (or the
   * daemon stopped) — not when passes stop coming, which under a steady stream of health events
   * could be never.
   */
  requestPass(want: { read?: boolean; conns?: boolean } = {}): Promise<void> {
    this.dirty = true;
    this.readNext ||= want.read === true;
    this.connsNext ||= want.conns === true;
    const done = new Promise<void>((resolve) => this.waiting.push({ pass: this.passesStarted + 1, done: resolve }));
    this.kick();
    return done;
  }

  private kick(): void {
    if (this.running) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      // a request that came while the loop was ending still gets its pass
      if (this.dirty && !this.stopped) this.kick();
      else for (const w of this.waiting.splice(0)) w.done();
    });
  }

  private async loop(): Promise<void> {
    await Promise.resolve();
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      const n = ++this.passesStarted;
      try {
        await this.pass();
      } catch (e) {
        // A bug in a pure layer must not kill the daemon: log it, keep the kernel as it is, retry.
        this.d.log.error({ err: (e as Error)?.stack ?? String(e) }, 'pass failed; retrying in 1s');
        this.armWake(this.d.clock.now() + 1000);
      }
      if (this.waiting.length && this.waiting[0]!.pass <= n) {
        const ready = this.waiting.filter((w) => w.pass <= n);
        this.waiting = this.waiting.filter((w) => w.pass > n);
        for (const w of ready) w.done();
      }
    }
  }

  private healthOf = (id: string): HealthView | undefined => {
    const s = this.d.health.verdict(id);
    return s && { up: s.state === 'up', weight: s.weight, upSince: this.upSince.get(id), reason: s.reason };
  };

  private async pass(): Promise<void> {
    // Connection counts (drains) and drift repair need a read; every other pass plans and diffs
    // against the reconciler's own picture of the table.
    const conns = this.connsNext || this.draining();
    const read = this.readNext && !conns; // the read for the planner serves the diff too
    this.readNext = this.connsNext = false;
    const actual = conns ? await this.reconciler?.refresh() : undefined;
    const now = this.d.clock.now();
    const changed = this.changed;
    this.changed = undefined; // a pass that throws leaves the next one planning everything
    const p = plan(
      {
        config: this.config,
        previous: this.previous,
        health: this.healthOf,
        admin: this.d.overrides,
        now,
        actual,
        changed,
      },
      this.memory,
    );
    this.changed = new Set();
    this.memory = p.memory;
    this.saveRemovedDrains(p.memory);
    this.plan = p;
    this.quorum.update(this.config, p);
    this.feedVrrp(p.belowQuorum);
    if (this.reconciler) await this.reconcile(this.reconciler, p.table, now, read);
    this.armWake(p.nextWakeAt);
    await this.announce(p.belowQuorum, now);
  }

  /** Announcements follow the pass's quorum verdicts, after the table is programmed. */
  private async announce(belowQuorum: ReadonlySet<string>, now: number, shuttingDown = false): Promise<void> {
    const a = this.d.announcements;
    if (!a) return;
    const resyncMs = this.config.global.resync_interval;
    this.armWake(
      await a.update(this.config.announce, this.config.virtual_server, belowQuorum, now, { shuttingDown, resyncMs }),
    );
    if (a.needsRetry()) this.armWake(now + 1000);
  }

  /** Warns (log and status) about kernel settings the config's ecmp virtual servers need. */
  private checkKernelSettings(c: Config): void {
    const ecmp = c.virtual_server.filter((v) => v.ecmp);
    this.warnings =
      ecmp.length && this.d.sysctl
        ? ecmpSysctlIssues(
            ecmp.map((v) => v.protocol),
            this.d.sysctl,
          )
        : [];
    for (const w of this.warnings) this.d.log.warn({ problem: w }, 'kernel setting for ecmp virtual servers');
  }

  /** The ecmp virtual servers' fingerprints, from a table read now (for /metrics; none without ecmp services). */
  async ecmpFingerprints(): Promise<Array<{ vs: string; fingerprint: string }>> {
    const ecmp = this.config.virtual_server.filter((v) => v.ecmp);
    if (!ecmp.length || !this.d.dataplane) return [];
    const last = this.reconciler?.lastActual();
    const actual = await this.d.dataplane.read().catch(() => last);
    const byKey = new Map((actual?.services ?? []).map((s) => [serviceKey(s.id), s]));
    return ecmp.flatMap((v) => {
      const k = byKey.get(v.key);
      return k ? [{ vs: v.name, fingerprint: destFingerprint(k.destinations) }] : [];
    });
  }

  /** lvsctl maintenance on|off: withdraws (or, after the hold-down, announces again) every VIP. */
  async maintenance(on: boolean): Promise<{ changed: boolean }> {
    const changed = this.d.announcements?.setMaintenance(on) ?? false;
    await this.requestPass();
    return { changed };
  }

  /** Persists the drains of removed servers; a failed write is logged and retried next pass, never fails the pass. */
  private saveRemovedDrains(memory: PlannerMemory): void {
    try {
      this.d.overrides.setRemovedDrains(saveDrains(memory, this.wallOffset));
      this.stateWriteFailed = false;
    } catch (e) {
      if (!this.stateWriteFailed)
        this.d.log.warn({ err: (e as Error).message }, 'cannot save draining servers; retrying');
      this.stateWriteFailed = true;
    }
  }

  /**
   * Whether the planner needs connection counts: a drain in progress, or a finished drain of a removed
   * server that a read must show gone before it is forgotten.
   */
  private draining(): boolean {
    for (const e of this.memory.drains.values()) if (!e.done || e.why === 'removed') return true;
    return false;
  }

  private async reconcile(reconciler: Reconciler, desired: IpvsTable, now: number, read: boolean): Promise<void> {
    try {
      this.recordPass(now, await reconciler.reconcile(desired, this.owned(), { read }));
    } catch (e) {
      const error = (e as Error).message;
      this.lastPass = { at: Date.now(), ops: 0, failed: [], durationMs: this.d.clock.now() - now, error };
      this.d.log.error({ err: error }, 'reconcile failed; retrying at the next resync');
      this.d.metrics?.reconciled((this.d.clock.now() - now) / 1000, 0, 1);
    }
  }

  private recordPass(now: number, r: ReconcileReport): void {
    const failed = r.failed.map((f) => f.error);
    for (const sink of this.reportSinks) sink.push(r);
    this.lastPass = { at: Date.now(), ops: r.ops.length, failed, durationMs: r.durationMs, error: r.error };
    // A table that stays unreadable (e.g. no ip_vs module) is retried 1 s, 2 s, 4 s ... then every resync.
    this.readErrors = r.error ? this.readErrors + 1 : 0;
    if (r.error) {
      this.d.log.error({ err: r.error, attempt: this.readErrors }, 'reading the IPVS table failed; retrying');
      const backoff = 1000 * 2 ** Math.min(this.readErrors - 1, 16);
      this.armWake(now + Math.min(backoff, this.config.global.resync_interval));
    }
    this.d.metrics?.reconciled(r.durationMs / 1000, r.writes, failed.length);
    if (r.ops.length)
      this.d.log.info(
        { ops: r.ops.length, failed: failed.length, ms: r.durationMs, ...opsForLog(r.ops) },
        'reconciled',
      );
    for (const f of failed) this.d.log.warn({ err: f }, 'IPVS operation failed; will retry');
    if (failed.length) this.armWake(now + 1000);
  }

  /** serviceKeys of the current ∪ previous config, and of services kept only while something drains in them. */
  owned(): ReadonlySet<string> {
    let base = this.ownedBase;
    if (base?.config !== this.config || base.previous !== this.previous) {
      // built once per config (reloads), not per pass: 4,568 keys at keepalived #2318's size
      const keys = new Set(this.config.virtual_server.map((v) => v.key));
      for (const v of this.previous?.virtual_server ?? []) keys.add(v.key);
      this.ownedBase = base = { config: this.config, previous: this.previous, keys };
    }
    const draining = this.plan?.drainingServices;
    if (!draining?.size) return base.keys;
    const keys = new Set(base.keys);
    for (const k of draining) keys.add(k);
    return keys;
  }

  private feedVrrp(below: ReadonlySet<string>): void {
    if (!this.vrrp) return;
    for (const { name } of this.config.virtual_server) {
      const down = below.has(name);
      if (this.quorumDown.get(name) === down) continue;
      this.quorumDown.set(name, down);
      this.vrrp.setVirtualServerDown(name, down);
    }
  }

  private armWake(at: number | undefined): void {
    if (at === undefined || this.stopped) return;
    if (this.cancelWake && this.cancelWake.at <= at) return;
    this.cancelWake?.cancel();
    const cancel = this.d.clock.setTimeout(
      () => {
        this.cancelWake = undefined;
        void this.requestPass();
      },
      Math.max(0, at - this.d.clock.now()),
    );
    this.cancelWake = { at, cancel };
  }

  private armResync(): void {
    this.cancelResync?.();
    const ms = this.config.global.resync_interval;
    if (!(ms > 0) || this.stopped) return;
    this.cancelResync = this.d.clock.setTimeout(() => {
      this.armResync();
      void this.requestPass({ read: true });
    }, ms);
  }

  /**
   * Reloads the config file: invalid → every problem logged, old config kept, nothing touched;
   * valid → summary logged, health targets diffed (unchanged specs keep state), one pass.
   */
  async reload(): Promise<ReloadOutcome> {
    const t0 = this.d.clock.now();
    const loaded = await this.loader.loadFile(this.d.configPath);
    if (!loaded.ok) {
      for (const p of loaded.problems) this.d.log.error({ path: p.path, problem: p.message }, 'reload rejected');
      this.d.log.error({ problems: loaded.problems.length }, 'reload rejected: keeping the running config');
      this.lastReload = { at: Date.now(), ok: false, problems: loaded.problems };
      const first = loaded.problems[0];
      this.audit.transition(
        {
          kind: 'reload',
          name: this.d.configPath,
          from: `generation ${this.generation}`,
          to: `generation ${this.generation} (rejected)`,
          reason: `${loaded.problems.length} problem(s)${first ? `, first: ${first.path ? `${first.path}: ` : ''}${first.message}` : ''}`,
        },
        true,
      );
      this.d.metrics?.reloaded(false);
      return { ok: false, problems: loaded.problems };
    }
    return this.applyConfig(loaded.config, t0, this.d.clock.now() - t0);
  }

  /** `t0`: when the reload began; `loadMs`: how long reading, parsing and validating the file took. */
  private async applyConfig(next: Config, t0: number, loadMs: number): Promise<ReloadOutcome> {
    const prev = this.config;
    const same = next === prev; // the loader's answer to an unchanged file
    const diff = diffConfigs(this.config, next);
    const summary = diffSummary(diff);
    const changes = bounded(configChanges(this.config, next, diff), 50);
    const pending = pendingRestart(this.startGlobal, next.global);
    this.previous = this.config;
    this.config = next;
    this.generation++;
    const at = Date.now();
    this.d.metrics?.setGeneration(this.generation);
    this.d.metrics?.reloaded(true, at);
    this.d.metrics?.configApplied(this.configDigest(), at);
    this.lastReload = {
      at,
      ok: true,
      summary,
      changes: changes.items,
      ...(changes.more ? { moreChanges: changes.more } : {}),
      pendingRestart: pending,
    };
    const logged = {
      generation: this.generation,
      summary,
      changes: changes.items.map(changeText),
      more: changes.more || undefined,
    };
    this.d.log.info(logged, `reloaded: ${summary}`);
    if (pending.length)
      this.d.log.warn(
        { keys: pending },
        `reload: ${pending.join(', ')} changed; the running values stay until lvsd restarts`,
      );
    this.applyLogLevel(next.global.log_level);
    this.audit.transition(
      {
        kind: 'reload',
        name: this.d.configPath,
        from: `generation ${this.generation - 1}`,
        to: `generation ${this.generation}`,
        reason: summary,
      },
      true,
    );
    if (!same && healthTargetsChanged(prev, next)) this.d.health.setTargets(healthTargets(next));
    this.checkKernelSettings(next);
    this.armResync();
    await this.reloadVrrp(next, await this.d.sync?.configure(next));
    // a removed real server drains only while the table still has it: that pass reads the table
    const passFrom = this.d.clock.now();
    await this.requestPass({ conns: diff.dests.removed.length > 0 });
    const end = this.d.clock.now();
    const writes = this.lastPass?.ops ?? 0;
    // where the time went: the file, the pass, and between them diffing, health targets, VRRP and sync
    const ms = { ms: Math.round(end - t0), loadMs: Math.round(loadMs), passMs: Math.round(end - passFrom) };
    this.d.log.info({ generation: this.generation, ...ms, writes }, 'reload complete');
    this.afterBigWork('reload');
    return { ok: true, summary, generation: this.generation, pendingRestart: pending };
  }

  private applyLogLevel(level: string): void {
    const l = this.d.logLevel;
    if (!l || this.d.log.level === level) return;
    if (l.cli)
      return void this.d.log.info(`log_level ${level} in the file: --log-level ${l.cli} on the command line wins`);
    this.d.log.info(`log level is now ${level}`); // before: at a higher level this line would be dropped
    l.set(level);
  }

  /** Builds and starts VRRP once; a reload arriving meanwhile waits for it (no second service). */
  private startVrrp(c: Config, sync: SyncSetup | undefined): Promise<void> {
    this.vrrpStarting = (async () => {
      const vrrp = await this.d.vrrp!(c.vrrp_instance, c.global.router_id, sync);
      this.vrrp = vrrp;
      // the VRRP service logs its transitions; the audit keeps them for status
      vrrp.onTransition((t) =>
        this.audit.transition({ kind: 'vrrp', name: t.name, from: t.from, to: t.to, reason: t.reason, at: t.at }, true),
      );
      await vrrp.start();
    })();
    return this.vrrpStarting;
  }

  private async reloadVrrp(next: Config, sync: SyncSetup | undefined): Promise<void> {
    const instances = next.vrrp_instance;
    if (!this.vrrp && !this.vrrpStarting && instances.length && this.d.vrrp) return this.startVrrp(next, sync);
    await this.vrrpStarting;
    if (this.vrrp) return this.vrrp.reload(instances, sync);
  }

  /** The runtime-control operations (operator.ts) over this daemon. */
  private operatorContext(): operator.OperatorContext {
    return {
      config: this.config,
      overrides: this.d.overrides,
      audit: this.audit,
      now: () => this.d.clock.now(),
      pass: async (vs) => {
        // only while a call waits are reports kept: the start's alone holds an op per real server
        const reports: ReconcileReport[] = [];
        this.reportSinks.add(reports);
        try {
          for (const name of vs) this.changed?.add(name); // undefined: the next pass plans them all anyway
          await this.requestPass();
        } finally {
          this.reportSinks.delete(reports);
        }
        return mergeReports(reports);
      },
      checkNow: (id) => this.d.health.checkNow(id),
    };
  }

  /** lvsctl state: operator state of a real server, or (rs undefined) of a whole virtual server. */
  setState(vs: string, rs: string | undefined, state: AdminState): Promise<operator.OperatorResult> {
    return operator.setState(this.operatorContext(), vs, rs, state);
  }

  /** lvsctl weight: a weight override (N, "N%" of the configured weight) or "reset". */
  setWeight(vs: string, rs: string | undefined, weight: number | string): Promise<operator.OperatorResult> {
    return operator.setWeight(this.operatorContext(), vs, rs, weight);
  }

  /** lvsctl check: probes now and answers with the results. */
  checkNow(vs: string, rs: string | undefined): ReturnType<typeof operator.checkNow> {
    return operator.checkNow(this.operatorContext(), vs, rs);
  }

  /** Recent transitions of the audit trail (status). */
  get transitions(): Transition[] {
    return this.audit.recent();
  }

  /** Health verdict of a real server's check ('up'/'down'), undefined without one. */
  healthState(vs: string, rs: string): 'up' | 'down' | undefined {
    return this.d.health.verdict(serverId(vs, rs))?.state;
  }

  /** SHA-256 of the config file as last loaded, else as it is on disk now (what lvsd_config_info reports). */
  private configDigest(): string {
    const loaded = this.loader.digest(); // the bytes just loaded: no second read of a large file
    if (loaded) return loaded;
    try {
      return createHash('sha256').update(readFileSync(this.d.configPath)).digest('hex');
    } catch {
      return 'unreadable';
    }
  }

  /** The dataplane read now (falls back to the last pass's read; undefined without a dataplane). */
  private async readNow(): Promise<IpvsTable | undefined> {
    const last = this.reconciler?.lastActual();
    return this.d.dataplane ? this.d.dataplane.read().catch(() => last) : last;
  }

  /** Every configured real server as the per-destination metrics show it, with the dataplane read now. */
  async destinations(): Promise<DestSnapshot[]> {
    return destSnapshots(this.config, await this.readNow(), this.d.health, this.d.overrides);
  }

  /** Everything lvsctl status shows, with the dataplane read now (falls back to the last pass's read). */
  async status(): Promise<StatusReport> {
    const actual = await this.readNow();
    const report = buildStatus(this, {
      announce: this.d.announcements?.status(),
      health: this.d.health,
      overrides: this.d.overrides,
      actual,
      dataplane: this.d.dataplaneKind,
      configPath: this.d.configPath,
    });
    const sync = await this.syncStatus(report.vrrp);
    if (sync) report.sync = sync;
    return report;
  }

  /** The [sync] part of the status (daemons in the kernel, connections by origin, preempt holds). */
  async syncStatus(vrrp = this.vrrp?.status() ?? []): Promise<StatusReport['sync']> {
    return this.d.sync?.status(this.config, vrrp, this.vrrp?.syncStatus());
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
    // Withdraw first: the router moves the flows away while this director still serves them.
    await this.announce(this.plan?.belowQuorum ?? new Set(), this.d.clock.now(), true).catch((e: Error) =>
      this.d.log.error({ err: e.message }, 'withdrawing announcements failed'),
    );
    this.unsubscribe?.();
    this.cancelResync?.();
    this.cancelWake?.cancel();
    await this.d.health.stop();
    await this.idle();
    await this.vrrpStarting?.catch(() => undefined);
    if (this.vrrp) await this.vrrp.stop().catch((e: Error) => this.d.log.error({ err: e.message }, 'VRRP stop failed'));
    await this.d.sync?.stop();
    if (this.config.global.on_shutdown === 'remove' && this.reconciler) {
      const r = await this.reconciler.reconcile({ services: [] }, this.owned(), { read: false });
      this.d.log.info({ ops: r.ops.length, failed: r.failed.length }, 'removed owned IPVS entries');
    }
    this.reconciler?.close();
  }
}

const NONE: ReadonlySet<string> = new Set();

/** Service keys of the ecmp virtual servers (their kernel dest order must equal a fresh start's). */
function ecmpKeys(c: Config): Set<string> {
  return new Set(c.virtual_server.filter((v) => v.ecmp).map((v) => v.key));
}
