/**
 * The daemon's handle on VRRP. Owns the backend (a worker thread in production), and on the main
 * thread: transition logs with reasons, metrics, notify hooks (argv, no shell, timeout, state in
 * LVSD_VRRP_* variables) and track_script runners. A VRRP-only config needs nothing else (no IPVS).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { InProcessBackend, WorkerBackend, workerFile, type Backend } from './backend.js';
import { runArgv } from './hooks.js';
import { openRtnlHost } from './rtnl.js';
import type { HostNet } from './hostnet.js';
import type { InstanceStatus, TransitionEvent } from './instance.js';
import { vrrpMetrics, type VrrpMetrics } from './metrics.js';
import type { VrrpInstanceConfig } from './schema.js';
import { nextScriptHealth, type ScriptHealth } from './track.js';
import type { SyncControllerStatus } from '../sync/controller.js';
import type { ClosableSyncKernel } from '../sync/runtime-sync.js';
import type { SyncSetup } from '../sync/setup.js';

/** Options of the service. */
export interface VrrpServiceOptions {
  instances: VrrpInstanceConfig[];
  routerId: string;
  log?: Logger;
  registry?: Registry;
  /** Run in a worker thread (the compiled worker.js beside this module) rather than on this thread; default false. */
  thread?: boolean;
  /**
   * SCHED_RR priority of the VRRP worker thread (keepalived's vrrp_rt_priority); 0 = normal
   * scheduling. Default 10, or LVSD_VRRP_RT_PRIORITY. Failing to set it is a warning, not an error.
   */
  realtimePriority?: number;
  /** Host network access for the in-process backend (default: rtnetlink). */
  host?: () => HostNet;
  /** The [sync] section these instances drive (src/sync/setup.ts), if any. */
  sync?: SyncSetup;
  /** Where the in-process backend's sync daemons live (default: the kernel's IPVS; tests: a fake). */
  syncKernel?: ClosableSyncKernel;
}

type Listener = (ev: TransitionEvent) => void;

/** See the module comment. */
export class VrrpService {
  private instances: VrrpInstanceConfig[];
  private backend: Backend | undefined;
  private metrics: VrrpMetrics | undefined;
  private listeners = new Set<Listener>();
  private hookChains = new Map<string, Promise<void>>();
  private scriptTimers: Array<ReturnType<typeof setInterval>> = [];

  constructor(private readonly o: VrrpServiceOptions) {
    this.instances = o.instances;
  }

  /** Starts every instance (in the worker); one whose interface or source address is missing waits in FAULT. Rejects with the runtime's error (e.g. VRRP_SOCKET). */
  async start(): Promise<void> {
    const events = {
      transition: (t: TransitionEvent) => this.onTransition_(t),
      warning: (m: string, d: Record<string, unknown>) => this.o.log?.warn(d, m),
      info: (m: string, d: Record<string, unknown>) => this.o.log?.info(d, m),
    };
    const thread = this.o.thread === true;
    const realtimePriority = this.o.realtimePriority ?? Number(process.env.LVSD_VRRP_RT_PRIORITY ?? 10);
    this.backend = thread
      ? new WorkerBackend(workerFile(), events, { realtimePriority })
      : new InProcessBackend(this.o.host ?? openRtnlHost, events, this.o.syncKernel);
    if (this.o.registry) this.metrics = vrrpMetrics(this.o.registry, () => this.status());
    await this.backend.start(this.instances, this.o.sync);
    this.startScripts();
    this.o.log?.info({ instances: this.instances.map((i) => i.name), thread }, 'VRRP started');
  }

  /** Applies a new instance list (and [sync] setup); kept instances (VRID+family+interface+unicast source) keep their state. */
  async reload(instances: VrrpInstanceConfig[], sync?: SyncSetup): Promise<void> {
    this.instances = instances;
    await this.backend?.reload(instances, sync);
    this.stopScripts();
    this.startScripts();
  }

  /** Feeds track_virtual_server: `belowQuorum` true lowers (or faults) the instances tracking `name`. */
  setVirtualServerDown(name: string, belowQuorum: boolean): void {
    this.backend?.setVirtualServerDown(name, belowQuorum);
  }

  /** Snapshot of every instance (at most ~250 ms old when running in the worker). */
  status(): InstanceStatus[] {
    return this.backend?.status() ?? [];
  }

  /** The sync controller's view (wanted and running daemons, last refusal), when a [sync] section follows these instances. */
  syncStatus(): SyncControllerStatus | undefined {
    return this.backend?.syncStatus();
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  onTransition(cb: Listener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Graceful stop: priority-0 advert from masters, VIPs removed, stop hooks run (bounded by notify_timeout). */
  async stop(): Promise<void> {
    this.stopScripts();
    await this.backend?.stop();
    this.backend = undefined;
    await Promise.all(this.hookChains.values());
  }

  private onTransition_(t: TransitionEvent): void {
    this.o.log?.info(
      { instance: t.name, from: t.from, to: t.to, reason: t.reason },
      `VRRP ${t.name}: ${t.from} -> ${t.to}`,
    );
    this.metrics?.transition(t.name, t.to);
    for (const l of this.listeners) l(t);
    this.notify(t);
  }

  private notify(t: TransitionEvent): void {
    const c = this.instances.find((i) => i.name === t.name);
    if (!c) return;
    const argv =
      t.to === 'MASTER'
        ? c.notify.master
        : t.to === 'BACKUP'
          ? c.notify.backup
          : t.to === 'FAULT'
            ? c.notify.fault
            : c.notify.stop;
    if (!argv.length) return;
    const st = this.status().find((s) => s.name === t.name);
    const env = {
      LVSD_VRRP_INSTANCE: t.name,
      LVSD_VRRP_STATE: t.to === 'INIT' ? 'STOP' : t.to,
      LVSD_VRRP_FROM: t.from,
      LVSD_VRRP_REASON: t.reason,
      LVSD_VRRP_VRID: String(c.virtual_router_id),
      LVSD_VRRP_PRIORITY: String(st?.effectivePriority ?? c.priority),
      LVSD_ROUTER_ID: this.o.routerId,
    };
    const prev = this.hookChains.get(t.name) ?? Promise.resolve();
    const next = prev.then(async () => {
      const r = await runArgv(argv, env, c.notify_timeout);
      if (!r.ok)
        this.o.log?.warn(
          { instance: t.name, argv, code: r.code, signal: r.signal, timedOut: r.timedOut, err: r.error },
          'VRRP notify hook failed',
        );
    });
    this.hookChains.set(t.name, next);
  }

  private startScripts(): void {
    for (const c of this.instances)
      c.track_script.forEach((s, index) => {
        let h: ScriptHealth = { ok: true, streak: 0 };
        let running = false;
        const tick = async () => {
          if (running) return;
          running = true;
          const r = await runArgv(s.argv, { LVSD_VRRP_INSTANCE: c.name }, s.timeout);
          running = false;
          const n = nextScriptHealth(h, r.ok, s.rise, s.fall);
          if (n.ok !== h.ok) this.backend?.setScript(c.name, index, n.ok);
          h = n;
        };
        const t = setInterval(() => void tick(), s.interval);
        t.unref();
        this.scriptTimers.push(t);
        void tick();
      });
  }

  private stopScripts(): void {
    for (const t of this.scriptTimers) clearInterval(t);
    this.scriptTimers = [];
  }
}
