/**
 * Adapters from the other layers' APIs to the daemon's ports.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { diffConfigs, summary as diffSummary } from '../config/diff.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { IpvsTable, Op } from '../ipvs/types.js';
import { formatOp as ipvsFormatOp } from '../ipvs/format.js';
import { plan, type PlannerMemory } from '../plan/desired.js';
import { diffTables as planDiff } from '../plan/diff.js';
import { Reconciler } from '../plan/reconciler.js';
import type { Clock } from '../util/clock.js';
import type { VrrpInstanceConfig } from '../vrrp/schema.js';
import type { MemoryCodec, PlannerFn, SummaryFn } from './model.js';
import { drainKey, type DrainEntry } from '../plan/drain.js';
import type { ReconcilerPort, VrrpPort } from './ports.js';
import type { OpenedDataplane } from './wiring.js';

/** The planner adapter (src/plan/desired.ts). */
export const planner: PlannerFn = (input, memory) => {
  const p = plan(input, memory as PlannerMemory | undefined);
  return { out: p, memory: p.memory };
};

/**
 * Drains of servers removed by a reload survive a restart (the restarted daemon no longer knows the
 * previous config): they are saved in the state file with the wall-clock time they began
 * (`startedAt`, ms since the epoch), so a restart does not extend drain_timeout: the restored drain
 * keeps its deadline. The clock is per process, so the time is stored as wall time and turned back
 * with the new process's offset; a start time in the future (the wall clock stepped back) counts as
 * now, and an entry without one (an older state file) starts at now. Drains by lvsctl come back
 * from the operator overrides instead.
 */
export const memoryCodec: MemoryCodec = {
  save(memory, wallOffset) {
    const m = memory as PlannerMemory | undefined;
    return [...(m?.drains.values() ?? [])]
      .filter((e) => e.why === 'removed' && !e.done)
      .map(({ since, ...e }) => ({ ...e, startedAt: Math.round(since + wallOffset) }));
  },
  load(saved, now, wallOffset) {
    const drains = new Map<string, DrainEntry>();
    for (const raw of saved) {
      const { startedAt, ...e } = raw as Omit<DrainEntry, 'since'> & { startedAt?: unknown };
      if (e?.why !== 'removed' || !e.service || !e.dest || typeof e.vs !== 'string' || typeof e.rs !== 'string')
        continue;
      const since =
        typeof startedAt === 'number' && Number.isFinite(startedAt) ? Math.min(now, startedAt - wallOffset) : now;
      drains.set(drainKey(e.service, e.dest), { ...e, since, done: false });
    }
    return { belowQuorum: new Map(), drains } satisfies PlannerMemory;
  },
};

/** The one-line reload summary (src/config/diff.ts). */
export const summary: SummaryFn = (prev: Config, next: Config) => diffSummary(diffConfigs(prev, next));

/** diffTables for --plan (src/plan/diff.ts). */
export function diffTables(actual: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>): Op[] {
  return planDiff(actual, desired, owned);
}

/** The reconciler over a dataplane (src/plan/reconciler.ts). */
export function reconciler(dataplane: Dataplane, clock: Clock, log: Logger): ReconcilerPort {
  return new Reconciler({ dataplane, clock, log: log.child({ layer: 'reconciler' }) });
}

/** Opens the kernel dataplane (rejects with IPVS-not-available / EPERM messages). */
export async function openKernel(): Promise<OpenedDataplane> {
  // Loaded on demand: the memory dataplane and --check of a VRRP-only config never load the netlink stack.
  const { KernelDataplane } = await import('../dataplane/kernel.js');
  const dp = await KernelDataplane.open();
  return { dataplane: dp, writes: () => dp.writes };
}

/** An Op as an ipvsadm-like line (src/ipvs/format.ts). */
export function formatOp(op: Op): string {
  return ipvsFormatOp(op);
}

/**
 * The VRRP service (src/vrrp/service.ts), loaded on first use: configs without vrrp_instance (and
 * every start before its first probe) skip loading the VRRP stack (~20 ms of module loading).
 */
export async function vrrpService(
  instances: unknown[],
  routerId: string,
  log: Logger,
  registry: Registry,
): Promise<VrrpPort> {
  const { VrrpService } = await import('../vrrp/service.js');
  const svc = new VrrpService({ instances: instances as VrrpInstanceConfig[], routerId, log, registry });
  return {
    start: () => svc.start(),
    reload: (i) => svc.reload(i as VrrpInstanceConfig[]),
    setVirtualServerDown: (n, b) => svc.setVirtualServerDown(n, b),
    status: () => svc.status(),
    stop: () => svc.stop(),
  };
}
