/**
 * Test doubles for the daemon's I/O ports: a health engine driven by hand, a dataplane over the
 * kernel-like memory dataplane whose reads can be held, a VRRP recorder, pass counting through the
 * metrics port, and a logger that keeps its lines. The config, planner, config diff and reconciler
 * the daemon runs are the real ones.
 */
import pino from 'pino';
import type { HealthProbes, Vrrp } from '../../../src/daemon/daemon.js';
import { MemoryDataplane } from '../../../src/dataplane/memory.js';
import type { HealthEvent, HealthStatus, HealthTarget } from '../../../src/health/engine.js';
import type { ProbeRecord } from '../../../src/health/state.js';
import { destKey, serviceKey, type IpvsTable } from '../../../src/ipvs/types.js';
import type { DaemonMetrics } from '../../../src/metrics/daemon-metrics.js';
import type { InstanceStatus, TransitionEvent } from '../../../src/vrrp/instance.js';
import type { SyncControllerStatus } from '../../../src/sync/controller.js';
import type { SyncSetup } from '../../../src/sync/setup.js';
import type { VrrpInstanceConfig } from '../../../src/vrrp/schema.js';

/** A health engine whose verdicts the test sets. */
export class FakeHealth implements HealthProbes {
  targets: HealthTarget[] = [];
  setCalls = 0;
  stopped = false;
  /** When set, status() throws it (a bug below the planner). */
  statusError?: Error;
  private states = new Map<string, HealthStatus>();
  private cbs = new Set<(ev: HealthEvent) => void>();

  setTargets(t: HealthTarget[]): void {
    this.setCalls++;
    this.targets = t;
  }
  async prepare(): Promise<void> {}
  async whenAttached(): Promise<void> {}
  onTransition(cb: (ev: HealthEvent) => void): () => void {
    this.cbs.add(cb);
    return () => this.cbs.delete(cb);
  }
  status(id: string): HealthStatus | undefined {
    if (this.statusError) throw this.statusError;
    if (!this.targets.some((t) => t.id === id)) return undefined;
    return this.states.get(id) ?? { state: 'up', since: 0, reason: 'initial', lastResults: [], probes: 0 };
  }
  verdict(id: string): HealthStatus | undefined {
    return this.status(id);
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  /** Ids probed with checkNow, and the result each gets (the current verdict, as a probe would find it). */
  checked: string[] = [];
  async checkNow(id: string): Promise<ProbeRecord | undefined> {
    this.checked.push(id);
    const s = this.status(id);
    return s && { ok: s.state === 'up', at: Date.now(), ms: 1, detail: s.reason };
  }
  /** Sets a verdict and emits the transition. */
  set(id: string, to: 'up' | 'down', reason: string): void {
    const from = this.status(id)?.state ?? 'up';
    this.states.set(id, {
      state: to,
      since: Date.now(),
      reason,
      lastResults: [{ ok: to === 'up', at: Date.now(), ms: 1, detail: reason }],
      probes: 1,
    });
    for (const cb of this.cbs) cb({ id, from, to, reason, at: Date.now() });
  }
}

/** The memory dataplane (kernel-like errors, write count) whose reads wait while `gate` is set. */
export class GatedDataplane extends MemoryDataplane {
  gate?: Promise<void>;

  constructor(initial?: IpvsTable, opts: { kernelOrder?: boolean } = {}) {
    super(initial, opts);
  }

  override async read(): Promise<IpvsTable> {
    if (this.gate) await this.gate;
    return super.read();
  }

  /** Weight of a destination ("serviceKey", "destKey") in the table, or undefined. */
  async weight(svc: string, rs: string): Promise<number | undefined> {
    const t = await super.read();
    return t.services.find((s) => serviceKey(s.id) === svc)?.destinations.find((d) => destKey(d) === rs)?.weight;
  }
}

/** The daemon's metrics port, counting reconcile passes and reloads. */
export class CountingMetrics implements Pick<
  DaemonMetrics,
  'setGeneration' | 'reloaded' | 'reconciled' | 'configApplied'
> {
  passes = 0;
  configHashes: string[] = [];
  configApplied(sha256: string): void {
    this.configHashes.push(sha256);
  }
  writes = 0;
  reloads: boolean[] = [];
  generation = 0;
  setGeneration(g: number): void {
    this.generation = g;
  }
  reloaded(ok: boolean): void {
    this.reloads.push(ok);
  }
  /** Called after each counted pass (a test can make events happen between passes). */
  onPass?: () => void;
  reconciled(_seconds: number, writes: number): void {
    this.passes++;
    this.writes += writes;
    this.onPass?.();
  }
}

/** Records what the daemon tells VRRP (and the [sync] setup it is given). */
export class FakeVrrp implements Vrrp {
  calls: string[] = [];
  constructor(
    public instances: VrrpInstanceConfig[],
    public sync?: SyncSetup,
  ) {}
  async start() {
    this.calls.push('start');
  }
  async reload(i: VrrpInstanceConfig[], sync?: SyncSetup) {
    this.instances = i;
    this.sync = sync;
    this.calls.push('reload');
  }
  syncStatus(): SyncControllerStatus | undefined {
    return undefined;
  }
  setVirtualServerDown(name: string, below: boolean) {
    this.calls.push(`vs ${name} ${below ? 'down' : 'up'}`);
  }
  transitionListeners: Array<(t: TransitionEvent) => void> = [];
  onTransition(cb: (t: TransitionEvent) => void): () => void {
    this.transitionListeners.push(cb);
    return () => undefined;
  }
  status(): InstanceStatus[] {
    return [
      {
        name: 'VI_1',
        state: 'MASTER',
        priority: 100,
        effectivePriority: 100,
        since: 0,
        reason: 'test',
        advertsSent: 0,
        advertsReceived: 0,
        rejected: {},
      },
    ];
  }
  async stop() {
    this.calls.push('stop');
  }
}

/** A silent logger that keeps every record (for asserting log lines). */
export function memoryLogger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'trace' },
    { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return { log, lines };
}
