/**
 * Where the VRRP runtime runs. `WorkerBackend` (production) runs it in a worker thread with its own
 * event loop, timers and socket watches — the main thread's health checks, reconciles and GC
 * pauses cannot delay an advert. `InProcessBackend` runs it on the calling thread (tests, and
 * benchmarks that contrast the two). Which one runs is the caller's explicit choice.
 * Both expose the same surface; status is a cached snapshot so `status()` stays synchronous.
 */
import { Worker } from 'node:worker_threads';
import type { SyncControllerStatus } from '../sync/controller.js';
import { ipvsSyncKernel, RuntimeSync, type ClosableSyncKernel } from '../sync/runtime-sync.js';
import type { SyncSetup } from '../sync/setup.js';
import { systemClock } from '../util/clock.js';
import type { HostNet } from './hostnet.js';
import type { InstanceStatus, TransitionEvent } from './instance.js';
import { VrrpRuntime } from './runtime.js';
import type { VrrpInstanceConfig } from './schema.js';

/** Events a backend reports. */
export interface BackendEvents {
  transition(ev: TransitionEvent): void;
  warning(msg: string, detail: Record<string, unknown>): void;
  /** What the sync controller did (daemons started or stopped). */
  info?(msg: string, detail: Record<string, unknown>): void;
}

/** The runtime's surface as the service sees it. `sync` is the [sync] section the instances drive, if any. */
export interface Backend {
  start(instances: VrrpInstanceConfig[], sync?: SyncSetup): Promise<void>;
  reload(instances: VrrpInstanceConfig[], sync?: SyncSetup): Promise<void>;
  setVirtualServerDown(name: string, below: boolean): void;
  setScript(instance: string, index: number, ok: boolean): void;
  status(): InstanceStatus[];
  /** The sync controller's view, when a [sync] section follows these instances. */
  syncStatus(): SyncControllerStatus | undefined;
  stop(): Promise<void>;
}

/** The instances with preempt_delay raised to the sync hold for those the [sync] section follows. */
export function withSyncHold(instances: VrrpInstanceConfig[], setup: SyncSetup | undefined): VrrpInstanceConfig[] {
  if (!setup || setup.holdMs <= 0) return instances;
  return instances.map((i) =>
    setup.spec.instances.includes(i.name) && i.preempt_delay < setup.holdMs ? { ...i, preempt_delay: setup.holdMs } : i,
  );
}

/**
 * Starts or reloads a runtime with its sync side: the controller first (its backup daemon runs
 * before any instance can move a VIP), then the instances with the sync hold applied.
 */
export async function applyWithSync(
  rt: VrrpRuntime,
  sync: RuntimeSync,
  op: 'start' | 'reload',
  instances: VrrpInstanceConfig[],
  setup: SyncSetup | undefined,
): Promise<void> {
  await sync.apply(setup);
  const effective = withSyncHold(instances, setup);
  if (op === 'start') await rt.start(effective);
  else await rt.reload(effective);
}

/** Messages main → worker. */
export type ToWorker =
  | { op: 'start' | 'reload'; id: number; instances: VrrpInstanceConfig[]; sync?: SyncSetup }
  | { op: 'stop'; id: number }
  | { op: 'vs'; name: string; below: boolean }
  | { op: 'script'; instance: string; index: number; ok: boolean };

/** Messages worker → main. */
export type FromWorker =
  | { ev: 'reply'; id: number; error?: { code?: string; message: string } }
  | { ev: 'transition'; t: TransitionEvent }
  | { ev: 'warning'; msg: string; detail: Record<string, unknown> }
  | { ev: 'info'; msg: string; detail: Record<string, unknown> }
  | { ev: 'status'; status: InstanceStatus[]; sync?: SyncControllerStatus };

/** Runs the runtime on this thread; `syncKernel` is where its sync daemons live (default: the kernel's IPVS). */
export class InProcessBackend implements Backend {
  private readonly rt: VrrpRuntime;
  private readonly sync: RuntimeSync;
  constructor(host: () => HostNet, events: BackendEvents, syncKernel: ClosableSyncKernel = ipvsSyncKernel()) {
    const h = host();
    this.rt = new VrrpRuntime({
      host: h,
      onTransition: (t) => events.transition(t),
      onWarning: (m, d) => events.warning(m, d),
    });
    this.sync = new RuntimeSync(this.rt, syncKernel, systemClock, (level, msg, d) =>
      level === 'warn' ? events.warning(msg, d) : events.info?.(msg, d),
    );
    this.close = () => h.close();
  }
  private readonly close: () => void;
  start = (i: VrrpInstanceConfig[], s?: SyncSetup) => applyWithSync(this.rt, this.sync, 'start', i, s);
  reload = (i: VrrpInstanceConfig[], s?: SyncSetup) => applyWithSync(this.rt, this.sync, 'reload', i, s);
  setVirtualServerDown = (n: string, b: boolean) => this.rt.setVirtualServerDown(n, b);
  setScript = (i: string, n: number, ok: boolean) => this.rt.setScript(i, n, ok);
  status = () => this.rt.status();
  syncStatus = () => this.sync.status();
  async stop(): Promise<void> {
    await this.rt.stop();
    await this.sync.stop();
    this.close();
  }
}

/**
 * The compiled worker entry next to this file: dist/src/vrrp/worker.js, or dist/bundle/worker.js
 * beside the bundle main.cjs holding this code (scripts/bundle.mjs). Running from the TypeScript
 * sources there is none: start() of a WorkerBackend then fails, saying so.
 */
export function workerFile(): URL {
  return new URL('./worker.js', import.meta.url);
}

/** Runs the runtime in a worker thread (see module comment). */
export class WorkerBackend implements Backend {
  private readonly w: Worker;
  private seq = 0;
  private pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private snapshot: InstanceStatus[] = [];
  private syncSnapshot: SyncControllerStatus | undefined;

  constructor(
    file: URL,
    private readonly events: BackendEvents,
    opts: { realtimePriority?: number } = {},
  ) {
    this.w = new Worker(file, { workerData: { realtimePriority: opts.realtimePriority ?? 0 } });
    this.w.on('message', (m: FromWorker) => this.onMessage(m));
    this.w.on('error', (e) => this.failAll(e));
    this.w.on('exit', (code) => this.failAll(new Error(`VRRP worker exited with code ${code}`)));
  }

  private onMessage(m: FromWorker): void {
    if (m.ev === 'transition') this.events.transition(m.t);
    else if (m.ev === 'warning') this.events.warning(m.msg, m.detail);
    else if (m.ev === 'info') this.events.info?.(m.msg, m.detail);
    else if (m.ev === 'status') ((this.snapshot = m.status), (this.syncSnapshot = m.sync));
    else this.settle(m.id, m.error);
  }

  private settle(id: number, error?: { code?: string; message: string }): void {
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (!p) return;
    if (!error) return p.resolve();
    p.reject(Object.assign(new Error(error.message), { code: error.code }));
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private call(
    msg: { op: 'start' | 'reload'; instances: VrrpInstanceConfig[]; sync?: SyncSetup } | { op: 'stop' },
  ): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.w.postMessage({ ...msg, id } as ToWorker);
    });
  }

  start = (instances: VrrpInstanceConfig[], sync?: SyncSetup) => this.call({ op: 'start', instances, sync });
  reload = (instances: VrrpInstanceConfig[], sync?: SyncSetup) => this.call({ op: 'reload', instances, sync });
  setVirtualServerDown = (name: string, below: boolean) =>
    this.w.postMessage({ op: 'vs', name, below } satisfies ToWorker);
  setScript = (instance: string, index: number, ok: boolean) =>
    this.w.postMessage({ op: 'script', instance, index, ok } satisfies ToWorker);
  status = () => this.snapshot;
  syncStatus = () => this.syncSnapshot;

  async stop(): Promise<void> {
    try {
      await this.call({ op: 'stop' });
    } finally {
      await this.w.terminate();
    }
  }
}
