/**
 * Where the VRRP runtime runs. `WorkerBackend` (production) runs it in a worker thread with its own
 * event loop, timers and socket watches — the main thread's health checks, reconciles and GC
 * pauses cannot delay an advert. `InProcessBackend` runs it on the calling thread (tests, and
 * benchmarks that contrast the two). Which one runs is the caller's explicit choice.
 * Both expose the same surface; status is a cached snapshot so `status()` stays synchronous.
 */
import { Worker } from 'node:worker_threads';
import type { HostNet } from './hostnet.js';
import type { InstanceStatus, TransitionEvent } from './instance.js';
import { VrrpRuntime } from './runtime.js';
import type { VrrpInstanceConfig } from './schema.js';

/** Events a backend reports. */
export interface BackendEvents {
  transition(ev: TransitionEvent): void;
  warning(msg: string, detail: Record<string, unknown>): void;
}

/** The runtime's surface as the service sees it. */
export interface Backend {
  start(instances: VrrpInstanceConfig[]): Promise<void>;
  reload(instances: VrrpInstanceConfig[]): Promise<void>;
  setVirtualServerDown(name: string, below: boolean): void;
  setScript(instance: string, index: number, ok: boolean): void;
  status(): InstanceStatus[];
  stop(): Promise<void>;
}

/** Messages main → worker. */
export type ToWorker =
  | { op: 'start' | 'reload'; id: number; instances: VrrpInstanceConfig[] }
  | { op: 'stop'; id: number }
  | { op: 'vs'; name: string; below: boolean }
  | { op: 'script'; instance: string; index: number; ok: boolean };

/** Messages worker → main. */
export type FromWorker =
  | { ev: 'reply'; id: number; error?: { code?: string; message: string } }
  | { ev: 'transition'; t: TransitionEvent }
  | { ev: 'warning'; msg: string; detail: Record<string, unknown> }
  | { ev: 'status'; status: InstanceStatus[] };

/** Runs the runtime on this thread. */
export class InProcessBackend implements Backend {
  private readonly rt: VrrpRuntime;
  constructor(host: () => HostNet, events: BackendEvents) {
    const h = host();
    this.rt = new VrrpRuntime({
      host: h,
      onTransition: (t) => events.transition(t),
      onWarning: (m, d) => events.warning(m, d),
    });
    this.close = () => h.close();
  }
  private readonly close: () => void;
  start = (i: VrrpInstanceConfig[]) => this.rt.start(i);
  reload = (i: VrrpInstanceConfig[]) => this.rt.reload(i);
  setVirtualServerDown = (n: string, b: boolean) => this.rt.setVirtualServerDown(n, b);
  setScript = (i: string, n: number, ok: boolean) => this.rt.setScript(i, n, ok);
  status = () => this.rt.status();
  async stop(): Promise<void> {
    await this.rt.stop();
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
    else if (m.ev === 'status') this.snapshot = m.status;
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

  private call(msg: { op: 'start' | 'reload'; instances: VrrpInstanceConfig[] } | { op: 'stop' }): Promise<void> {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.w.postMessage({ ...msg, id } as ToWorker);
    });
  }

  start = (instances: VrrpInstanceConfig[]) => this.call({ op: 'start', instances });
  reload = (instances: VrrpInstanceConfig[]) => this.call({ op: 'reload', instances });
  setVirtualServerDown = (name: string, below: boolean) =>
    this.w.postMessage({ op: 'vs', name, below } satisfies ToWorker);
  setScript = (instance: string, index: number, ok: boolean) =>
    this.w.postMessage({ op: 'script', instance, index, ok } satisfies ToWorker);
  status = () => this.snapshot;

  async stop(): Promise<void> {
    try {
      await this.call({ op: 'stop' });
    } finally {
      await this.w.terminate();
    }
  }
}
