/**
 * The one reconcile path (startup, health changes, reloads, overrides, periodic resync): diff the
 * dataplane's table against the desired table for the owned services, apply the ops in batches.
 * Which table: a pass asked to `read` (startup, the periodic resync) reads the dataplane; any other
 * pass diffs against the reconciler's own picture of it (table-view.ts: the last read plus the ops
 * that succeeded since), and reads only when that picture cannot be trusted (nothing read yet, a
 * failed read, a failed op or apply). Desired services it wrote without a failure since the last read
 * are not compared again while the caller passes the same object (diff by service: a reload that
 * changes one service compares one). Startup adopts what is there (no flush). A failed op is retried on a later pass with
 * exponential backoff (the reconciler schedules that pass itself); while an op backs off, passes
 * triggered by other events skip it (and the dests of a service whose add is skipped). Calls
 * coalesce: one pass in flight plus one pending with the latest request; every caller gets the
 * report of a pass that ran with a request at least as new as its own.
 *
 * Ownership: a pass owns the given `owned` keys, every desired service, and every service it desired
 * in an earlier pass until a read shows it gone — so a service dropped by two quick reloads (no longer
 * in the current or previous config) or left behind by a finished drain is still deleted.
 */
import type { Dataplane } from '../dataplane/dataplane.js';
import { destKey, serviceKey, type IpvsTable, type Op, type TableService } from '../ipvs/types.js';
import type { Clock } from '../util/clock.js';
import { diffTables } from './diff.js';
import { TableView } from './table-view.js';

/** Outcome of one pass. */
export interface ReconcileReport {
  /** Ops applied (successful and failed), in order. */
  ops: Op[];
  failed: Array<{ op: Op; error: string }>;
  /** Ops not attempted because they are backing off after a failure. */
  deferred: Op[];
  durationMs: number;
  /** Writes sent to the dataplane (= ops.length). */
  writes: number;
  /** Set when the table could not be read (nothing applied) or the dataplane's apply itself failed. */
  error?: string;
}

/**
 * Several passes' reports as one, in order (ops, failures and deferrals concatenated, durations and
 * writes added, the last error kept); undefined for none. Pure.
 */
export function mergeReports(reports: readonly ReconcileReport[]): ReconcileReport | undefined {
  if (reports.length === 0) return undefined;
  if (reports.length === 1) return reports[0];
  const error = reports.findLast((r) => r.error !== undefined)?.error;
  return {
    ops: reports.flatMap((r) => r.ops),
    failed: reports.flatMap((r) => r.failed),
    deferred: reports.flatMap((r) => r.deferred),
    durationMs: reports.reduce((n, r) => n + r.durationMs, 0),
    writes: reports.reduce((n, r) => n + r.writes, 0),
    ...(error !== undefined ? { error } : {}),
  };
}

/** Minimal logger (pino-compatible). */
export interface ReconcileLog {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/** Options of a Reconciler. */
export interface ReconcilerOptions {
  dataplane: Dataplane;
  clock: Clock;
  log?: ReconcileLog;
  onResult?: (r: ReconcileReport) => void;
  /** Cap of the retry backoff (default 30 s); the first retry comes after `baseBackoffMs` (default 500 ms). */
  maxBackoffMs?: number;
  baseBackoffMs?: number;
  /** Ops per dataplane.apply call (default 500). */
  batchSize?: number;
  /**
   * Keys of the services whose kernel dest order must equal a fresh start's (ecmp; diff.ts), asked
   * at every pass (a reload may change them). Default: none.
   */
  ordered?: () => ReadonlySet<string>;
}

type Request = { desired: IpvsTable; owned: ReadonlySet<string>; read: boolean };

/** Options of one reconcile call. */
export interface ReconcileOptions {
  /** Read the dataplane first (default true); false diffs against the reconciler's own picture when it can be trusted. */
  read?: boolean;
}
type Pending = Request & {
  promise: Promise<ReconcileReport>;
  resolve: (r: ReconcileReport) => void;
  reject: (e: unknown) => void;
};

/** Key of the thing an op writes: "service" or "service|dest". */
export function opTarget(op: Op): string {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return serviceKey(op.service.id);
    case 'del-service':
      return serviceKey(op.id);
    case 'add-dest':
    case 'edit-dest':
    case 'del-dest':
      return `${serviceKey(op.service)}|${destKey(op.dest)}`;
    case 'flush':
      return 'flush';
    case 'zero':
      return op.service ? serviceKey(op.service) : 'zero';
  }
}

/** serviceKey of the service an op writes (the service itself or one of its dests). */
function opService(op: Op): string {
  const t = opTarget(op);
  const bar = t.indexOf('|');
  return bar < 0 ? t : t.slice(0, bar);
}

/** Keeps a dataplane equal to the desired table for the owned services. */
export class Reconciler {
  private running?: Promise<ReconcileReport>;
  private pending?: Pending;
  private view?: TableView;
  private lastRead?: IpvsTable;
  /** The view cannot be trusted: the next pass reads, whatever it was asked. */
  private stale = true;
  /** Desired service objects written without a failure since the last read, by serviceKey. */
  private readonly settled = new Map<string, TableService>();
  private last?: Request;
  private backoff = new Map<string, { failures: number; retryAt: number }>();
  private cancelRetry?: () => void;
  private closed = false;
  /** Consecutive failed reads: a table that stays unreadable (no IPVS module) is retried ever less often. */
  private readFailures = 0;
  /** Services desired by an earlier pass and possibly still in the table. */
  private remembered = new Set<string>();

  constructor(private readonly opts: ReconcilerOptions) {}

  /** Reconciles towards `desired` for services in `owned` (∪ desired); coalesces concurrent calls. */
  reconcile(desired: IpvsTable, owned: ReadonlySet<string>, o: ReconcileOptions = {}): Promise<ReconcileReport> {
    const read = o.read ?? true;
    this.last = { desired, owned, read: false };
    if (!this.running) return this.start({ desired, owned, read });
    if (!this.pending) {
      let resolve!: Pending['resolve'], reject!: Pending['reject'];
      const promise = new Promise<ReconcileReport>((res, rej) => ((resolve = res), (reject = rej)));
      this.pending = { desired, owned, read, promise, resolve, reject };
    }
    this.pending.desired = desired;
    this.pending.owned = owned;
    this.pending.read ||= read;
    return this.pending.promise;
  }

  /**
   * Reads the dataplane now (after any pass in flight) and makes it the reconciler's picture; the
   * table read (with connection counters), or undefined when the read failed (the next pass retries it).
   */
  async refresh(): Promise<IpvsTable | undefined> {
    while (this.running) await this.running.catch(() => undefined);
    try {
      return this.adopt(await this.opts.dataplane.read({ stats: false }));
    } catch {
      this.stale = true;
      return undefined;
    }
  }

  /**
   * The table the last read returned (with connection counters), if any. Writes made since are not in
   * it: a drain must see connection counts taken after its weight-0 write, never a picture that mixes
   * old counts with new weights.
   */
  lastActual(): IpvsTable | undefined {
    return this.lastRead;
  }

  /** Ops currently backing off, with their failure counts (for status). */
  backingOff(): Array<{ target: string; failures: number; retryAt: number }> {
    return [...this.backoff].map(([target, b]) => ({ target, ...b }));
  }

  /** Cancels the scheduled retry; later reconcile calls still work. */
  close(): void {
    this.closed = true;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  private start(req: Request): Promise<ReconcileReport> {
    const run = this.pass(req).finally(() => {
      this.running = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (next) this.start(next).then(next.resolve, next.reject);
    });
    this.running = run;
    return run;
  }

  private adopt(read: IpvsTable): IpvsTable {
    this.lastRead = read;
    this.view = new TableView(read);
    this.stale = false;
    this.settled.clear();
    return read;
  }

  private async pass(req: Request): Promise<ReconcileReport> {
    const { dataplane, clock } = this.opts;
    const t0 = clock.now();
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    if (req.read || this.stale || !this.view) {
      try {
        this.adopt(await dataplane.read({ stats: false }));
      } catch (e) {
        this.stale = true;
        const report: ReconcileReport = {
          ops: [],
          failed: [],
          deferred: [],
          durationMs: clock.now() - t0,
          writes: 0,
          error: `read failed: ${(e as Error)?.message ?? e}`,
        };
        this.opts.log?.warn({ error: report.error }, 'reconcile: cannot read the IPVS table');
        this.scheduleRetry(clock.now() + this.readBackoffMs(++this.readFailures));
        return this.finish(report);
      }
      this.readFailures = 0;
    }
    const view = this.view!;
    // each desired service's key, once per pass (ownership, the diff and what settled all need them)
    const wantKeys = req.desired.services.map((s) => serviceKey(s.id));
    const owned = this.ownedFor(req, view, wantKeys);
    const all = diffTables(
      view.table(),
      req.desired,
      owned,
      (k, w) => this.settled.get(k) === w,
      this.opts.ordered?.(),
      wantKeys,
    );
    this.forgetUnneeded(all);
    const { now: ops, deferred } = this.split(all, clock.now());
    let failed: ReconcileReport['failed'];
    try {
      failed = await this.applyBatches(ops, view);
    } catch (e) {
      // The transport itself failed (not a per-op kernel error): report it, read and retry the whole pass later.
      this.stale = true;
      const report: ReconcileReport = {
        ops,
        failed: [],
        deferred,
        durationMs: clock.now() - t0,
        writes: ops.length,
        error: `apply failed: ${(e as Error)?.message ?? e}`,
      };
      this.opts.log?.warn({ error: report.error }, 'reconcile: cannot apply to the IPVS table');
      this.scheduleRetry(clock.now() + (this.opts.baseBackoffMs ?? 500));
      return this.finish(report);
    }
    // a refused op means the table is not what the view says (or the kernel disagrees): read next time
    if (failed.length) this.stale = true;
    this.settle(req.desired, wantKeys, [...failed.map((f) => f.op), ...deferred]);
    const report: ReconcileReport = { ops, failed, deferred, durationMs: clock.now() - t0, writes: ops.length };
    this.planRetry(deferred.length > 0 || failed.length > 0);
    return this.finish(report);
  }

  /** Remembers the desired services this pass left equal in the view (every one without a failed or deferred op). */
  private settle(desired: IpvsTable, wantKeys: readonly string[], unsettledOps: Op[]): void {
    const unsettled = new Set(unsettledOps.map(opService));
    const keep = new Set<string>();
    for (let i = 0; i < desired.services.length; i++) {
      const s = desired.services[i]!;
      const k = wantKeys[i]!;
      keep.add(k);
      if (unsettled.has(k)) this.settled.delete(k);
      else this.settled.set(k, s);
    }
    if (this.settled.size > keep.size)
      for (const k of [...this.settled.keys()]) if (!keep.has(k)) this.settled.delete(k);
  }

  private finish(r: ReconcileReport): ReconcileReport {
    if (r.failed.length)
      this.opts.log?.warn(
        { failed: r.failed.length, first: r.failed[0]!.error },
        'reconcile: some IPVS operations failed; will retry',
      );
    this.opts.onResult?.(r);
    return r;
  }

  /**
   * owned ∪ desired ∪ remembered (a view, not a copy: desired services are remembered first); forgets
   * remembered services the table no longer has.
   */
  private ownedFor(req: Request, view: TableView, wantKeys: readonly string[]): Pick<ReadonlySet<string>, 'has'> {
    for (const k of [...this.remembered]) if (!view.get(k)) this.remembered.delete(k);
    for (const k of wantKeys) this.remembered.add(k);
    const remembered = this.remembered;
    return { has: (k) => req.owned.has(k) || remembered.has(k) };
  }

  /** Drops backoff state of targets that no longer need an op (fixed by hand, or no longer desired). */
  private forgetUnneeded(ops: Op[]): void {
    if (this.backoff.size === 0) return;
    const needed = new Set(ops.map(opTarget));
    for (const k of [...this.backoff.keys()]) if (!needed.has(k)) this.backoff.delete(k);
  }

  /** Separates ops that may run now from those backing off (plus dests of a deferred new service). */
  private split(ops: Op[], now: number): { now: Op[]; deferred: Op[] } {
    const out: Op[] = [],
      deferred: Op[] = [];
    const blocked = new Set<string>();
    for (const op of ops) {
      const b = this.backoff.get(opTarget(op));
      const svcBlocked = (op.op === 'add-dest' || op.op === 'edit-dest') && blocked.has(serviceKey(op.service));
      if ((b && b.retryAt > now) || svcBlocked) {
        deferred.push(op);
        if (op.op === 'add-service') blocked.add(serviceKey(op.service.id));
      } else out.push(op);
    }
    return { now: out, deferred };
  }

  private async applyBatches(ops: Op[], view: TableView): Promise<ReconcileReport['failed']> {
    const size = Math.max(1, this.opts.batchSize ?? 500);
    const failed: ReconcileReport['failed'] = [];
    for (let i = 0; i < ops.length; i += size) {
      const batch = ops.slice(i, i + size);
      const results = await this.opts.dataplane.apply(batch);
      const done: Op[] = [];
      batch.forEach((op, j) => {
        const r = results[j];
        if (r && r.ok) {
          if (this.backoff.size) this.backoff.delete(opTarget(op));
          done.push(op);
        } else failed.push({ op, error: this.fail(op, r ? r.error : new Error('no result for op')) });
      });
      view.applied(done);
    }
    return failed;
  }

  private fail(op: Op, error: Error & { code?: string }): string {
    const key = opTarget(op);
    const failures = (this.backoff.get(key)?.failures ?? 0) + 1;
    const base = this.opts.baseBackoffMs ?? 500;
    const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, base * 2 ** (failures - 1));
    this.backoff.set(key, { failures, retryAt: this.opts.clock.now() + delay });
    return error.code ? `${error.code}: ${error.message}` : error.message;
  }

  private planRetry(needed: boolean): void {
    if (!needed || this.backoff.size === 0) return;
    let at = Infinity;
    for (const b of this.backoff.values()) at = Math.min(at, b.retryAt);
    this.scheduleRetry(at);
  }

  /** Delay before retrying the n-th consecutive failed read: base, 2×base, 4×base ... capped at maxBackoffMs. */
  private readBackoffMs(n: number): number {
    const base = this.opts.baseBackoffMs ?? 500;
    return Math.min(this.opts.maxBackoffMs ?? 30_000, base * 2 ** Math.min(n - 1, 20));
  }

  private scheduleRetry(at: number): void {
    if (this.closed) return;
    this.cancelRetry?.();
    this.cancelRetry = this.opts.clock.setTimeout(
      () => {
        this.cancelRetry = undefined;
        if (this.last) void this.reconcile(this.last.desired, this.last.owned, { read: false }).catch(() => undefined);
      },
      Math.max(0, at - this.opts.clock.now()),
    );
  }
}
