/**
 * The seam between the daemon's lifecycle (run.ts) and the modules other layers provide. `realWiring`
 * (real-wiring.ts) binds it to src/config, src/plan, src/dataplane, src/health and src/vrrp; tests
 * may pass fakes.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dataplane } from '../dataplane/dataplane.js';
import type { IpvsTable, Op } from '../ipvs/types.js';
import type { Clock } from '../util/clock.js';
import type { ConfigModel, HealthPort, Problem, ReconcilerPort, VrrpPort } from './ports.js';

/** Which dataplane the daemon drives. */
export type DataplaneKind = 'kernel' | 'memory';

/** A dataplane the daemon opened, with its write counter when it has one. */
export interface OpenedDataplane {
  dataplane: Dataplane;
  writes?: () => number;
}

/** Factories for everything run.ts wires. */
export interface Wiring<C> {
  model: ConfigModel<C>;
  /** Opens the dataplane; rejects with an Error whose message says why (e.g. IPVS not available). */
  openDataplane(kind: DataplaneKind): Promise<OpenedDataplane>;
  reconciler(dp: Dataplane, clock: Clock, log: Logger): ReconcilerPort;
  /**
   * `targets` = how many health targets the config has (large fleets drop per-target latency labels);
   * no `registry` = no metrics are kept (nothing can scrape them). May load modules, hence a promise.
   */
  health(clock: Clock, log: Logger, registry: Registry | undefined, targets: number): HealthPort | Promise<HealthPort>;
  /** The VRRP service for `instances` (may load its modules on demand, hence a promise). */
  vrrp(instances: unknown[], routerId: string, log: Logger, registry: Registry): VrrpPort | Promise<VrrpPort>;
  /** Ops that turn `actual` into `desired` touching only `owned` services (for --plan). */
  diffTables(actual: IpvsTable, desired: IpvsTable, owned: ReadonlySet<string>): Op[];
  /** An Op as an ipvsadm-like line (for --plan). */
  formatOp(op: Op): string;
  /** Problems as text, one per line, prefixed with the source file. */
  formatProblems(source: string, problems: Problem[]): string;
}
