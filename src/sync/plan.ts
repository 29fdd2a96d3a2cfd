/**
 * Which kernel sync daemons should run, and the ops that get there from what runs: pure.
 *
 * The kernel runs at most one master and one backup daemon per network namespace (they may run
 * at once), and the master sends every IPVS connection of the namespace under ONE sync id. So one
 * sync section serves every VRRP instance tied to it, with one sync id:
 *   - the master daemon runs while any tied instance is MASTER, and for `handoverMs` after the
 *     last one left MASTER (the kernel sends queued updates up to 2 s late, and discards them when
 *     the daemon stops: the overlap lets them reach the new master);
 *   - the backup daemon runs while any tied instance is not MASTER, and for `handoverMs` after
 *     one became MASTER (the old master's last updates still arrive);
 *   - except with net.ipv4.vs.backup_only = 1, where a running backup daemon switches the director
 *     off: then it never runs while an instance is MASTER.
 * A standalone section (no instance) has a fixed role. A running daemon whose settings differ
 * from the wanted ones is restarted (stop, then start).
 */
import type { SyncDaemon, SyncState } from '../ipvs/sync-daemon.js';
import { IP_VS_SYNC_GROUP, IP_VS_SYNC_PORT, IP_VS_SYNC_TTL } from '../ipvs/constants.js';

/** The daemon settings of a sync section (what NEW_DAEMON carries, less the state). */
export type SyncSettings = Omit<SyncDaemon, 'state'>;

/** What the planner needs of a sync section. */
export interface SyncSpec {
  settings: SyncSettings;
  /** Tied VRRP instances; empty = standalone with `role`. */
  instances: readonly string[];
  role?: SyncState;
  handoverMs: number;
  /** net.ipv4.vs.backup_only is set: no backup daemon while an instance is MASTER. */
  backupOnly: boolean;
}

/** Roles of the tied instances and the overlaps still running. */
export interface SyncRoles {
  /** Per tied instance: MASTER or not (an instance not yet reported counts as backup). */
  masters: ReadonlySet<string>;
  /** Keep the master daemon until this time (ms, monotonic). */
  masterUntil?: number;
  /** Keep the backup daemon until this time. */
  backupUntil?: number;
}

/** One step towards the wanted daemons, in the order given. */
export type SyncOp = { op: 'start'; daemon: SyncDaemon } | { op: 'stop'; state: SyncState; why: string };

/** The daemons that should run now. */
export function wantedDaemons(spec: SyncSpec, roles: SyncRoles, now: number): SyncDaemon[] {
  let master: boolean;
  let backup: boolean;
  if (spec.instances.length === 0) {
    master = spec.role === 'master';
    backup = spec.role === 'backup';
  } else {
    const anyMaster = spec.instances.some((n) => roles.masters.has(n));
    const anyBackup = spec.instances.some((n) => !roles.masters.has(n));
    master = anyMaster || now < (roles.masterUntil ?? -Infinity);
    backup = (anyBackup || now < (roles.backupUntil ?? -Infinity)) && !(spec.backupOnly && anyMaster);
  }
  const out: SyncDaemon[] = [];
  if (master) out.push({ state: 'master', ...spec.settings });
  if (backup) out.push({ state: 'backup', ...spec.settings });
  return out;
}

/** Does a running daemon (as the kernel reports it, defaults filled in) have the wanted settings? */
export function sameDaemon(running: SyncDaemon, wanted: SyncDaemon): boolean {
  return (
    running.state === wanted.state &&
    running.interface === wanted.interface &&
    running.syncId === wanted.syncId &&
    (running.group === undefined || running.group === (wanted.group ?? IP_VS_SYNC_GROUP)) &&
    (running.port === undefined || running.port === (wanted.port ?? IP_VS_SYNC_PORT)) &&
    (running.ttl === undefined || running.ttl === (wanted.ttl ?? IP_VS_SYNC_TTL)) &&
    (wanted.maxlen === undefined || running.maxlen === undefined || running.maxlen === wanted.maxlen)
  );
}

/**
 * Ops from `running` to `wanted`: restarts of daemons with other settings, then starts, then
 * stops (make before break: a daemon that is wanted never waits behind a stop).
 */
export function syncOps(running: readonly SyncDaemon[], wanted: readonly SyncDaemon[]): SyncOp[] {
  const restarts: SyncOp[] = [];
  const starts: SyncOp[] = [];
  const stops: SyncOp[] = [];
  for (const w of wanted) {
    const r = running.find((d) => d.state === w.state);
    if (r && sameDaemon(r, w)) continue;
    if (r) restarts.push({ op: 'stop', state: w.state, why: 'its settings differ from the config' });
    starts.push({ op: 'start', daemon: w });
  }
  for (const r of running)
    if (!wanted.some((w) => w.state === r.state)) stops.push({ op: 'stop', state: r.state, why: 'not wanted now' });
  return [...restarts, ...starts, ...stops];
}

/** The next time `wantedDaemons` changes by itself (an overlap ends), or undefined. */
export function nextChange(roles: SyncRoles, now: number): number | undefined {
  const due = [roles.masterUntil, roles.backupUntil].filter((t): t is number => t !== undefined && t > now);
  return due.length > 0 ? Math.min(...due) : undefined;
}
