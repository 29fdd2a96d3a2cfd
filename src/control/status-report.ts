/**
 * The status report `lvsctl status` receives (the result of the control protocol's "status"
 * command): per virtual server and real server the configured, desired and kernel weight, health
 * with the last transition's reason, operator drain, the planner's "why this weight", connection
 * counters and IPVS stats. The daemon builds it (src/daemon/status.ts); format.ts prints it. Types
 * only.
 */
import type { ConfigChange } from '../config/changes.js';
import type { ConfigProblem } from '../config/types.js';
import type { AnnounceStatus } from '../announce/status.js';
import type { SyncStatus } from '../sync/status.js';
import type { InstanceStatus } from '../vrrp/instance.js';

/** Stats of a service or destination, as decimal strings (64-bit counters). */
export interface StatsView {
  conns: string;
  inpkts: string;
  outpkts: string;
  inbytes: string;
  outbytes: string;
  /** The kernel's rate estimates (per second, over its ~2 s estimator). */
  cps?: string;
  inbps?: string;
  outbps?: string;
}

/** An operator state (lvsctl state). */
export type AdminStateName = 'ready' | 'drain' | 'maint';

/** One real server in the status report. */
export interface RealServerStatus {
  rs: string;
  configuredWeight: number;
  desiredWeight: number | null;
  kernelWeight: number | null;
  health: 'up' | 'down' | 'unchecked';
  healthSince?: number;
  reason?: string;
  lastProbe?: { ok: boolean; ms: number; detail: string; at: number };
  /** Probe rounds since the check started. */
  probes?: number;
  /** The operator state that applies (the server's own, or its virtual server's when stricter). */
  adminState: AdminStateName;
  /** True when that state is the virtual server's. */
  adminByService?: boolean;
  /** Weight the operator set (lvsctl weight), replacing configuredWeight. */
  weightOverride?: number;
  /** adminState === 'drain' (kept for older readers of the report). */
  drained: boolean;
  why?: string;
  active?: number;
  inactive?: number;
  stats?: StatsView;
}

/** One virtual server in the status report. */
export interface VirtualServerStatus {
  name: string;
  service: string;
  scheduler: string;
  inKernel: boolean;
  belowQuorum: boolean;
  /**
   * ECMP mode: fingerprints (destFingerprint) of the destinations as the kernel lists them, in its
   * order with their weights, and as desired; equal on every director ⇔ the same mh table.
   */
  ecmp?: { fingerprint?: string; desired?: string };
  /** Quorum: the configured minimum of live weight, the live weight now, and the hysteresis. */
  quorum: { quorum: number; liveWeight: number; hysteresis: number; sorryServer?: string };
  /** The virtual server's own operator state. */
  adminState: AdminStateName;
  stats?: StatsView;
  realServers: RealServerStatus[];
  /** Destinations in the kernel for this service that the config does not name, with what they are. */
  extraDestinations: Array<{
    rs: string;
    weight: number;
    active?: number;
    inactive?: number;
    role: 'sorry server' | 'draining (removed from the config)' | 'not managed by lvsd';
  }>;
}

/** One transition of the audit trail (`at` is wall-clock ms). */
export interface Transition {
  at: number;
  kind: 'health' | 'quorum' | 'vrrp' | 'operator' | 'reload';
  vs?: string;
  rs?: string;
  /** VRRP instance, or what a reload or operator change was about. */
  name?: string;
  from: string;
  to: string;
  reason: string;
}

/** The last reconcile pass (`at` is wall-clock ms). */
export interface PassInfo {
  at: number;
  ops: number;
  failed: string[];
  durationMs: number;
  error?: string;
}

/** The last reload attempt (`at` is wall-clock ms); `problems` when the new config was rejected. */
export interface ReloadInfo {
  at: number;
  ok: boolean;
  summary?: string;
  /** What the reload changed, by name (at most 50; `moreChanges` counts the rest). */
  changes?: ConfigChange[];
  moreChanges?: number;
  problems?: ConfigProblem[];
  /** Restart-only keys (config/restart-only.ts) the file changed: still at their running values. */
  pendingRestart?: string[];
}

export type { SyncStatus } from '../sync/status.js';

/** The whole status report. */
export interface StatusReport {
  /** Wall-clock ms when the report was built (the page corrects its clock by it). */
  generatedAt: number;
  daemon: {
    pid: number;
    routerId: string;
    configFile: string;
    generation: number;
    startedAt: number;
    dataplane: 'kernel' | 'memory' | 'none';
    lastReload?: ReloadInfo;
    lastReconcile?: PassInfo;
    /** Kernel settings the config needs but does not have (ecmp sysctls). */
    warnings?: string[];
    /** The state file could not be used at start (moved aside): operator overrides from before were lost. */
    stateFileProblem?: string;
  };
  /** VIP announcements ([announce]): per VIP announced or withdrawn, and why. */
  announce?: AnnounceStatus;
  virtualServers: VirtualServerStatus[];
  vrrp: InstanceStatus[];
  /** Recent transitions, oldest first (health, quorum, VRRP, operator, reload). */
  transitions: Transition[];
  /** Present when the config has a [sync] section. */
  sync?: SyncStatus;
}
