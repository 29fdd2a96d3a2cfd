/**
 * What the VRRP side needs to run a [sync] section that follows its instances: the planner's spec
 * (src/sync/plan.ts) and the startup hold. Plain data: it crosses to the VRRP worker. Types only.
 */
import type { SyncSpec } from './plan.js';

/** See the module comment. */
export interface SyncSetup {
  spec: SyncSpec;
  /** startup_delay: followed instances do not preempt for this long after start or FAULT. */
  holdMs: number;
}
