/** The connection-sync series on /metrics: read at scrape time, one read per scrape, none without [sync]. */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerSyncMetrics } from '../../../src/metrics/sync-metrics.js';
import type { SyncStatus } from '../../../src/sync/status.js';

describe('sync metrics', () => {
  it('daemons running by state, connections by origin, preempt holds; one status read per scrape', async () => {
    const r = new Registry();
    let reads = 0;
    const status: SyncStatus = {
      interface: 'eth1',
      syncId: 51,
      vrrpInstances: ['VI_1'],
      daemons: [{ state: 'backup', interface: 'eth1', syncId: 51 }],
      connections: { total: 50, synced: 47, local: 3 },
      holds: [{ instance: 'VI_1', until: Date.now() + 5000 }],
      warnings: [],
    };
    registerSyncMetrics(r, async () => (reads++, status));
    const text = await r.metrics();
    expect(text).toContain('lvsd_sync_daemon_running{state="master"} 0');
    expect(text).toContain('lvsd_sync_daemon_running{state="backup"} 1');
    expect(text).toContain('lvsd_sync_connections{origin="sync"} 47');
    expect(text).toContain('lvsd_sync_connections{origin="local"} 3');
    expect(text).toMatch(/lvsd_sync_preempt_hold_seconds\{instance="VI_1"\} [45](\.\d+)?\n/);
    expect(reads).toBe(1);
  });

  it('no [sync] section: no samples', async () => {
    const r = new Registry();
    registerSyncMetrics(r, async () => undefined);
    expect(await r.metrics()).not.toMatch(/^lvsd_sync_\w+\{/m);
  });
});
