/**
 * Adapters from the other layers' APIs to the daemon's ports. Modules that are not in this build
 * yet are loaded by name at start (a clear error names the missing one); each is replaced by a
 * static import as it lands.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.js';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { IpvsTable, Op } from '../ipvs/types.js';
import type { Clock } from '../util/clock.js';
import type { PlannerFn, SummaryFn } from './model.js';
import type { ReconcilerPort, VrrpPort } from './ports.js';
import { plan, type PlannerMemory } from '../plan/desired.js';
import type { OpenedDataplane } from './wiring.js';

type Mod = Record<string, unknown>;
const mods = new Map<string, Mod>();

async function load(spec: string): Promise<Mod | undefined> {
  try {
    const m = (await import(spec)) as Mod;
    mods.set(spec, m);
    return m;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}

function need(spec: string, name: string): (...a: unknown[]) => unknown {
  const f = mods.get(spec)?.[name];
  if (typeof f !== 'function') throw new Error(`${name} from ${spec} is not available in this build`);
  return f as (...a: unknown[]) => unknown;
}

const DIFF = '../plan/diff.js';
const REC = '../plan/reconciler.js';
const CDIFF = '../config/diff.js';
const KERNEL = '../dataplane/kernel.js';
const RULES = '../ipvs/rules.js';
const VRRP = '../vrrp/service.js';

/** Loads every adapted module present in this build. */
export async function loadAdapters(): Promise<void> {
  await Promise.all([DIFF, REC, CDIFF, KERNEL, RULES, VRRP].map(load));
}

/** The planner adapter. */
export const planner: PlannerFn = (input, memory) => {
  const p = plan(input, memory as PlannerMemory | undefined);
  return { out: p, memory: p.memory };
};

/** The one-line reload summary. */
export const summary: SummaryFn = (prev: Config, next: Config) => {
  const d = need(CDIFF, 'diffConfigs')(prev, next);
  return need(CDIFF, 'summary')(d) as string;
};

/** diffTables for --plan. */
export function diffTables(actual: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>): Op[] {
  return need(DIFF, 'diffTables')(actual, desired, owned) as Op[];
}

/** The reconciler over a dataplane. */
export function reconciler(dataplane: Dataplane, clock: Clock, log: Logger): ReconcilerPort {
  const C = mods.get(REC)?.Reconciler as (new (o: unknown) => ReconcilerPort) | undefined;
  if (!C) throw new Error(`Reconciler from ${REC} is not available in this build`);
  return new C({ dataplane, clock, log });
}

/** Opens the kernel dataplane (rejects with IPVS-not-available / EPERM messages). */
export async function openKernel(): Promise<OpenedDataplane> {
  const K = mods.get(KERNEL)?.KernelDataplane as { open(): Promise<Dataplane & { writes: number }> } | undefined;
  if (!K) throw new Error(`KernelDataplane from ${KERNEL} is not available in this build`);
  const dp = await K.open();
  return { dataplane: dp, writes: () => dp.writes };
}

/** An Op as an ipvsadm-like line. */
export function formatOp(op: Op): string {
  return need(RULES, 'formatOp')(op) as string;
}

/** The VRRP service. */
export function vrrpService(instances: unknown[], routerId: string, log: Logger, registry: Registry): VrrpPort {
  const V = mods.get(VRRP)?.VrrpService as (new (o: unknown) => VrrpPort) | undefined;
  if (!V) throw new Error(`VrrpService from ${VRRP} is not available in this build`);
  return new V({ instances, routerId, log, registry });
}
