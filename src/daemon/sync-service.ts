/**
 * Connection sync as the daemon drives it (main thread): reads the sysctls and logs what works
 * against the [sync] section, hands a section that follows VRRP instances to the VRRP side (which
 * switches the daemons inside each transition, src/sync/runtime-sync.ts), runs a standalone
 * section's controller itself, and reports what the kernel runs and what this node holds.
 */
import type { Config, SyncConfig } from '../config/types.js';
import { readConnCounts, type ConnCounts } from '../sync/conns.js';
import { SyncController, type SyncControllerStatus, type SyncLog } from '../sync/controller.js';
import type { SyncSpec } from '../sync/plan.js';
import { ipvsSyncKernel, type ClosableSyncKernel } from '../sync/runtime-sync.js';
import type { SyncSetup } from '../sync/setup.js';
import type { SyncStatus } from '../sync/status.js';
import { readSyncSysctls, syncSysctlWarnings, type SyncSysctls } from '../sync/sysctls.js';
import type { Clock } from '../util/clock.js';
import type { InstanceStatus } from '../vrrp/instance.js';

/** The planner's spec of `c`, given the host's net.ipv4.vs.backup_only. */
export function syncSpec(c: SyncConfig, backupOnly: boolean): SyncSpec {
  const settings: SyncSpec['settings'] = { interface: c.interface, syncId: c.sync_id };
  if (c.maxlen !== undefined) settings.maxlen = c.maxlen;
  if (c.group !== undefined) settings.group = c.group;
  if (c.port !== undefined) settings.port = c.port;
  if (c.ttl !== undefined) settings.ttl = c.ttl;
  const spec: SyncSpec = { settings, instances: c.vrrp_instances, handoverMs: c.handover, backupOnly };
  if (c.role !== undefined) spec.role = c.role;
  return spec;
}

/** The host's sysctls set against `s` (see docs/config.md), one sentence each; `read` defaults to /proc/sys. */
export function syncWarnings(c: Config, s: SyncConfig, sys: SyncSysctls = readSyncSysctls()): string[] {
  return syncSysctlWarnings(sys, {
    startupDelayMs: s.startup_delay,
    port: s.port ?? 8848,
    persistent: c.virtual_server.some((v) => v.persistence > 0),
  });
}

/** What the service is built from (defaults: the real kernel, /proc). */
export interface SyncServiceOptions {
  log: SyncLog;
  clock: Clock;
  sysctls?: () => SyncSysctls;
  kernel?: ClosableSyncKernel;
  connections?: () => Promise<ConnCounts | undefined>;
}

/** See the module comment. */
export class SyncService {
  private standalone: SyncController | undefined;
  private readonly kernel: ClosableSyncKernel;
  private warnings: string[] = [];

  constructor(private readonly o: SyncServiceOptions) {
    this.kernel = o.kernel ?? ipvsSyncKernel();
  }

  /**
   * Applies `c.sync` at start or reload. Returns the setup the VRRP side runs when the section
   * follows instances; runs (or changes, or stops) the standalone controller otherwise.
   */
  async configure(c: Config): Promise<SyncSetup | undefined> {
    const s = c.sync;
    if (!s) {
      this.warnings = [];
      await this.dropStandalone();
      return undefined;
    }
    const sys = (this.o.sysctls ?? readSyncSysctls)();
    this.logWarnings(syncWarnings(c, s, sys));
    const spec = syncSpec(s, sys.backupOnly !== 0);
    if (s.vrrp_instances.length > 0) {
      await this.dropStandalone();
      return { spec, holdMs: s.startup_delay };
    }
    if (this.standalone) await this.standalone.reconfigure(spec);
    else {
      this.standalone = new SyncController(spec, this.kernel, this.o.clock, this.o.log);
      await this.standalone.start();
    }
    return undefined;
  }

  private logWarnings(next: string[]): void {
    for (const w of next) if (!this.warnings.includes(w)) this.o.log('warn', `sync: ${w}`, {});
    this.warnings = next;
  }

  private async dropStandalone(): Promise<void> {
    await this.standalone?.stop();
    this.standalone = undefined;
  }

  /** The sync part of `lvsctl status`; undefined without a [sync] section. `controller` is the VRRP side's view. */
  async status(c: Config, vrrp: InstanceStatus[], controller?: SyncControllerStatus): Promise<SyncStatus | undefined> {
    const s = c.sync;
    if (!s) return undefined;
    const out: SyncStatus = {
      interface: s.interface,
      syncId: s.sync_id,
      vrrpInstances: s.vrrp_instances,
      daemons: [],
      holds: vrrp
        .filter((i) => s.vrrp_instances.includes(i.name) && i.preemptHeldUntil !== undefined)
        .map((i) => ({ instance: i.name, until: i.preemptHeldUntil! })),
      warnings: this.warnings,
    };
    if (s.role) out.role = s.role;
    try {
      out.daemons = await this.kernel.listDaemons();
    } catch (e) {
      out.daemonsError = (e as Error).message;
    }
    const conns = await (this.o.connections ?? readConnCounts)();
    if (conns) out.connections = conns;
    const err = (controller ?? this.standalone?.status())?.lastError;
    if (err) out.lastError = err;
    return out;
  }

  /** Stops the standalone controller and closes the socket; the kernel's daemons keep running. */
  async stop(): Promise<void> {
    await this.dropStandalone();
    this.kernel.close();
  }
}
