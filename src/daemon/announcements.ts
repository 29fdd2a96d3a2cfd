/**
 * The daemon's announcements: drives the pure announcer (machine.ts) from the planner's quorum
 * verdicts, keeps the kernel table in step (routes.ts) and tells the world: one structured log line
 * per announce/withdraw, the announced gauge and withdrawals counter, and a status view.
 *
 * `update` runs at every daemon pass; the route table is synced when the announced set changes, when
 * a sync failed (retried), and at least every `resyncMs` (drift repair: a route someone deleted).
 * A change of table or protocol on reload withdraws everything from the old one first.
 */
import type { Logger } from 'pino';
import type { AnnounceConfig, VirtualServerConfig } from '../config/types.js';
import { stepAnnouncer, type AnnounceTransition, type AnnouncerState, type VipSpec } from '../announce/machine.js';
import type { AnnounceTable, SyncReport } from '../announce/routes.js';
import type { AnnounceStatus } from '../announce/status.js';

/** Applies the announced set to a table (KernelRoutes, or a fake in tests). */
export interface RouteSync {
  sync(desired: readonly string[]): Promise<SyncReport>;
}

/** Where transitions are counted (DaemonMetrics, or nothing). */
export interface AnnounceMetrics {
  announced(vip: string, on: boolean): void;
  withdrawn(vip: string): void;
}

/** What the driver is built from. */
export interface AnnouncementsDeps {
  open(t: AnnounceTable): RouteSync;
  log: Logger;
  metrics?: AnnounceMetrics;
  /** Clock time → wall-clock ms, for status. */
  wall(clockMs: number): number;
}

/** The VIPs of `a` and the virtual servers whose health decides each (same address). */
export function vipSpecs(a: AnnounceConfig, vss: readonly VirtualServerConfig[]): VipSpec[] {
  return a.vips.map((address) => ({
    address,
    services: vss.filter((v) => v.id.address === address).map((v) => v.name),
  }));
}

/** See the module comment. */
export class Announcements {
  private state: AnnouncerState = new Map();
  private sink?: { t: AnnounceTable; routes: RouteSync };
  private synced?: string;
  private lastSyncAt = -Infinity;
  private failed: SyncReport['failed'] = [];
  private lastError?: string;
  private maintenance = false;
  private config?: AnnounceConfig;
  private specs: VipSpec[] = [];
  private stopping = false;

  constructor(private readonly d: AnnouncementsDeps) {}

  /** Whole-director maintenance (lvsctl maintenance on|off); returns whether it changed. */
  setMaintenance(on: boolean): boolean {
    const changed = this.maintenance !== on;
    this.maintenance = on;
    if (changed) this.d.log.info({ maintenance: on }, `director maintenance ${on ? 'on' : 'off'}`);
    return changed;
  }

  /** Whether the director is in maintenance. */
  inMaintenance(): boolean {
    return this.maintenance;
  }

  /**
   * One step: the config's announcements (none = withdraw all), quorum verdicts, time; syncs the
   * table when needed. Resolves with when to be called again (a hold-down ending), if ever. Once
   * called with `shuttingDown`, every later step withdraws too (a pass still running during the
   * stop cannot announce again).
   */
  async update(
    a: AnnounceConfig | undefined,
    vss: readonly VirtualServerConfig[],
    belowQuorum: ReadonlySet<string>,
    now: number,
    o: { shuttingDown?: boolean; resyncMs?: number } = {},
  ): Promise<number | undefined> {
    this.config = a;
    this.specs = a ? vipSpecs(a, vss) : [];
    const policy = { policy: a?.policy ?? 'all', holdDownMs: a?.hold_down ?? 0 };
    this.stopping ||= !!o.shuttingDown;
    const input = { now, belowQuorum, maintenance: this.maintenance, shuttingDown: this.stopping };
    const step = stepAnnouncer(this.specs, policy, this.state, input);
    this.state = step.state;
    for (const t of step.transitions) this.record(t);
    for (const v of this.specs) this.d.metrics?.announced(v.address, step.state.get(v.address)!.announced);
    await this.syncIfNeeded(a, step.announced, now, o.resyncMs ?? Infinity);
    return step.nextWakeAt;
  }

  private record(t: AnnounceTransition): void {
    const from = t.to === 'announced' ? 'withdrawn' : 'announced';
    this.d.log.info({ vip: t.vip, from, to: t.to, reason: t.reason }, `vip ${t.to}`);
    if (t.to === 'withdrawn') this.d.metrics?.withdrawn(t.vip);
  }

  private async syncIfNeeded(
    a: AnnounceConfig | undefined,
    announced: string[],
    now: number,
    resyncMs: number,
  ): Promise<void> {
    const t = a && { table: a.table, protocol: a.protocol };
    if (this.sink && (!t || t.table !== this.sink.t.table || t.protocol !== this.sink.t.protocol)) {
      await this.sync(this.sink.routes, [], now); // leaving a table: take everything out of it first
      this.sink = undefined;
      this.synced = undefined;
    }
    if (!t) return;
    this.sink ??= { t, routes: this.d.open(t) };
    const key = announced.join(',');
    const due = key !== this.synced || this.failed.length > 0 || this.lastError || now - this.lastSyncAt >= resyncMs;
    if (due) this.synced = (await this.sync(this.sink.routes, announced, now)) ? key : undefined;
  }

  /** Returns whether the sync read the table (failed routes are retried at the next update). */
  private async sync(routes: RouteSync, announced: string[], now: number): Promise<boolean> {
    this.lastSyncAt = now;
    try {
      const r = await routes.sync(announced);
      this.failed = r.failed;
      this.lastError = undefined;
      for (const f of r.failed)
        this.d.log.warn({ route: f.route, err: f.error }, 'announcement route not applied; will retry');
      return true;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.d.log.error({ err: this.lastError }, 'reading the announcement table failed; will retry');
      return false;
    }
  }

  /** Whether a sync failed and should be retried soon. */
  needsRetry(): boolean {
    return this.failed.length > 0 || this.lastError !== undefined;
  }

  /** The status view; undefined without [announce]. */
  status(): AnnounceStatus | undefined {
    const a = this.config;
    if (!a) return undefined;
    return {
      table: a.table,
      protocol: a.protocol,
      policy: a.policy,
      maintenance: this.maintenance,
      vips: this.specs.map((v) => {
        const s = this.state.get(v.address);
        return {
          vip: v.address,
          announced: s?.announced ?? false,
          reason: s?.reason ?? 'not evaluated yet',
          since: this.d.wall(s?.since ?? 0),
          services: [...v.services],
        };
      }),
      failed: this.failed,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}
