/**
 * The connection-sync side of a VRRP instance's VIP changes, awaited inside the instance's VIP
 * chain (src/vrrp/runtime.ts) so the sync daemons switch in the same transition: before the VIPs
 * are added, before and after they are removed. SyncController implements it. Types only.
 */

/** See the module comment. Implementations must not reject. */
export interface VipSyncHook {
  beforeAdd(instance: string): Promise<void>;
  beforeRemove(instance: string): Promise<void>;
  afterRemove(instance: string): Promise<void>;
}
