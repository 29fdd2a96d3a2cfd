/**
 * Runs the kernel's sync daemons for one sync section: applies `plan.ts` against the kernel when
 * a tied VRRP instance changes role, when an overlap ends, and every `resyncMs` (someone may have
 * run `ipvsadm --stop-daemon`). Lives next to the VRRP instances (in the VRRP worker in
 * production) because a role change is applied inside the instance's own transition, ordered
 * against its VIP changes: the master daemon starts before the VIPs are added, the backup daemon
 * before they are removed (after, with backup_only).
 *
 * Never throws into its callers: a kernel refusal is logged, kept in `status().lastError`, and
 * retried at the next resync; the VIPs move regardless.
 */
import type { SyncDaemon, SyncState } from '../ipvs/sync-daemon.js';
import { syncDaemonName } from '../ipvs/sync-daemon.js';
import type { Clock } from '../util/clock.js';
import type { VipSyncHook } from './hook.js';
import { nextChange, syncOps, wantedDaemons, type SyncOp, type SyncRoles, type SyncSpec } from './plan.js';

/** The kernel calls the controller makes (IpvsClient has them). */
export interface SyncKernel {
  listDaemons(): Promise<SyncDaemon[]>;
  startDaemon(d: SyncDaemon): Promise<void>;
  stopDaemon(state: SyncState): Promise<void>;
}

/** Where the controller reports what it did. */
export type SyncLog = (level: 'info' | 'warn', msg: string, detail: Record<string, unknown>) => void;

/** What `status()` reports. */
export interface SyncControllerStatus {
  wanted: SyncDaemon[];
  running: SyncDaemon[];
  masters: string[];
  lastError?: string;
}

/** See the module comment. */
export class SyncController implements VipSyncHook {
  private masters = new Set<string>();
  private roles: SyncRoles = { masters: this.masters };
  private running: SyncDaemon[] = [];
  private queue: Promise<void> = Promise.resolve();
  private cancelNext: (() => void) | undefined;
  private cancelResync: (() => void) | undefined;
  private lastError: string | undefined;
  private stopped = false;

  constructor(
    private spec: SyncSpec,
    private readonly kernel: SyncKernel,
    private readonly clock: Clock,
    private readonly log: SyncLog,
    private readonly resyncMs = 10_000,
    private readonly maxWaitMs = 1000,
  ) {}

  /**
   * Reads the running daemons and starts what no instance is MASTER yet wants (the backup daemon).
   * A master daemon left running (lvsd restarted after a crash while master) is kept for one
   * overlap, so the updates it still holds reach the peer.
   */
  start(): Promise<void> {
    return this.serial(async () => {
      this.running = await this.kernel.listDaemons();
      if (this.running.some((d) => d.state === 'master') && this.spec.instances.length > 0)
        this.roles.masterUntil = this.clock.now() + this.spec.handoverMs;
      await this.converge('start');
      this.scheduleResync();
    });
  }

  /** A tied instance became MASTER (`master` true) or left it; resolves when the daemons it needs now run. */
  role(instance: string, master: boolean): Promise<void> {
    return this.serial(async () => {
      if (!this.spec.instances.includes(instance) || this.masters.has(instance) === master) return;
      const now = this.clock.now();
      if (master) {
        this.masters.add(instance);
        this.roles.backupUntil = now + this.spec.handoverMs;
      } else {
        this.masters.delete(instance);
        this.roles.masterUntil = now + this.spec.handoverMs;
      }
      await this.converge(`${instance} ${master ? 'became' : 'left'} MASTER`);
    });
  }

  /** The instance is about to add its VIPs (it became MASTER): the master daemon starts first. */
  beforeAdd(instance: string): Promise<void> {
    return this.bounded(this.role(instance, true), instance);
  }

  /** The instance is about to remove its VIPs: the backup daemon starts first, unless backup_only would switch the director off. */
  beforeRemove(instance: string): Promise<void> {
    return this.spec.backupOnly ? Promise.resolve() : this.bounded(this.role(instance, false), instance);
  }

  /** The instance's VIPs are gone. */
  afterRemove(instance: string): Promise<void> {
    return this.bounded(this.role(instance, false), instance);
  }

  /** Waits for `p` at most `maxWaitMs`: a kernel that does not answer must not hold the VIPs back. */
  private bounded(p: Promise<void>, instance: string): Promise<void> {
    return new Promise((done) => {
      const cancel = this.clock.setTimeout(() => {
        this.log('warn', 'sync daemons still switching; the VIPs move without waiting', {
          instance,
          waitedMs: this.maxWaitMs,
        });
        done();
      }, this.maxWaitMs);
      void p.then(() => (cancel(), done()));
    });
  }

  /** A new spec (reload): converges to it at once. */
  reconfigure(spec: SyncSpec): Promise<void> {
    return this.serial(async () => {
      this.spec = spec;
      for (const n of [...this.masters]) if (!spec.instances.includes(n)) this.masters.delete(n);
      await this.converge('config reloaded');
    });
  }

  /** Daemons wanted and running, the instances counted as MASTER, the last kernel refusal. */
  status(): SyncControllerStatus {
    const out: SyncControllerStatus = {
      wanted: wantedDaemons(this.spec, this.roles, this.clock.now()),
      running: this.running.map((d) => ({ ...d })),
      masters: [...this.masters],
    };
    if (this.lastError) out.lastError = this.lastError;
    return out;
  }

  /** Stops the timers; the kernel's daemons keep running (the next lvsd adopts them). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelNext?.();
    this.cancelResync?.();
    await this.queue;
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => (this.stopped ? undefined : fn()));
    this.queue = run.catch((e: unknown) => this.fail('sync daemons', e));
    return this.queue;
  }

  private async converge(why: string): Promise<void> {
    const ops = syncOps(this.running, wantedDaemons(this.spec, this.roles, this.clock.now()));
    let failed = false;
    for (const op of ops) failed = !(await this.apply(op, why)) || failed;
    if (failed) this.running = await this.kernel.listDaemons();
    else if (ops.length > 0) this.lastError = undefined;
    this.scheduleNext();
  }

  private async apply(op: SyncOp, why: string): Promise<boolean> {
    try {
      if (op.op === 'start') {
        await this.kernel.startDaemon(op.daemon);
        this.running = [...this.running.filter((d) => d.state !== op.daemon.state), op.daemon];
        this.log('info', 'sync daemon started', { daemon: syncDaemonName(op.daemon), why });
      } else {
        await this.kernel.stopDaemon(op.state);
        this.running = this.running.filter((d) => d.state !== op.state);
        this.log('info', 'sync daemon stopped', { state: op.state, why: `${why}: ${op.why}` });
      }
      return true;
    } catch (e) {
      this.fail(op.op === 'start' ? `start ${syncDaemonName(op.daemon)}` : `stop ${op.state}`, e);
      return false;
    }
  }

  private fail(what: string, e: unknown): void {
    this.lastError = e instanceof Error ? e.message : String(e);
    this.log('warn', 'sync daemon command failed; retried at the next resync', { what, error: this.lastError });
  }

  private scheduleNext(): void {
    this.cancelNext?.();
    this.cancelNext = undefined;
    const due = nextChange(this.roles, this.clock.now());
    if (due === undefined || this.stopped) return;
    this.cancelNext = this.clock.setTimeout(
      () => void this.serial(() => this.converge('overlap ended')),
      due - this.clock.now(),
    );
  }

  private scheduleResync(): void {
    if (this.stopped) return;
    this.cancelResync = this.clock.setTimeout(() => {
      void this.serial(async () => {
        this.running = await this.kernel.listDaemons();
        await this.converge('resync');
      }).finally(() => this.scheduleResync());
    }, this.resyncMs);
  }
}
