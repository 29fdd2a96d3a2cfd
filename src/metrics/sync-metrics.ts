/**
 * Prometheus series of connection sync, read at scrape time (one read shared by the series of a
 * scrape; nothing is kept between scrapes). No series without a [sync] section.
 *   lvsd_sync_daemon_running{state="master"|"backup"}   1 while the kernel runs that daemon
 *   lvsd_sync_connections{origin="sync"|"local"}        IPVS connections of this namespace by origin
 *   lvsd_sync_preempt_hold_seconds{instance}            time left before a followed instance may preempt
 */
import { Gauge, type Registry } from 'prom-client';
import type { SyncStatus } from '../sync/status.js';

/** Registers the series on `registry`; `read` gives the sync status (undefined without [sync]). */
export function registerSyncMetrics(registry: Registry, read: () => Promise<SyncStatus | undefined>): void {
  let shared: { at: number; p: Promise<SyncStatus | undefined> } | undefined;
  const once = (): Promise<SyncStatus | undefined> => {
    const now = Date.now();
    if (!shared || now - shared.at > 500) shared = { at: now, p: read().catch(() => undefined) };
    return shared.p;
  };
  new Gauge({
    name: 'lvsd_sync_daemon_running',
    help: 'Connection-sync daemon running in the kernel (1) or not (0), by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const s = await once();
      if (!s || s.daemonsError) return;
      for (const state of ['master', 'backup']) this.set({ state }, s.daemons.some((d) => d.state === state) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lvsd_sync_connections',
    help: 'IPVS connections of this network namespace by origin: sync (received from the master) or local (scheduled here)',
    labelNames: ['origin'],
    registers: [registry],
    async collect() {
      this.reset();
      const c = (await once())?.connections;
      if (!c) return;
      this.set({ origin: 'sync' }, c.synced);
      this.set({ origin: 'local' }, c.local);
    },
  });
  new Gauge({
    name: 'lvsd_sync_preempt_hold_seconds',
    help: 'Seconds before a followed VRRP instance may preempt (startup_delay: waiting for the connection table)',
    labelNames: ['instance'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      for (const h of (await once())?.holds ?? [])
        this.set({ instance: h.instance }, Math.max(0, (h.until - now) / 1000));
    },
  });
}
