/**
 * What the daemon core needs from the modules it wires, as small interfaces. The core
 * (daemon.ts) knows nothing about the config's shape: everything config-specific goes through a
 * `ConfigModel` (model.ts binds it to src/config + src/plan). This keeps one seam for unit tests
 * (a fake model, a fake health engine, the memory dataplane, a ManualClock).
 */
import type { HealthEvent, HealthStatus } from '../health/engine.js';
import type { IpvsTable } from '../ipvs/types.js';

/** Settings from [global] the daemon acts on, normalized (durations in ms). */
export interface Globals {
  routerId: string;
  logLevel: string;
  controlSocket: string;
  metricsListen?: string;
  resyncIntervalMs: number;
  onShutdown: 'keep' | 'remove';
  removal: 'drain' | 'delete';
  stateFile?: string;
}

/** A problem in a config file, with its key path. */
export interface Problem {
  path: string;
  message: string;
}

/** Result of loading a config file. */
export type Loaded<C> = { ok: true; config: C } | { ok: false; problems: Problem[] };

/** A health-check target (H3's HealthTarget; spec opaque to the daemon). */
export interface Target {
  id: string;
  address: string;
  port: number;
  spec: unknown;
}

/** Health of one target as the planner sees it. */
export interface HealthView {
  up: boolean;
  /** Dynamic weight reported by a check (script "dynamic" mode). */
  weight?: number;
  /** clock.now() of the last transition to up; undefined if up since start (no slow start). */
  upSince?: number;
}

/** A real server of a virtual server, as the status/metrics see the config. */
export interface RealServerRef {
  rs: string;
  configuredWeight: number;
  /** Health target id; undefined when the real server has no check (always up). */
  healthId?: string;
}

/** A virtual server, as the status/metrics see the config. */
export interface VirtualServerRef {
  name: string;
  /** serviceKey() of the service in the IPVS table. */
  serviceKey: string;
  scheduler: string;
  realServers: RealServerRef[];
}

/** Input of one planner run. */
export interface PlanInput<C> {
  config: C;
  /** The config before the last reload (its removed real servers may still be draining). */
  previous?: C;
  /** Health by id; undefined = no verdict (no check, or unknown id): the planner decides. */
  health: (id: string) => HealthView | undefined;
  /** "vs|rs" keys drained by lvsctl. */
  drained: ReadonlySet<string>;
  now: number;
  /** The table read by the last reconcile (conns for drain), if any. */
  actual?: IpvsTable;
}

/** Output of one planner run. */
export interface PlanOutput {
  table: IpvsTable;
  /** When the planner wants to run again (slow-start step, drain deadline), clock time. */
  nextWakeAt?: number;
  /** Why each real server has its weight, keyed "vs|rs" (for lvsctl status). */
  explain: ReadonlyMap<string, string>;
  /** Names of virtual servers below quorum (feeds VRRP track_virtual_server). */
  belowQuorum: ReadonlySet<string>;
  /** serviceKeys present only because something drains in them: owned as well. */
  drainingServices?: ReadonlySet<string>;
}

/** Everything config-specific, bound to the real config/planner modules in model.ts. */
export interface ConfigModel<C> {
  load(path: string): Promise<Loaded<C>>;
  globals(c: C): Globals;
  targets(c: C): Target[];
  virtualServers(c: C): VirtualServerRef[];
  /** serviceKey()s of every IPVS service the config describes (the owned set). */
  ownedKeys(c: C): string[];
  /** One-line change summary "+1 services -0 services ~1 services, +3 dests -2 dests ~1 dests". */
  diffSummary(prev: C, next: C): string;
  /** The pure planner; `memory` is planner state carried between runs. */
  plan(input: PlanInput<C>, memory: unknown): { out: PlanOutput; memory: unknown };
  /** VRRP instances (opaque to the daemon); empty when none. */
  vrrpInstances(c: C): unknown[];
  /**
   * Planner memory worth keeping across restarts (drains of removed servers), as JSON-able data.
   * `wallOffset` (wall-clock ms minus clock ms in this process) turns clock times into wall times.
   */
  saveMemory?(memory: unknown, wallOffset: number): unknown[];
  /** Planner memory rebuilt from `saveMemory` output at start (`now`: clock time of the start; `wallOffset` as above, of this process). */
  loadMemory?(saved: unknown[], now: number, wallOffset: number): unknown;
}

/** One reconcile pass's outcome (H4's ReconcileReport, the fields the daemon reads). */
export interface ReconcileReportLike {
  ops: readonly unknown[];
  failed: ReadonlyArray<{ error: string }>;
  durationMs: number;
  writes: number;
  /** Set when the table could not be read (nothing applied). */
  error?: string;
}

/** The reconciler (H4's Reconciler). */
export interface ReconcilerPort {
  reconcile(desired: IpvsTable, owned: ReadonlySet<string>): Promise<ReconcileReportLike>;
  lastActual(): IpvsTable | undefined;
  /** Cancels pending retries so nothing runs after shutdown (optional for fakes). */
  close?(): void;
}

/** Health status the daemon shows: the fields of the engine's HealthStatus it reads (lastResults optional and read-only, so fakes may omit it). */
export type HealthStatusLike = Pick<HealthStatus, 'state' | 'since' | 'reason' | 'weight'> & {
  lastResults?: ReadonlyArray<HealthStatus['lastResults'][number]>;
};

/** A health transition: the engine's HealthEvent itself. */
export type HealthEventLike = HealthEvent;

/** The health engine (H3's HealthEngine). */
export interface HealthPort {
  setTargets(targets: Target[]): void;
  /** Optional: loads what probing `targets` needs (checker modules) before setTargets; never rejects. */
  prepare?(targets: Target[]): Promise<void>;
  /** Optional: resolves once setTargets() has started every probe (a large set is attached over several event-loop turns). */
  whenAttached?(): Promise<void>;
  onTransition(cb: (ev: HealthEventLike) => void): () => void;
  status(id: string): HealthStatusLike | undefined;
  stop(): Promise<void>;
}

/** The VRRP service (H5's VrrpService). */
export interface VrrpPort {
  start(): Promise<void>;
  reload(instances: unknown[]): Promise<void>;
  setVirtualServerDown(name: string, belowQuorum: boolean): void;
  status(): unknown[];
  stop(): Promise<void>;
}
