/**
 * Builds the status report lvsctl shows: per virtual server and real server the configured,
 * desired and current (kernel) weight, health with the last transition's reason and age, operator
 * drain, the planner's "why this weight", connection counters and IPVS stats — enough to answer
 * "why is this server not getting traffic?". Pure apart from reading the objects it is given.
 */
import type { IpvsTable, TableService } from '../ipvs/types.js';
import { destKey, serviceKey } from '../ipvs/types.js';
import type { Overrides } from './overrides.js';
import type { ConfigModel, HealthPort, PlanOutput, Problem, RealServerRef, VirtualServerRef } from './ports.js';
import type { PassInfo } from './daemon.js';

/** Stats of a service or destination, as decimal strings (64-bit counters). */
export interface StatsView {
  conns: string;
  inpkts: string;
  outpkts: string;
  inbytes: string;
  outbytes: string;
}

/** One real server in the status report. */
export interface RealServerStatus {
  rs: string;
  configuredWeight: number;
  desiredWeight: number | null;
  kernelWeight: number | null;
  health: 'up' | 'down' | 'unchecked';
  healthSince?: number;
  reason?: string;
  lastProbe?: { ok: boolean; ms: number; detail: string; at: number };
  drained: boolean;
  why?: string;
  active?: number;
  inactive?: number;
  stats?: StatsView;
}

/** One virtual server in the status report. */
export interface VirtualServerStatus {
  name: string;
  service: string;
  scheduler: string;
  inKernel: boolean;
  belowQuorum: boolean;
  stats?: StatsView;
  realServers: RealServerStatus[];
  /** Destinations in the kernel for this service that the config does not name (e.g. draining, sorry). */
  extraDestinations: Array<{ rs: string; weight: number; active?: number; inactive?: number }>;
}

/** The whole status report. */
export interface StatusReport {
  daemon: {
    pid: number;
    routerId: string;
    configFile: string;
    generation: number;
    startedAt: number;
    dataplane: 'kernel' | 'memory' | 'none';
    lastReload?: { at: number; ok: boolean; summary?: string; problems?: Problem[] };
    lastReconcile?: PassInfo;
  };
  virtualServers: VirtualServerStatus[];
  vrrp: unknown[];
}

/** The parts of the daemon the status reads. */
export interface StatusSource<C> {
  config: C;
  generation: number;
  startedAt: number;
  lastReload?: StatusReport['daemon']['lastReload'];
  lastPass?: PassInfo;
  plan?: PlanOutput;
  vrrp?: { status(): unknown[] };
}

/** Builds the report from the daemon's state. */
export function buildStatus<C>(
  src: StatusSource<C>,
  env: {
    model: ConfigModel<C>;
    health: HealthPort;
    overrides: Overrides;
    actual?: IpvsTable;
    dataplane: StatusReport['daemon']['dataplane'];
    configPath: string;
  },
): StatusReport {
  const g = env.model.globals(src.config);
  const kernel = new Map((env.actual?.services ?? []).map((s) => [serviceKey(s.id), s]));
  const desired = new Map((src.plan?.table.services ?? []).map((s) => [serviceKey(s.id), s]));
  const vss = env.model
    .virtualServers(src.config)
    .map((vs) => vsStatus(vs, kernel.get(vs.serviceKey), desired.get(vs.serviceKey), src.plan, env));
  return {
    daemon: {
      pid: process.pid,
      routerId: g.routerId,
      configFile: env.configPath,
      generation: src.generation,
      startedAt: src.startedAt,
      dataplane: env.dataplane,
      lastReload: src.lastReload,
      lastReconcile: src.lastPass,
    },
    virtualServers: vss,
    vrrp: src.vrrp?.status() ?? [],
  };
}

function vsStatus<C>(
  vs: VirtualServerRef,
  k: TableService | undefined,
  want: TableService | undefined,
  plan: PlanOutput | undefined,
  env: { health: HealthPort; overrides: Overrides },
): VirtualServerStatus {
  const named = new Set(vs.realServers.map((r) => r.rs));
  return {
    name: vs.name,
    service: vs.serviceKey,
    scheduler: k?.scheduler ?? vs.scheduler,
    inKernel: !!k,
    belowQuorum: plan?.belowQuorum.has(vs.name) ?? false,
    stats: k?.stats ? statsView(k.stats) : undefined,
    realServers: vs.realServers.map((r) => rsStatus(vs.name, r, k, want, plan, env)),
    extraDestinations: (k?.destinations ?? [])
      .filter((d) => !named.has(destKey(d)))
      .map((d) => ({ rs: destKey(d), weight: d.weight, active: d.conns?.active, inactive: d.conns?.inactive })),
  };
}

function rsStatus(
  vs: string,
  r: RealServerRef,
  k: TableService | undefined,
  want: TableService | undefined,
  plan: PlanOutput | undefined,
  env: { health: HealthPort; overrides: Overrides },
): RealServerStatus {
  const kd = k?.destinations.find((d) => destKey(d) === r.rs);
  const wd = want?.destinations.find((d) => destKey(d) === r.rs);
  const h = r.healthId ? env.health.status(r.healthId) : undefined;
  const last = h?.lastResults?.[h.lastResults.length - 1];
  return {
    rs: r.rs,
    configuredWeight: r.configuredWeight,
    desiredWeight: wd ? wd.weight : null,
    kernelWeight: kd ? kd.weight : null,
    health: h ? h.state : 'unchecked',
    healthSince: h?.since,
    reason: h?.reason,
    lastProbe: last ? { ok: last.ok, ms: last.ms, detail: last.detail, at: last.at } : undefined,
    drained: env.overrides.isDrained(vs, r.rs),
    why: plan?.explain.get(`${vs}|${r.rs}`),
    active: kd?.conns?.active,
    inactive: kd?.conns?.inactive,
    stats: kd?.stats ? statsView(kd.stats) : undefined,
  };
}

function statsView(s: NonNullable<TableService['stats']>): StatsView {
  return {
    conns: s.conns.toString(),
    inpkts: s.inpkts.toString(),
    outpkts: s.outpkts.toString(),
    inbytes: s.inbytes.toString(),
    outbytes: s.outbytes.toString(),
  };
}
