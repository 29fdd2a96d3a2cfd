/**
 * From the config's [sync] to what runs it, pure: the planner's spec (src/sync/plan.ts) with the
 * host's backup_only, and the VRRP instances as VRRP must run them (a tied instance does not
 * preempt for startup_delay: its preempt_delay is raised to it).
 */
import type { SyncConfig } from '../config/types.js';
import type { VrrpInstanceConfig } from '../vrrp/schema.js';
import type { SyncSpec } from './plan.js';

/** What the VRRP side needs to run a tied sync section (plain data: it crosses to the VRRP worker). */
export interface SyncSetup {
  spec: SyncSpec;
  /** startup_delay: tied instances do not preempt for this long after start or FAULT. */
  holdMs: number;
}

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

/** The instances with preempt_delay raised to the hold for those the sync section follows. */
export function withSyncHold(instances: VrrpInstanceConfig[], setup: SyncSetup | undefined): VrrpInstanceConfig[] {
  if (!setup || setup.holdMs <= 0) return instances;
  return instances.map((i) =>
    setup.spec.instances.includes(i.name) && i.preempt_delay < setup.holdMs ? { ...i, preempt_delay: setup.holdMs } : i,
  );
}
