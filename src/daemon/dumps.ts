/**
 * What SIGUSR1 and SIGUSR2 write to the log: a status summary (per virtual server how many real
 * servers are up, down and drained, quorum, VRRP states, the last reload and reconcile) and the
 * process's counters (memory, open descriptors, probe engine). Both are small whatever the fleet
 * size: the full report is `lvsctl status --json`.
 */
import { readdirSync } from 'node:fs';
import type { StatusReport } from '../control/status-report.js';

/** The SIGUSR1 summary of a status report (pure). */
export function statusSummary(s: StatusReport): Record<string, unknown> {
  return {
    generation: s.daemon.generation,
    dataplane: s.daemon.dataplane,
    lastReload: s.daemon.lastReload && {
      ok: s.daemon.lastReload.ok,
      at: new Date(s.daemon.lastReload.at).toISOString(),
    },
    lastReconcile: s.daemon.lastReconcile && {
      ops: s.daemon.lastReconcile.ops,
      failed: s.daemon.lastReconcile.failed.length,
      error: s.daemon.lastReconcile.error,
    },
    virtualServers: s.virtualServers.map((vs) => ({
      name: vs.name,
      inKernel: vs.inKernel,
      belowQuorum: vs.belowQuorum,
      up: vs.realServers.filter((r) => r.health !== 'down').length,
      down: vs.realServers.filter((r) => r.health === 'down').length,
      drained: vs.realServers.filter((r) => r.drained).length,
    })),
    vrrp: s.vrrp.map((v) => ({ name: v.name, state: v.state, priority: v.effectivePriority })),
  };
}

/** Open file descriptors of this process, or undefined where /proc cannot be read. */
export function openFds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length - 1; // minus the one readdir itself holds
  } catch {
    return undefined;
  }
}

/** The SIGUSR2 counters: memory, descriptors, uptime, and the probe engine's own `stats`. */
export function processCounters(engine?: () => object): Record<string, unknown> {
  const m = process.memoryUsage();
  const mb = (n: number) => Math.round(n / 1048576);
  return {
    uptimeS: Math.round(process.uptime()),
    rssMB: mb(m.rss),
    heapUsedMB: mb(m.heapUsed),
    externalMB: mb(m.external),
    openFds: openFds(),
    probes: engine?.(),
  };
}
