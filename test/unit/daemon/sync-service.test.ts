/**
 * SyncService: what a [sync] section becomes (the VRRP setup, or a standalone controller), the
 * sysctl warnings logged once, the status (daemons, connections by origin, preempt holds), and the
 * status text lvsctl prints.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { formatStatus } from '../../../src/control/format.js';
import { IpvsClient } from '../../../src/ipvs/client.js';
import { SyncService } from '../../../src/daemon/sync-service.js';
import { readSyncSysctls } from '../../../src/sync/sysctls.js';
import { ManualClock } from '../../../src/util/clock.js';
import { fakeKernel } from '../ipvs/fake-kernel.js';

const VRRP = `[[vrrp_instance]]\nname = "VI_1"\ninterface = "eth0"\nvirtual_router_id = 51\nvirtual_ipaddress = ["10.0.1.100/24"]\n`;

function config(text: string): Config {
  const r = parseConfig(text, 't.toml');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

async function service(sysctls: Record<string, string> = {}) {
  const k = fakeKernel({ interfaces: ['eth1'] });
  const client = await IpvsClient.open({ conn: k.conn() });
  const logs: string[] = [];
  const s = new SyncService({
    log: (level, msg) => void logs.push(`${level} ${msg}`),
    clock: new ManualClock(),
    sysctls: () =>
      readSyncSysctls(
        (p) => ({ 'net/ipv4/vs/sync_threshold': '3 0', 'net/ipv4/vs/sync_refresh_period': '5', ...sysctls })[p],
      ),
    kernel: {
      listDaemons: () => client.listDaemons(),
      startDaemon: (d) => client.startDaemon(d),
      stopDaemon: (st) => client.stopDaemon(st),
      close: () => client.close(),
    },
    connections: async () => ({ total: 50, synced: 47, local: 3 }),
  });
  return { k, s, logs };
}

describe('SyncService', () => {
  it('a section following VRRP: the setup for the VRRP side (backup_only from the sysctl); no daemon started here', async () => {
    const { k, s } = await service({ 'net/ipv4/vs/backup_only': '1' });
    const setup = await s.configure(
      config(`${VRRP}[sync]\ninterface = "eth1"\nvrrp_instances = ["VI_1"]\nstartup_delay = "20s"\n`),
    );
    expect(setup).toEqual({
      spec: { settings: { interface: 'eth1', syncId: 51 }, instances: ['VI_1'], handoverMs: 3000, backupOnly: true },
      holdMs: 20_000,
    });
    expect(k.sync.log).toEqual([]);
  });

  it('standalone: its own controller runs the role; a reload to another role switches; no [sync] leaves the kernel alone', async () => {
    const { k, s } = await service();
    expect(await s.configure(config('[sync]\ninterface = "eth1"\nrole = "backup"\n'))).toBeUndefined();
    expect([...k.sync.daemons.keys()]).toEqual(['backup']);
    await s.configure(config('[sync]\ninterface = "eth1"\nrole = "master"\nhandover = "0s"\n'));
    expect([...k.sync.daemons.keys()]).toEqual(['master']);
    await s.configure(config(''));
    expect([...k.sync.daemons.keys()]).toEqual(['master']);
    await s.stop();
  });

  it('sysctl warnings: logged once per distinct warning, kept for status', async () => {
    const { s, logs } = await service({ 'net/ipv4/vs/sync_version': '0' });
    const c = config(`${VRRP}[sync]\ninterface = "eth1"\nvrrp_instances = ["VI_1"]\n`);
    await s.configure(c);
    await s.configure(c);
    expect(logs).toEqual([expect.stringMatching(/^warn sync: net\.ipv4\.vs\.sync_version = 0/)]);
    expect((await s.status(c, []))?.warnings).toHaveLength(1);
  });

  it('status: the kernel daemons, connections by origin, holds of followed instances; printed by lvsctl', async () => {
    const { s } = await service();
    const c = config(`${VRRP}[sync]\ninterface = "eth1"\nvrrp_instances = ["VI_1"]\n`);
    await s.configure(config('[sync]\ninterface = "eth1"\nrole = "backup"\n')); // a backup daemon runs
    const now = 1_000_000;
    const vrrp = [
      {
        name: 'VI_1',
        state: 'BACKUP' as const,
        priority: 150,
        effectivePriority: 150,
        since: 0,
        reason: 'startup',
        advertsSent: 0,
        advertsReceived: 3,
        rejected: {},
        preemptHeldUntil: now + 6000,
      },
    ];
    const st = (await s.status(c, vrrp))!;
    expect(st).toMatchObject({
      interface: 'eth1',
      syncId: 51,
      vrrpInstances: ['VI_1'],
      daemons: [{ state: 'backup', interface: 'eth1', syncId: 0 }],
      connections: { total: 50, synced: 47, local: 3 },
      holds: [{ instance: 'VI_1', until: now + 6000 }],
    });
    const text = formatStatus(
      {
        generatedAt: now,
        daemon: { pid: 1, routerId: 'lb1', configFile: 'x', generation: 1, startedAt: now, dataplane: 'kernel' },
        virtualServers: [],
        vrrp: [],
        transitions: [],
        sync: st,
      },
      now,
    );
    expect(text).toContain('sync eth1 syncid 51 (following VI_1)  running: backup eth1 syncid 0\n');
    expect(text).toContain('  connections: 47 received by sync, 3 scheduled here (50 in the table)\n');
    expect(text).toContain('  VI_1 does not preempt for 6s more (waiting for the table)\n');
  });
});
