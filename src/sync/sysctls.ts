/**
 * The sysctls that decide whether connection sync works as the config expects
 * (net.ipv4.vs.*, per network namespace), read at start and turned into warnings. Reading is a
 * function seam; the checks are pure.
 */
import { readFileSync } from 'node:fs';

/** The values lvsd looks at. */
export interface SyncSysctls {
  conntrack: number;
  syncVersion: number;
  /** sync_threshold: [threshold, period] (a connection is sent at `threshold` packets, then every `period`). */
  syncThreshold: [number, number];
  syncRefreshPeriod: number;
  syncPersistMode: number;
  backupOnly: number;
  syncPorts: number;
  sloppyTcp: number;
  /** Netfilter connection tracking is loaded in this namespace (nf_conntrack). */
  nfConntrack: boolean;
}

/** Reads a sysctl by its /proc/sys path; undefined when absent. */
export type SysctlReader = (path: string) => string | undefined;

/** The real reader. */
export const procSysctl: SysctlReader = (path) => {
  try {
    return readFileSync(`/proc/sys/${path}`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Reads the values (kernel defaults when a file is absent, as on kernels without the knob). */
export function readSyncSysctls(read: SysctlReader = procSysctl): SyncSysctls {
  const n = (name: string, dflt: number): number => {
    const v = Number.parseInt(read(`net/ipv4/vs/${name}`) ?? '', 10);
    return Number.isNaN(v) ? dflt : v;
  };
  const th = (read('net/ipv4/vs/sync_threshold') ?? '3 50').split(/\s+/).map(Number);
  return {
    conntrack: n('conntrack', 0),
    syncVersion: n('sync_version', 1),
    syncThreshold: [th[0] ?? 3, th[1] ?? 50],
    syncRefreshPeriod: n('sync_refresh_period', 0),
    syncPersistMode: n('sync_persist_mode', 0),
    backupOnly: n('backup_only', 0),
    syncPorts: n('sync_ports', 1),
    sloppyTcp: n('sloppy_tcp', 0),
    nfConntrack: read('net/netfilter/nf_conntrack_max') !== undefined,
  };
}

/** What of the config the checks need. */
export interface SyncCheckContext {
  startupDelayMs: number;
  /** The sync port (default 8848). */
  port: number;
  /** Some virtual server is persistent. */
  persistent: boolean;
}

/** One sentence per sysctl that works against the sync section (empty when all is well). */
export function syncSysctlWarnings(s: SyncSysctls, c: SyncCheckContext): string[] {
  const out: string[] = [];
  const [threshold, period] = s.syncThreshold;
  if (s.conntrack === 0 && s.nfConntrack)
    out.push(
      'net.ipv4.vs.conntrack = 0 while netfilter conntrack is loaded: synced connections have no conntrack entry on the new master, so stateful rules (ct state established) may drop them after a failover; set it to 1',
    );
  if (s.syncVersion === 0)
    out.push(
      'net.ipv4.vs.sync_version = 0: the old format carries no IPv6, no timeouts and no persistence-engine data; set it to 1',
    );
  if (period > 0 && s.syncRefreshPeriod === 0)
    out.push(
      `net.ipv4.vs.sync_threshold = "${threshold} ${period}" with sync_refresh_period = 0: a connection is re-sent only every ${period} incoming packets, so a node that returns learns slow connections late (startup_delay is ${c.startupDelayMs / 1000}s); sync_threshold = "${threshold} 0" with sync_refresh_period below startup_delay re-sends each active connection by time instead`,
    );
  if (s.syncRefreshPeriod > 0 && s.syncRefreshPeriod * 1000 >= c.startupDelayMs)
    out.push(
      `net.ipv4.vs.sync_refresh_period = ${s.syncRefreshPeriod}s is not below startup_delay (${c.startupDelayMs / 1000}s): a returning node may preempt before every connection was re-sent`,
    );
  if (s.syncPersistMode !== 0 && c.persistent && s.sloppyTcp === 0)
    out.push(
      'net.ipv4.vs.sync_persist_mode = 1: persistent services sync only their templates, and without sloppy_tcp = 1 the new master drops their connections mid-flow; set sloppy_tcp = 1 or sync_persist_mode = 0',
    );
  if (c.port + s.syncPorts - 1 > 65535)
    out.push(
      `net.ipv4.vs.sync_ports = ${s.syncPorts}: the daemons use ports ${c.port}-${c.port + s.syncPorts - 1}, past 65535`,
    );
  return out;
}
