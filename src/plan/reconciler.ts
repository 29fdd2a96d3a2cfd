/**
 * The one reconcile path (startup, health changes, reloads, overrides, periodic resync): read the
 * dataplane's table, diff it against the desired table for the owned services, apply the ops in
 * batches. Startup adopts what is there (no flush). A failed op is retried on a later pass with
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
import { destKey, serviceKey, type IpvsTable, type Op } from '../ipvs/types.js';
import type { Clock } from '../util/clock.js';
import { diffTables } from './diff.js';

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
}

type Request = { desired: IpvsTable; owned: ReadonlySet<string> };
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

/** Keeps a dataplane equal to the desired table for the owned services. */
export class Reconciler {
  private running?: Promise<ReconcileReport>;
  private pending?: Pending;
  private actual?: IpvsTable;
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
  reconcile(desired: IpvsTable, owned: ReadonlySet<string>): Promise<ReconcileReport> {
    this.last = { desired, owned };
    if (!this.running) return this.start({ desired, owned });
    if (!this.pending) {
      let resolve!: Pending['resolve'], reject!: Pending['reject'];
      const promise = new Promise<ReconcileReport>((res, rej) => ((resolve = res), (reject = rej)));
      this.pending = { desired, owned, promise, resolve, reject };
    }
    this.pending.desired = desired;
    this.pending.owned = owned;
    return this.pending.promise;
  }

  /** The table read by the last pass (with connection counters), if any. */
  lastActual(): IpvsTable | undefined {
    return this.actual;
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

  private async pass(req: Request): Promise<ReconcileReport> {
    const { dataplane, clock } = this.opts;
    const t0 = clock.now();
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    let actual: IpvsTable;
    try {
      actual = await dataplane.read();
    } catch (e) {
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
    this.actual = actual;
    const owned = this.ownedFor(req, actual);
    const all = diffTables(actual, req.desired, owned);
    this.forgetUnneeded(all);
    const { now: ops, deferred } = this.split(all, clock.now());
    let failed: ReconcileReport['failed'];
    try {
      failed = await this.applyBatches(ops);
    } catch (e) {
      // The transport itself failed (not a per-op kernel error): report it, retry the whole pass later.
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
    const report: ReconcileReport = { ops, failed, deferred, durationMs: clock.now() - t0, writes: ops.length };
    this.planRetry(deferred.length > 0 || failed.length > 0);
    return this.finish(report);
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

  /** owned ∪ desired ∪ remembered; forgets remembered services the table no longer has. */
  private ownedFor(req: Request, actual: IpvsTable): Set<string> {
    const inTable = new Set(actual.services.map((s) => serviceKey(s.id)));
    const desired = req.desired.services.map((s) => serviceKey(s.id));
    for (const k of [...this.remembered]) if (!inTable.has(k)) this.remembered.delete(k);
    const owned = new Set([...req.owned, ...desired, ...this.remembered]);
    for (const k of desired) this.remembered.add(k);
    return owned;
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

  private async applyBatches(ops: Op[]): Promise<ReconcileReport['failed']> {
    const size = Math.max(1, this.opts.batchSize ?? 500);
    const failed: ReconcileReport['failed'] = [];
    for (let i = 0; i < ops.length; i += size) {
      const batch = ops.slice(i, i + size);
      const results = await this.opts.dataplane.apply(batch);
      batch.forEach((op, j) => {
        const r = results[j];
        if (r && r.ok) this.backoff.delete(opTarget(op));
        else failed.push({ op, error: this.fail(op, r ? r.error : new Error('no result for op')) });
      });
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
        if (this.last) void this.reconcile(this.last.desired, this.last.owned).catch(() => undefined);
      },
      Math.max(0, at - this.opts.clock.now()),
    );
  }
}
