/** The sync sysctl checks and the connection counter of /proc/net/ip_vs_conn_sync. */
import { describe, expect, it } from 'vitest';
import { countConnections } from '../../../src/sync/conns.js';
import { readSyncSysctls, syncSysctlWarnings } from '../../../src/sync/sysctls.js';

/** As seen in user-mode Linux 6.1 (ipvsadm -Lnc's sibling file). */
const PROC = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires
TCP 0A000102 AF64 0A000164 2328 0A00020B 2328 ESTABLISHED SYNC       893
TCP 0A000102 AF66 0A000164 2328 0A00020C 2328 ESTABLISHED LOCAL      899
TCP 0A000001 AF64 0A000001 0050 7F000001 0050 CLOSE       LOCAL        9
TCP fd00:0000:0000:0000:0000:0000:0000:0002 AF64 fd00:0000:0000:0000:0000:0000:0000:0100 2328 fd00:0000:0000:0000:0000:0000:0000:0011 2328 ESTABLISHED SYNC 12
`;

describe('countConnections', () => {
  it('counts by origin, IPv6 lines too', () => {
    expect(countConnections(PROC)).toEqual({ total: 4, synced: 2, local: 2 });
  });
  it('only the header, or nothing', () => {
    expect(countConnections(PROC.split('\n')[0] + '\n')).toEqual({ total: 0, synced: 0, local: 0 });
    expect(countConnections('')).toEqual({ total: 0, synced: 0, local: 0 });
  });
});

const DEFAULTS: Record<string, string> = {
  'net/ipv4/vs/conntrack': '0',
  'net/ipv4/vs/sync_version': '1',
  'net/ipv4/vs/sync_threshold': '3\t50',
  'net/ipv4/vs/sync_refresh_period': '0',
  'net/ipv4/vs/sync_persist_mode': '0',
  'net/ipv4/vs/backup_only': '0',
  'net/ipv4/vs/sync_ports': '1',
  'net/ipv4/vs/sloppy_tcp': '0',
};

describe('sync sysctls', () => {
  const ctx = { startupDelayMs: 10_000, port: 8848, persistent: false };
  const read = (over: Record<string, string | undefined> = {}) => readSyncSysctls((p) => ({ ...DEFAULTS, ...over })[p]);

  it('reads the kernel values (defaults as seen in UML 6.1)', () => {
    expect(read()).toEqual({
      conntrack: 0,
      syncVersion: 1,
      syncThreshold: [3, 50],
      syncRefreshPeriod: 0,
      syncPersistMode: 0,
      backupOnly: 0,
      syncPorts: 1,
      sloppyTcp: 0,
      nfConntrack: false,
    });
  });

  it('kernel defaults: one warning, about re-sending by packet count', () => {
    const w = syncSysctlWarnings(read(), ctx);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(
      /sync_threshold = "3 50" with sync_refresh_period = 0: a connection is re-sent only every 50 incoming packets/,
    );
  });

  it('re-sending by time below startup_delay: no warning; at or above it: one', () => {
    const byTime = { 'net/ipv4/vs/sync_threshold': '3 0', 'net/ipv4/vs/sync_refresh_period': '5' };
    expect(syncSysctlWarnings(read(byTime), ctx)).toEqual([]);
    expect(syncSysctlWarnings(read({ ...byTime, 'net/ipv4/vs/sync_refresh_period': '10' }), ctx)[0]).toMatch(
      /is not below startup_delay/,
    );
  });

  it('conntrack off with netfilter conntrack loaded, sync_version 0, persist mode without sloppy_tcp, ports past 65535', () => {
    const s = read({
      'net/netfilter/nf_conntrack_max': '65536',
      'net/ipv4/vs/sync_version': '0',
      'net/ipv4/vs/sync_persist_mode': '1',
      'net/ipv4/vs/sync_ports': '4',
      'net/ipv4/vs/sync_threshold': '3 0',
      'net/ipv4/vs/sync_refresh_period': '2',
    });
    const w = syncSysctlWarnings(s, { ...ctx, persistent: true, port: 65534 });
    expect(w.map((x) => x.split(':')[0])).toEqual([
      'net.ipv4.vs.conntrack = 0 while netfilter conntrack is loaded',
      'net.ipv4.vs.sync_version = 0',
      'net.ipv4.vs.sync_persist_mode = 1',
      'net.ipv4.vs.sync_ports = 4',
    ]);
    expect(w[3]).toMatch(/ports 65534-65537, past 65535/);
  });
});
